"""The review queue: who may see it, order, columns, filters, paging, query count."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from screening.models import Intake
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import CaseEventFactory, case

pytestmark = pytest.mark.django_db

URL = "/review/"


def rows(response) -> list[int]:
    """Intake ids of the queue's rows, in order."""
    return [int(pk) for pk in re.findall(r'data-intake="(\d+)"', response.content.decode())]


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


# -- access -------------------------------------------------------------------


def test_clinician_sees_the_queue(client, clinician):
    intake = case("high", patient=PatientFactory(given_name="Ada", family_name="Quill"))
    client.force_login(clinician)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quill, Ada" in page
    assert rows(response) == [intake.pk]


def test_admin_sees_the_queue(client, clinic_admin):
    intake = case("info")
    client.force_login(clinic_admin)
    assert rows(client.get(URL)) == [intake.pk]


@pytest.mark.parametrize("fixture", ["scheduler", "patient_user"])
def test_other_roles_are_refused(client, request, fixture):
    case("urgent")
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(URL)
    assert response.status_code == 403
    assert "data-intake" not in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wrong_method_is_refused(client, clinician):
    client.force_login(clinician)
    assert client.post(URL).status_code == 405


# -- content and order -------------------------------------------------------------


def test_urgent_first_then_severity_then_oldest(client, clinician):
    old_info = case("info", submitted_at=ago(days=9))
    new_high = case("high", submitted_at=ago(hours=2))
    old_high = case("high", submitted_at=ago(days=3))
    new_urgent = case("urgent", submitted_at=ago(minutes=5))
    moderate = case("moderate", submitted_at=ago(days=20))
    client.force_login(clinician)
    assert rows(client.get(URL)) == [
        new_urgent.pk,
        old_high.pk,
        new_high.pk,
        moderate.pk,
        old_info.pk,
    ]


def test_row_shows_every_column(client, clinician):
    doctor = StaffFactory(role="clinician", first_name="Erik", last_name="Lindqvist")
    patient = PatientFactory(given_name="Dana", family_name="Reyes")
    intake = case("urgent", patient=patient, submitted_at=ago(days=2, hours=1))
    Intake.objects.filter(pk=intake.pk).update(
        assigned_to=doctor, review_status=Intake.ReviewStatus.IN_REVIEW
    )
    client.force_login(clinician)
    page = client.get(URL).content.decode()
    row = page[page.rindex("<tr", 0, page.index(f'data-intake="{intake.pk}"')) :]
    row = row[: row.index("</tr>")]
    assert "Reyes, Dana" in row
    assert f"<td>{patient.age}</td>" in row
    assert intake.submitted_at.astimezone().strftime("%Y-%m-%d") in row
    assert "2\xa0days" in row  # how long it has waited
    assert "16 <span" in row and "(moderately severe)" in row  # PHQ-9 total and band
    assert "Suicidal thoughts or behaviour reported" in row and "severity-urgent" in row
    assert "Erik Lindqvist" in row
    assert "In review" in row
    assert "queue-urgent" in row


def test_empty_queue_says_so(client, clinician):
    client.force_login(clinician)
    response = client.get(URL)
    assert "No cases match these filters." in response.content.decode()


def test_closed_and_booked_cases_are_not_in_the_default_view(client, clinician):
    open_case = case("info")
    closed = case("info", review_status=Intake.ReviewStatus.CLOSED)
    booked = case("info", review_status=Intake.ReviewStatus.CONSULT_TO_BOOK)
    client.force_login(clinician)
    assert rows(client.get(URL)) == [open_case.pk]
    assert set(rows(client.get(URL, {"status": "all"}))) == {open_case.pk, closed.pk, booked.pk}


def test_drafts_are_never_in_the_queue(client, clinician):
    Intake.objects.create(patient=PatientFactory(), version=1)
    client.force_login(clinician)
    assert rows(client.get(URL, {"status": "all"})) == []


# -- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s, _label in Intake.ReviewStatus.choices])
def test_filter_by_status(client, clinician, status):
    wanted = case("info", review_status=status)
    others = [case("info", review_status=s) for s in Intake.ReviewStatus.values if s != status]
    client.force_login(clinician)
    assert rows(client.get(URL, {"status": status})) == [wanted.pk]
    assert others


def test_filter_by_flag_code(client, clinician):
    hypertensive = case("high")
    case("moderate")
    client.force_login(clinician)
    assert rows(client.get(URL, {"flag": "uncontrolled_hypertension"})) == [hypertensive.pk]


@pytest.mark.parametrize("severity", ["urgent", "high", "moderate"])
def test_filter_by_severity(client, clinician, severity):
    made = {s: case(s) for s in ("urgent", "high", "moderate")}
    client.force_login(clinician)
    assert rows(client.get(URL, {"severity": severity})) == [made[severity].pk]


def test_filter_by_info_severity_finds_every_case_with_an_info_flag(client, clinician):
    # Every valid document raises trd_likely or trd_unconfirmed (info).
    made = [case(s) for s in ("urgent", "high", "info")]
    client.force_login(clinician)
    assert set(rows(client.get(URL, {"severity": "info"}))) == {i.pk for i in made}


def test_filter_by_modality_shows_its_highest_severity(client, clinician):
    hypertensive = case("high")  # uncontrolled_hypertension: ketamine, esketamine, ect
    client.force_login(clinician)
    response = client.get(URL, {"modality": "ect"})
    assert rows(response) == [hypertensive.pk]
    page = response.content.decode()
    assert "Highest for ECT" in page
    tms = client.get(URL, {"modality": "tms", "severity": "high"})
    assert rows(tms) == []  # hypertension does not bear on TMS


def test_filter_by_modality_and_severity_combine_on_one_flag(client, clinician):
    hypertensive = case("high")
    client.force_login(clinician)
    assert rows(client.get(URL, {"modality": "esketamine", "severity": "high"})) == [
        hypertensive.pk
    ]
    assert rows(client.get(URL, {"modality": "tms", "severity": "info"})) == [hypertensive.pk]


def test_filter_assigned_to_me_and_to_nobody(client, clinician):
    mine = case("info", assigned_to=clinician)
    theirs = case("info", assigned_to=StaffFactory(role="clinician"))
    nobodys = case("info")
    client.force_login(clinician)
    assert rows(client.get(URL, {"assigned": "me"})) == [mine.pk]
    assert rows(client.get(URL, {"assigned": "nobody"})) == [nobodys.pk]
    assert set(rows(client.get(URL, {"assigned": ""}))) == {mine.pk, theirs.pk, nobodys.pk}


def test_search_by_name_email_and_date_of_birth(client, clinician):
    dana = case(
        "info",
        patient=PatientFactory(
            given_name="Dana",
            family_name="Reyes",
            email="dana.r@example.org",
            date_of_birth=datetime.date(1982, 3, 14),
        ),
    )
    marco = case(
        "info",
        patient=PatientFactory(
            given_name="Marco",
            family_name="Silva",
            email="marco@example.org",
            date_of_birth=datetime.date(1975, 7, 2),
        ),
    )
    client.force_login(clinician)
    assert rows(client.get(URL, {"q": "reyes"})) == [dana.pk]
    assert rows(client.get(URL, {"q": "Dana Reyes"})) == [dana.pk]
    assert rows(client.get(URL, {"q": "marco@example.org"})) == [marco.pk]
    assert rows(client.get(URL, {"q": "1975-07-02"})) == [marco.pk]
    assert rows(client.get(URL, {"q": "03/14/1982"})) == [dana.pk]


def test_filters_combine_and_stay_in_the_form_and_paging_links(client, clinician):
    target = case("high", assigned_to=clinician)
    case("high")
    case("urgent", assigned_to=clinician)
    client.force_login(clinician)
    response = client.get(URL, {"severity": "high", "assigned": "me", "q": ""})
    assert rows(response) == [target.pk]
    page = response.content.decode()
    assert '<option value="high" selected>' in page
    assert '<option value="me" selected>' in page


def test_invalid_filter_value_is_reported_not_a_500(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.get(URL, {"severity": "catastrophic", "q": "a\x00b"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "null character" in page
    assert rows(response) == [intake.pk]


def test_fifty_rows_a_page(client, clinician):
    patient = PatientFactory()
    made = [case("info", patient=patient, version=n) for n in range(1, 53)]
    client.force_login(clinician)
    first = client.get(URL)
    assert len(rows(first)) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert len(rows(second)) == 2
    assert set(rows(first)) | set(rows(second)) == {i.pk for i in made}


# -- query count -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3, 50])
def test_query_count_is_the_same_for_any_number_of_rows(
    client, clinician, django_assert_num_queries, size
):
    patient = PatientFactory()
    doctor = StaffFactory(role="clinician")
    for n in range(1, size + 1):
        intake = case("urgent" if n % 2 else "high", patient=patient, version=n)
        if n % 3 == 0:
            Intake.objects.filter(pk=intake.pk).update(assigned_to=doctor)
    client.force_login(clinician)
    # session, user, role, urgent cases kept on the default view, urgent count
    # (navigation), page count, page rows, flags
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert len(rows(response)) == size


def test_navigation_shows_the_urgent_cases_nobody_has_opened(client, clinician):
    opened = case("urgent")
    case("urgent")
    case("urgent")
    case("high")
    case("urgent", review_status=Intake.ReviewStatus.CLOSED)
    CaseEventFactory(intake=opened)
    client.force_login(clinician)
    page = client.get(URL).content.decode()
    assert re.search(r'data-testid="urgent-count"[^>]*>2<', page)


@pytest.mark.parametrize("size", [1, 3])
def test_query_count_with_every_filter_is_the_same_for_any_number_of_rows(
    client, clinician, django_assert_num_queries, size
):
    patient = PatientFactory(family_name="Quill")
    for n in range(1, size + 1):
        case("high", patient=patient, version=n, assigned_to=clinician)
    client.force_login(clinician)
    filters = {
        "status": "awaiting_review",
        "flag": "uncontrolled_hypertension",
        "severity": "high",
        "modality": "ect",
        "assigned": "me",
        "q": "quill",
    }
    with django_assert_num_queries(7):
        response = client.get(URL, filters)
    assert len(rows(response)) == size
