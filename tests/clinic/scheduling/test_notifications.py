"""The patient's emails about their appointments, sent by the real worker:
booked, moved, cancelled, a request approved or declined. Each once, in the
patient's language, with an .ics whose SEQUENCE only grows (METHOD:REQUEST)
or that cancels the same UID (METHOD:CANCEL)."""

from __future__ import annotations

import pytest
from django.core import mail
from icalendar import Calendar

from clinic.scheduling.models import ChangeRequest, PatientNotification
from clinic.scheduling.notifications import notification_send
from clinic.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from clinic.scheduling.services.change_requests import (
    change_request_create,
    change_request_decide,
)
from clinic.scheduling.services.courses import course_book, course_edit
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import appointment_type, local_dt
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def notices():
    """The outbox without reminders."""
    return [m for m in mail.outbox if not m.subject.startswith("Reminder")]


def calendar_of(message):
    name, content, mimetype = message.attachments[0]
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def event_of(message):
    return calendar_of(message).walk("VEVENT")[0]


def book(patient, start, clinician, kind="consult", room=None):
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type(kind),
        start=start,
        clinician=clinician,
        room=room,
        booked_by=None,
    )


def test_booked_moved_cancelled_each_emailed_once_with_a_growing_sequence(frozen_now, okafor, dana):
    consult = book(dana, local_dt(2026, 3, 4, 10), okafor)
    assert mail.outbox == []  # the worker sends it, not the booking
    run_worker()
    run_worker()
    [booked] = notices()
    assert booked.to == ["dana@example.org"]
    assert booked.subject == "Booked: Consult on Wednesday 4 March at 10:00"
    assert "Wednesday 4 March 2026, 10:00-11:00: Consult" in booked.body
    assert calendar_of(booked)["method"] == "REQUEST"
    first = event_of(booked)
    uid = str(first["uid"])
    assert int(first["sequence"]) == 0
    assert first.decoded("dtstart") == local_dt(2026, 3, 4, 10)
    assert "mailto:dana@example.org" in str(first["attendee"])

    # Moved later, then earlier: the sequence grows each time (it is not the start time).
    appointment_move(appointment=consult, start=local_dt(2026, 3, 5, 14), moved_by=None)
    run_worker()
    appointment_move(appointment=consult, start=local_dt(2026, 3, 3, 9), moved_by=None)
    run_worker()
    moved = notices()[1:]
    assert [m.subject for m in moved] == [
        "Moved: Consult now on Thursday 5 March at 14:00",
        "Moved: Consult now on Tuesday 3 March at 09:00",
    ]
    assert [int(event_of(m)["sequence"]) for m in moved] == [1, 2]
    assert {str(event_of(m)["uid"]) for m in moved} == {uid}

    appointment_cancel(appointment=consult, cancelled_by=None, reason="Patient unwell")
    run_worker()
    cancelled = notices()[-1]
    assert cancelled.subject == "Cancelled: Consult on Tuesday 3 March at 09:00"
    assert calendar_of(cancelled)["method"] == "CANCEL"
    event = event_of(cancelled)
    assert (str(event["uid"]), int(event["sequence"]), str(event["status"])) == (
        uid,
        3,
        "CANCELLED",
    )
    assert len(notices()) == 4
    consult.refresh_from_db()
    assert consult.revision == 3
    sent = PatientNotification.objects.filter(patient=dana).order_by("created_at")
    assert [n.kind for n in sent] == ["booked", "moved", "moved", "cancelled"]
    assert all(n.sent_at is not None and n.attempts == 1 for n in sent)
    assert sent[0].subject == booked.subject


def test_a_delivery_queued_twice_sends_once(frozen_now, okafor, dana):
    book(dana, local_dt(2026, 3, 4, 10), okafor)
    notification = PatientNotification.objects.get()
    notification_send.enqueue(notification.pk)
    run_worker()
    assert len(notices()) == 1


def test_the_email_is_in_the_patients_language(frozen_now, okafor):
    patient = PatientFactory(email="lucia@example.org", preferred_language="es")
    book(patient, local_dt(2026, 3, 4, 10), okafor)
    run_worker()
    [message] = notices()
    # Django's own Spanish names the day and month whatever the clinic's catalogue holds.
    assert "Miércoles 4 marzo" in message.subject
    assert "Miércoles 4 marzo 2026" in message.body


def test_a_course_is_one_email_with_every_session(frozen_now, okafor, dana, tms_room):
    kind = appointment_type("tms-session")
    course = course_book(
        plan=None,
        patient=dana,
        clinician=okafor,
        room=tms_room,
        slots=[(kind, local_dt(2026, 3, d, 9)) for d in (3, 4, 5)],
        booked_by=None,
        name="TMS course",
    )
    run_worker()
    [message] = notices()
    assert message.subject == "Booked: 3 appointments from Tuesday 3 March"
    assert "Remove metal items" in message.body  # the type's preparation
    events = calendar_of(message).walk("VEVENT")
    assert len(events) == 3
    assert all("TMS room" in str(e["location"]) for e in events)

    # "This and the following" moved: one email for the moved sessions.
    second = course.appointments.order_by("start")[1]
    course_edit(
        appointment=second, scope="following", start=local_dt(2026, 3, 4, 11), edited_by=None
    )
    run_worker()
    moved = notices()[-1]
    assert moved.subject == "Moved: 2 appointments from Wednesday 4 March"
    assert [int(e["sequence"]) for e in calendar_of(moved).walk("VEVENT")] == [1, 1]


def test_an_approved_cancel_request_is_one_email_that_cancels(frozen_now, okafor, dana):
    consult = book(dana, local_dt(2026, 3, 4, 10), okafor)
    run_worker()
    request = change_request_create(appointment=consult, kind="cancel")
    change_request_decide(change_request=request, approve=True, decided_by=None)
    run_worker()
    answer = notices()[1:]
    assert [m.subject for m in answer] == [
        "Your request about your Consult on Wednesday 4 March was approved"
    ]
    assert calendar_of(answer[0])["method"] == "CANCEL"
    assert "This appointment is cancelled" in answer[0].body


def test_a_declined_request_is_emailed_and_the_appointment_stands(frozen_now, okafor, dana):
    consult = book(dana, local_dt(2026, 3, 4, 10), okafor)
    request = change_request_create(appointment=consult, kind=ChangeRequest.Kind.RESCHEDULE)
    change_request_decide(change_request=request, approve=False, decided_by=None)
    run_worker()
    declined = notices()[-1]
    assert declined.subject == "Your request about your Consult on Wednesday 4 March was declined"
    assert calendar_of(declined)["method"] == "REQUEST"
    assert "stays as booked" in declined.body


def test_no_email_address_no_notification(frozen_now, okafor):
    patient = PatientFactory(email="")
    book(patient, local_dt(2026, 3, 4, 10), okafor)
    run_worker()
    assert notices() == []
    assert not PatientNotification.objects.exists()


def test_the_patient_sees_what_was_sent(client, frozen_now, okafor):
    patient = PatientFactory(with_login=True, email="sam@example.org")
    book(patient, local_dt(2026, 3, 4, 10), okafor)
    run_worker()
    client.force_login(patient.user)
    page = client.get("/appointments/").content.decode()
    assert "Booked: Consult on Wednesday 4 March at 10:00" in page


def test_staff_see_the_emails_of_an_appointment(client, scheduler, frozen_now, okafor, dana):
    consult = book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    page = client.get(consult.get_absolute_url()).content.decode()
    assert "Appointment booked: queued" in page
    run_worker()
    page = client.get(consult.get_absolute_url()).content.decode()
    assert "Booked: Consult on Wednesday 4 March at 10:00" in page
