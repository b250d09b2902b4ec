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


# -- booking: the form's GET changes nothing -------------------------------------------------

BOOKING = {"appointment_type": "consult", "date": "2026-03-04", "time": "10:00", "notes": "x"}


def test_the_booking_forms_get_changes_nothing(client, scheduler, frozen_now, okafor, dana):
    client.force_login(scheduler)
    response = client.get(f"/schedule/book/?patient={dana.pk}&type=consult")
    assert response.status_code == 200
    assert not Appointment.objects.exists()


def test_a_patient_cannot_book(client, frozen_now, okafor):
    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    data = {**BOOKING, "patient": patient.pk, "clinician": okafor.pk}
    assert client.post("/schedule/book/", data).status_code == 403
    assert not Appointment.objects.exists()


def test_booking_a_patient_that_does_not_exist_books_nothing(client, scheduler, frozen_now, okafor):
    client.force_login(scheduler)
    assert client.get("/schedule/book/?patient=999999").status_code == 404
    response = client.post(
        "/schedule/book/", {**BOOKING, "patient": 999999, "clinician": okafor.pk}
    )
    assert response.status_code == 200 and response.context["form"].errors["patient"]
    assert not Appointment.objects.exists()


def test_a_booking_is_made(client, scheduler, frozen_now, okafor, dana):
    client.force_login(scheduler)
    data = {**BOOKING, "patient": dana.pk, "clinician": okafor.pk}
    assert client.post("/schedule/book/", data).status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.clinician, appointment.booked_by) == (
        dana,
        okafor,
        scheduler,
    )
    assert appointment.start == local_dt(2026, 3, 4, 10) and appointment.status == "booked"


# -- a course booking: the proposal is a GET that books nothing ------------------------------


def test_a_course_proposal_books_nothing_and_a_patient_is_refused(client, scheduler, dana):
    client.force_login(scheduler)
    assert client.get(f"/schedule/course/?patient={dana.pk}").status_code == 200
    assert not Appointment.objects.exists()
    client.force_login(PatientFactory(with_login=True).user)
    assert client.post("/schedule/course/", {"patient": dana.pk, "book": "1"}).status_code == 403
    assert not Appointment.objects.exists()


# -- a clinician's calendar feed --------------------------------------------------------------


def test_the_clinicians_feed_checklist(client, okafor, scheduler, patient_user):
    from clinic.scheduling.models import CalendarFeed

    client.force_login(okafor)
    assert client.get("/schedule/feed/").status_code == 200
    assert not CalendarFeed.objects.exists()  # the page's GET creates nothing
    for refused in (scheduler, patient_user):  # the feed holds clinical appointment types
        client.force_login(refused)
        assert client.post("/schedule/feed/", {"action": "create"}).status_code == 403
    assert not CalendarFeed.objects.exists()
    client.force_login(okafor)
    assert client.post("/schedule/feed/", {"action": "create"}).status_code == 302
    feed = CalendarFeed.objects.get()
    assert feed.clinician == okafor and feed.revoked_at is None
    assert client.post("/schedule/feed/", {"action": "revoke"}).status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None


# -- a patient's calendar link ----------------------------------------------------------------


def test_the_patients_calendar_link_checklist(client, scheduler):
    from clinic.scheduling.models import PatientCalendarFeed

    mine, theirs = PatientFactory(with_login=True), PatientFactory(with_login=True)
    their_feed = PatientCalendarFeed.objects.create(patient=theirs)
    client.force_login(mine.user)
    assert client.get("/appointments/calendar/").status_code == 405
    client.force_login(scheduler)
    assert client.post("/appointments/calendar/", {}).status_code == 403
    assert list(PatientCalendarFeed.objects.values_list("patient", "revoked_at")) == [
        (theirs.pk, None)
    ]
    client.force_login(mine.user)
    assert client.post("/appointments/calendar/", {}).status_code == 302
    feed = PatientCalendarFeed.objects.get(patient=mine)
    assert feed.revoked_at is None
    assert client.post("/appointments/calendar/", {"action": "revoke"}).status_code == 302
    feed.refresh_from_db()
    their_feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert their_feed.revoked_at is None  # another patient's link is never touched


# -- a follow-up's check-in -------------------------------------------------------------------


def checkin_answers() -> dict[str, str]:
    from screening.intake.instruments import CSSRS_QUESTIONS

    safety = {f"cssrs_{key}": "no" for key in CSSRS_QUESTIONS}
    return {**safety, **{f"phq9_{n}": "1" for n in range(1, 10)}, "phq9_9": "0"}


def test_a_follow_up_check_in_checklist(client, clinician, scheduler):
    from clinic.scheduling.models import CheckIn
    from tests.factories.scheduling import CheckInFactory

    item = CheckInFactory(patient=PatientFactory(with_login=True))
    item.appointment.patient = item.patient
    item.appointment.save()
    url = f"/check-in/{item.token}/"

    def unanswered():
        item.refresh_from_db()
        return item.completed_at is None and item.phq9_answers in ([], None)

    client.force_login(item.patient.user)
    assert client.get(url).status_code == 200 and unanswered()  # the form only
    for staff in (clinician, scheduler):
        client.force_login(staff)
        assert client.post(url, checkin_answers()).status_code == 403
    client.force_login(PatientFactory(with_login=True).user)
    assert client.post(url, checkin_answers()).status_code == 404  # another patient's
    assert client.post("/check-in/no-such-token/", checkin_answers()).status_code == 404
    assert unanswered() and CheckIn.objects.filter(completed_at__isnull=False).count() == 0
    client.force_login(item.patient.user)
    assert client.post(url, checkin_answers()).status_code == 200
    item.refresh_from_db()
    assert item.completed_at is not None and item.phq9_answers == [1] * 8 + [0]
