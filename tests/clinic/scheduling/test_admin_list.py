"""The appointments admin: upcoming first with an upcoming/today/past
filter, a bulk cancel that asks for a reason and refuses past appointments,
no deleting; closure days; reminder offsets in words."""

from __future__ import annotations

import pytest

from clinic.scheduling.models import Appointment, ClosureDay
from clinic.scheduling.services.booking import appointment_book
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import AppointmentFactory, appointment_type, local_dt

pytestmark = pytest.mark.django_db
URL = "/admin/scheduling/appointment/"


def book(patient, start, clinician):
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type("consult"),
        start=start,
        clinician=clinician,
        booked_by=None,
    )


@pytest.fixture
def three(frozen_now, okafor):
    past = AppointmentFactory(
        patient=PatientFactory(family_name="Past"),
        clinician=okafor,
        start=local_dt(2026, 2, 27, 10),
    )
    today = book(PatientFactory(family_name="Today"), local_dt(2026, 3, 2, 15), okafor)
    later = book(PatientFactory(family_name="Later"), local_dt(2026, 3, 9, 10), okafor)
    return past, today, later


def names(response) -> list[str]:
    return [a.patient.family_name for a in response.context["cl"].result_list]


def test_upcoming_first_with_a_when_filter(client, scheduler, three):
    client.force_login(scheduler)
    assert names(client.get(URL)) == ["Today", "Later"]
    assert names(client.get(URL, {"when": "today"})) == ["Today"]
    assert names(client.get(URL, {"when": "past"})) == ["Past"]
    assert names(client.get(URL, {"when": "all"})) == ["Today", "Later", "Past"]
    page = client.get(URL).content.decode()
    assert "Mon 2 Mar 2026 15:00-16:00" in page


def test_the_list_has_constant_queries(client, scheduler, three, okafor):
    client.force_login(scheduler)
    client.get(URL)
    before = len(_queries(client))
    for day in (10, 11, 12):
        book(PatientFactory(), local_dt(2026, 3, day, 10), okafor)
    assert len(_queries(client)) == before


def _queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    return ctx.captured_queries


def test_bulk_cancel_asks_for_a_reason_and_refuses_past_ones(client, scheduler, three):
    past, today, later = three
    client.force_login(scheduler)
    selected = [past.pk, today.pk, later.pk]
    url = f"{URL}?when=all"  # past ones are listed (and selectable) under "past" or "all"
    response = client.post(url, {"action": "cancel", "_selected_action": selected})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reason for cancelling" in page
    assert "In the past, so not cancelled" in page
    assert Appointment.objects.filter(status="cancelled").count() == 0

    response = client.post(
        url, {"action": "cancel", "_selected_action": selected, "confirm_cancel": "1", "reason": ""}
    )
    assert "Give the reason: it is kept with each appointment." in response.content.decode()
    assert Appointment.objects.filter(status="cancelled").count() == 0

    response = client.post(
        url,
        {
            "action": "cancel",
            "_selected_action": selected,
            "confirm_cancel": "1",
            "reason": "Clinician ill",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "2 appointment(s) cancelled." in page
    assert "is in the past and was not cancelled" in page
    past.refresh_from_db(), today.refresh_from_db(), later.refresh_from_db()
    assert (past.status, today.status, later.status) == ("booked", "cancelled", "cancelled")
    assert "Clinician ill" in later.notes


def test_nobody_deletes_an_appointment(client, clinic_admin, three):
    past, _today, _later = three
    client.force_login(clinic_admin)
    assert client.get(f"{URL}{past.pk}/delete/").status_code == 403
    response = client.post(URL, {"action": "delete_selected", "_selected_action": [past.pk]})
    assert Appointment.objects.filter(pk=past.pk).exists()
    assert "delete_selected" not in client.get(URL).content.decode()
    assert response.status_code in (200, 302)


def test_closure_days_in_the_admin(client, clinic_admin, frozen_now):
    client.force_login(clinic_admin)
    response = client.post(
        "/admin/scheduling/closureday/add/",
        {"date": "2026-08-14", "name": "Staff training", "source": "clinic"},
    )
    assert response.status_code == 302
    client.post(
        "/admin/scheduling/closureday/",
        {"action": "add_public_holidays", "index": "0"},
        follow=True,
    )
    assert ClosureDay.objects.filter(date="2026-12-25", source="holiday").exists()
    assert ClosureDay.objects.get(date="2026-08-14").name == "Staff training"
    page = client.get("/admin/scheduling/closureday/?date__year=2026").content.decode()
    assert "Staff training" in page
    assert (
        client.post(
            "/admin/scheduling/closureday/add/",
            {"date": "2026-08-14", "name": "Again", "source": "clinic"},
        ).status_code
        == 200
    )  # one row per day: the form says so


def test_reminder_offsets_in_words(client, clinic_admin):
    appointment_type("consult")
    client.force_login(clinic_admin)
    page = client.get("/admin/scheduling/appointmenttype/").content.decode()
    assert "24 hours before, 2 hours before" in page


def test_schedulers_see_closure_days_but_only_admins_change_them(client, scheduler, frozen_now):
    ClosureDay.objects.create(date="2026-12-25", name="Christmas Day", source="holiday")
    client.force_login(scheduler)
    assert "Christmas Day" in client.get("/admin/scheduling/closureday/").content.decode()
    response = client.post(
        "/admin/scheduling/closureday/add/", {"date": "2026-08-14", "name": "X", "source": "clinic"}
    )
    assert response.status_code == 403
    assert not ClosureDay.objects.filter(date="2026-08-14").exists()
