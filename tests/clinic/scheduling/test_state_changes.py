"""The checklist of every schedule view that changes state (as healthchecks
does per view): a GET is refused, a role that may not use it is refused, a bad
id is a 404, another patient's object is refused, and the effect on the
database is what the view says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from clinic.scheduling.models import Appointment, ChangeRequest
from clinic.scheduling.services.booking import appointment_book
from clinic.scheduling.services.change_requests import change_request_create
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import appointment_type, local_dt

pytestmark = pytest.mark.django_db


def booked(patient, clinician, day=4):
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type("consult"),
        start=local_dt(2026, 3, day, 10),
        clinician=clinician,
        booked_by=None,
    )


@dataclass
class StaffView:
    name: str
    url: str  # with {pk}: an appointment's, or a change request's for "decide"
    data: dict[str, Any]

    def post(self, appointment: Appointment) -> dict[str, Any]:
        """The form as the page posts it (a move keeps the appointment's clinician)."""
        if self.name == "move":
            return {**self.data, "clinician": appointment.clinician_id}
        return self.data

    def target(self, appointment: Appointment) -> int:
        if self.name == "decide":
            return change_request_create(appointment=appointment, kind="cancel").pk
        return appointment.pk


STAFF_VIEWS = [
    StaffView(
        "move",
        "/schedule/appointment/{pk}/move/",
        {"date": "2026-03-05", "time": "14:00", "scope": "one"},
    ),
    StaffView(
        "cancel",
        "/schedule/appointment/{pk}/cancel/",
        {"cancel-reason": "Unwell", "cancel-scope": "one"},
    ),
    StaffView("status", "/schedule/appointment/{pk}/status/", {"status": "confirmed"}),
    StaffView("decide", "/schedule/requests/{pk}/", {"decision": "approve"}),
]


def effect(view: StaffView, appointment: Appointment) -> None:
    appointment.refresh_from_db()
    if view.name == "move":
        assert appointment.start == local_dt(2026, 3, 5, 14)
    elif view.name == "cancel":
        assert appointment.status == "cancelled" and appointment.notes.endswith("Unwell")
    elif view.name == "status":
        assert appointment.status == "confirmed"
    else:
        request = ChangeRequest.objects.get(appointment=appointment)
        assert request.state == "approved" and appointment.status == "cancelled"


def unchanged(appointment: Appointment) -> None:
    appointment.refresh_from_db()
    assert appointment.status == "booked" and appointment.start == local_dt(2026, 3, 4, 10)
    assert not ChangeRequest.objects.exclude(state="open").exists()


@pytest.mark.parametrize("view", STAFF_VIEWS, ids=lambda v: v.name)
def test_a_get_is_refused_and_changes_nothing(client, scheduler, frozen_now, okafor, dana, view):
    appointment = booked(dana, okafor)
    client.force_login(scheduler)
    assert client.get(view.url.format(pk=view.target(appointment))).status_code == 405
    unchanged(appointment)


@pytest.mark.parametrize("view", STAFF_VIEWS, ids=lambda v: v.name)
def test_a_patient_is_refused(client, frozen_now, okafor, view):
    patient = PatientFactory(with_login=True)
    appointment = booked(patient, okafor)
    client.force_login(patient.user)
    response = client.post(view.url.format(pk=view.target(appointment)), view.post(appointment))
    assert response.status_code == 403
    unchanged(appointment)


@pytest.mark.parametrize("view", STAFF_VIEWS, ids=lambda v: v.name)
def test_a_bad_id_is_a_404(client, scheduler, view):
    client.force_login(scheduler)
    assert client.post(view.url.format(pk=999999), view.data).status_code == 404


@pytest.mark.parametrize("view", STAFF_VIEWS, ids=lambda v: v.name)
def test_the_change_is_made(client, scheduler, frozen_now, okafor, dana, view):
    appointment = booked(dana, okafor)
    client.force_login(scheduler)
    response = client.post(view.url.format(pk=view.target(appointment)), view.post(appointment))
    assert response.status_code == 302
    effect(view, appointment)


def test_a_patients_change_request_checklist(client, frozen_now, okafor):
    mine, theirs = PatientFactory(with_login=True), PatientFactory(with_login=True)
    my_appointment, their_appointment = booked(mine, okafor), booked(theirs, okafor, day=5)
    client.force_login(mine.user)
    url = "/appointments/{pk}/request/"
    data = {"kind": "reschedule", "message": "Later in the day?"}
    assert client.get(url.format(pk=my_appointment.pk)).status_code == 405
    assert client.post(url.format(pk=999999), data).status_code == 404
    # Another patient's appointment does not exist for this patient.
    assert client.post(url.format(pk=their_appointment.pk), data).status_code == 404
    assert not ChangeRequest.objects.exists()
    assert client.post(url.format(pk=my_appointment.pk), data).status_code == 302
    request = ChangeRequest.objects.get()
    assert (request.appointment, request.kind, request.state) == (
        my_appointment,
        "reschedule",
        "open",
    )
    assert request.message == "Later in the day?"


def test_a_scheduler_cannot_ask_on_a_patients_behalf(client, scheduler, frozen_now, okafor, dana):
    appointment = booked(dana, okafor)
    client.force_login(scheduler)
    response = client.post(f"/appointments/{appointment.pk}/request/", {"kind": "cancel"})
    assert response.status_code == 403
    assert not ChangeRequest.objects.exists()
