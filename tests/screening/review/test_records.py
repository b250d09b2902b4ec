"""The case history cannot be edited or deleted; the navigation's urgent
count; the chart; the steps agree with the intake's; the demo seeder."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from screening.models import Intake
from screening.review.chart import phq9_trend_svg
from screening.review.context_processors import review
from screening.review.models import CaseEvent, CaseNote, FlagAcknowledgement
from tests.factories.review import CaseEventFactory, case

# -- the history is append-only ------------------------------------------------------


@pytest.mark.django_db
def test_history_admin_is_read_only(clinic_admin):
    event = CaseEventFactory()
    model_admin = site._registry[CaseEvent]
    request = RequestFactory().get("/admin/")
    request.user = clinic_admin
    assert model_admin.has_view_permission(request, event)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


@pytest.mark.django_db
def test_admin_change_page_shows_but_cannot_save_history(client, clinic_admin):
    event = CaseEventFactory(detail="original")
    client.force_login(clinic_admin)
    url = f"/admin/review/caseevent/{event.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(url, {"detail": "rewritten", "action": "assigned"})
    assert (
        client.post(f"/admin/review/caseevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.detail == "original"


@pytest.mark.django_db
def test_a_case_with_history_cannot_be_deleted():
    event = CaseEventFactory()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        event.intake.delete()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_rejects_update_and_delete_of_history():
    event = CaseEventFactory(detail="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM review_caseevent WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.detail == "original"


# -- navigation's urgent count -------------------------------------------------------------


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_urgent_count_costs_one_query_and_only_when_shown(clinician):
    case("urgent")
    case("urgent")
    opened = case("urgent")
    CaseEventFactory(intake=opened)
    context = review(_request(clinician))
    with CaptureQueriesContext(connection) as queries:
        first = context["review_urgent_unopened"]()
        second = context["review_urgent_unopened"]()
    assert (first, second) == (2, 2)
    assert len(queries) == 1


@pytest.mark.django_db
def test_urgent_count_is_not_offered_to_other_roles(scheduler, patient_user):
    assert review(_request(scheduler)) == {}
    assert review(_request(patient_user)) == {}


@pytest.mark.django_db
def test_urgent_count_shows_on_other_pages_for_clinicians(client, clinician):
    case("urgent")
    client.force_login(clinician)
    page = client.get("/schedule/").content.decode()
    assert 'data-testid="urgent-count"' in page


@pytest.mark.django_db
def test_opening_the_case_takes_it_off_the_urgent_count(client, clinician):
    intake = case("urgent")
    client.force_login(clinician)
    assert 'data-testid="urgent-count"' in client.get("/review/").content.decode()
    client.get(f"/review/{intake.pk}/")
    assert 'data-testid="urgent-count"' not in client.get("/review/").content.decode()


# -- chart ------------------------------------------------------------------------------------


def test_chart_without_points_says_so():
    svg = phq9_trend_svg([])
    assert svg.startswith("<svg") and "No PHQ-9 answers yet" in svg


def test_chart_draws_intakes_as_circles_and_checkins_as_squares():
    points = [
        (datetime.date(2026, 1, 5), 22, "intake"),
        (datetime.date(2026, 2, 5), 15, "check-in"),
        (datetime.date(2026, 3, 5), 9, "check-in"),
    ]
    svg = phq9_trend_svg(points)
    assert svg.count("<circle") == 1
    assert svg.count("<rect") == 2
    assert "<polyline" in svg
    assert "2026-02-05: PHQ-9 15 (check-in)" in svg
    assert "style=" not in svg and "<script" not in svg


def test_chart_escapes_text():
    svg = phq9_trend_svg([(datetime.date(2026, 1, 5), 3, "<b>x</b>")])
    assert "<b>" not in svg and "&lt;b&gt;" in svg


# -- demo --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    from clinic.accounts.demo import seed_people
    from screening import demo as screening_demo
    from screening.review import demo

    seed_people()
    screening_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    counts = (CaseNote.objects.count(), FlagAcknowledgement.objects.count())
    demo.seed(io.StringIO())
    assert (CaseNote.objects.count(), FlagAcknowledgement.objects.count()) == counts
    assert counts[0] == 1
    priya = Intake.objects.get(
        patient__email="priya.natarajan@example.org", status=Intake.Status.SUBMITTED
    )
    assert priya.assigned_to.email == "dr.lindqvist@example.org"
    assert priya.review_status == Intake.ReviewStatus.IN_REVIEW
