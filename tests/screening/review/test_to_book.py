"""Consults to book: the scheduler's list of cases a clinician decided to
book a consult for, and the limited case page's "Book a consult" button."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.scheduling.models import AppointmentStatus
from clinic.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_set_status,
)
from screening.models import Intake
from screening.review.models import CaseDecision
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import case, consult_decided
from tests.factories.scheduling import AppointmentFactory, appointment_type, working_week

pytestmark = pytest.mark.django_db

URL = "/review/to-book/"
# Session, user, role groups, the paginator's count, the rows, their decisions.
QUERIES = 6


def rows(response) -> list[int]:
    """Intake ids of the list's rows, in order."""
    return [int(pk) for pk in re.findall(r'data-intake="(\d+)"', response.content.decode())]


def book_href(patient) -> str:
    """The Book link as it appears in the HTML (the & escaped)."""
    return reverse("scheduling:book") + f"?patient={patient.pk}&amp;type=consult"


def next_day_at(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=2)
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_default_timezone()
    )


@pytest.fixture
def doctor(db):
    doctor = StaffFactory(role="clinician", first_name="Nia", last_name="Okafor")
    working_week(doctor)
    return doctor


@pytest.fixture
def dana(doctor):
    """Dana Reyes, for whom Dr Okafor decided "book a consult"."""
    patient = PatientFactory(
        given_name="Dana", family_name="Reyes", date_of_birth=datetime.date(1981, 4, 9)
    )
    return consult_decided(patient=patient, by=doctor, severity="urgent")


def book_consult(intake: Intake, *, by, start: datetime.datetime | None = None, clinician=None):
    return appointment_book(
        patient=intake.patient,
        appointment_type=appointment_type("consult"),
        start=start or next_day_at(10),
        clinician=clinician or intake.case_decisions.first().by,
        booked_by=by,
    )


# -- access -------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["scheduler", "clinician", "clinic_admin"])
def test_staff_see_the_list(client, request, fixture, dana):
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(URL)
    assert response.status_code == 200
    assert rows(response) == [dana.pk]


def test_patient_is_refused_even_with_a_consult_to_book(client, doctor):
    patient = PatientFactory(with_login=True, family_name="Quill")
    consult_decided(patient=patient, by=doctor)
    client.force_login(patient.user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Quill" not in response.content.decode()


def test_other_patient_is_refused(client, patient_user, dana):
    client.force_login(patient_user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "data-intake" not in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wrong_method_is_refused(client, scheduler, dana):
    client.force_login(scheduler)
    assert client.post(URL).status_code == 405


def test_navigation_links_to_the_list(client, scheduler):
    client.force_login(scheduler)
    page = client.get(reverse("scheduling:schedule")).content.decode()
    assert f'href="{URL}"' in page and "Consults to book" in page


# -- content -------------------------------------------------------------------


def test_row_shows_names_decision_and_links_but_no_flags_or_answers(
    client, scheduler, doctor, dana
):
    other = StaffFactory(role="clinician", first_name="Sam", last_name="Idris")
    Intake.objects.filter(pk=dana.pk).update(assigned_to=other)
    decided = CaseDecision.objects.get(intake=dana)
    client.force_login(scheduler)
    response = client.get(URL)
    page = response.content.decode()
    assert "Reyes, Dana" in page
    assert "1981-04-09" in page
    assert "Nia Okafor" in page
    assert timezone.localtime(decided.at).strftime("%Y-%m-%d %H:%M") in page
    assert "Sam Idris" in page
    assert f'href="{book_href(dana.patient)}"' in page
    assert f'href="/review/{dana.pk}/"' in page
    # Names and statuses only: nothing from the answers, no flags.
    for secret in ("suicide", "trd", "data-code", "penicillin", "Sertraline", "PHQ-9", "phq9"):
        assert secret not in page, secret


def test_only_cases_decided_for_a_consult_are_listed(client, scheduler, dana, clinician):
    case("high")  # awaiting review
    closed = case("info")
    from screening.review.services import case_decide

    case_decide(intake=closed, kind="not_suitable", by=clinician, reason="Prefers therapy.")
    client.force_login(scheduler)
    assert rows(client.get(URL)) == [dana.pk]


def test_oldest_decision_first(client, scheduler, doctor):
    now = timezone.now()
    newer = consult_decided(by=doctor)
    older = consult_decided(by=doctor)
    CaseDecision.objects.filter(intake=newer).update(at=now - datetime.timedelta(hours=1))
    CaseDecision.objects.filter(intake=older).update(at=now - datetime.timedelta(days=2))
    client.force_login(scheduler)
    assert rows(client.get(URL)) == [older.pk, newer.pk]


def test_empty_list_says_so(client, scheduler):
    client.force_login(scheduler)
    response = client.get(URL)
    assert 'data-testid="to-book-empty"' in response.content.decode()


# -- booking takes a patient off the list, cancelling puts them back ------------------


def test_booking_the_consult_takes_the_patient_off_the_list(client, scheduler, dana):
    client.force_login(scheduler)
    book_consult(dana, by=scheduler)
    assert rows(client.get(URL)) == []


def test_cancelled_consult_puts_the_patient_back(client, scheduler, dana):
    appointment = book_consult(dana, by=scheduler)
    appointment_cancel(appointment=appointment, cancelled_by=scheduler, reason="Unwell")
    client.force_login(scheduler)
    assert rows(client.get(URL)) == [dana.pk]


def test_no_show_puts_the_patient_back(client, scheduler, dana):
    appointment = book_consult(dana, by=scheduler)
    appointment_set_status(
        appointment=appointment, status=AppointmentStatus.NO_SHOW, changed_by=scheduler
    )
    client.force_login(scheduler)
    assert rows(client.get(URL)) == [dana.pk]


def test_consult_before_the_decision_or_another_type_does_not_count(client, scheduler, dana):
    decided = CaseDecision.objects.get(intake=dana).at
    AppointmentFactory(patient=dana.patient, start=decided - datetime.timedelta(days=10))
    AppointmentFactory(
        patient=dana.patient,
        appointment_type=appointment_type("follow-up"),
        start=next_day_at(11),
    )
    client.force_login(scheduler)
    assert rows(client.get(URL)) == [dana.pk]


def test_another_patients_consult_does_not_count(client, scheduler, dana, doctor):
    other = consult_decided(by=doctor)
    book_consult(other, by=scheduler, start=next_day_at(14))
    client.force_login(scheduler)
    assert rows(client.get(URL)) == [dana.pk]


# -- query count ------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3])
def test_query_count_does_not_grow_with_the_rows(
    client, scheduler, doctor, django_assert_num_queries, size
):
    for _ in range(size):
        intake = consult_decided(by=doctor)
        Intake.objects.filter(pk=intake.pk).update(assigned_to=doctor)
    client.force_login(scheduler)
    with django_assert_num_queries(QUERIES):
        response = client.get(URL)
    assert len(rows(response)) == size


# -- the limited case page's button -----------------------------------------------


def test_limited_case_page_offers_to_book_when_a_consult_is_decided(client, scheduler, dana):
    client.force_login(scheduler)
    page = client.get(f"/review/{dana.pk}/").content.decode()
    assert "Book a consult" in page
    assert f'href="{book_href(dana.patient)}"' in page


@pytest.mark.parametrize("status", ["awaiting_review", "in_review", "closed"])
def test_limited_case_page_has_no_button_otherwise(client, scheduler, status):
    intake = case("info", review_status=status)
    client.force_login(scheduler)
    page = client.get(f"/review/{intake.pk}/").content.decode()
    assert "Book a consult" not in page
    assert reverse("scheduling:book") not in page
