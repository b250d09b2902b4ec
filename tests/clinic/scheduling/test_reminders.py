"""Reminders, sent by the real worker (`task_worker --batch`): once each, none
for cancelled appointments, re-planned for moved ones, retried after a
mail-server failure."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from icalendar import Calendar

from clinic.scheduling.models import Reminder
from clinic.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from clinic.scheduling.tasks import reminder_resend, reminder_send
from tests.factories.scheduling import appointment_type, local_dt
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def reminder_mails():
    """The reminders in the outbox (booking, moving and cancelling also email
    the patient: tests/clinic/scheduling/test_notifications.py)."""
    return [m for m in mail.outbox if m.subject.startswith("Reminder")]


class RefusingSMTPBackend(BaseEmailBackend):
    """A mail transport whose server refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def consult(frozen_now, okafor, dana):
    return appointment_book(
        patient=dana,
        appointment_type=appointment_type("consult"),
        start=local_dt(2026, 3, 4, 10),
        clinician=okafor,
        booked_by=None,
    )


def test_each_reminder_goes_out_once_at_its_time_with_an_ics(frozen_now, consult):
    run_worker()
    assert reminder_mails() == []  # nothing due yet
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 1))
    run_worker()
    run_worker()  # a second worker run (or a restarted worker) sends nothing again
    assert len(reminder_mails()) == 1
    message = reminder_mails()[0]
    assert message.to == ["dana@example.org"]
    assert message.subject == "Reminder: Consult on Wednesday 4 March at 10:00"
    assert "Wednesday 4 March 2026 at 10:00" in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == (f"appointment-{consult.pk}.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == local_dt(2026, 3, 4, 10)
    assert str(event["summary"]).startswith("Consult at ")

    frozen_now.move_to(local_dt(2026, 3, 4, 8, 1))
    run_worker()
    run_worker()
    assert len(reminder_mails()) == 2
    sent = Reminder.objects.filter(appointment=consult).order_by("due_at")
    assert [r.sent_at is not None for r in sent] == [True, True]
    assert [r.attempts for r in sent] == [1, 1]


def test_a_task_queued_twice_still_sends_once(frozen_now, consult):
    reminder = consult.reminders.order_by("due_at").first()
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 1))
    reminder_send.enqueue(reminder.pk)
    reminder_send.enqueue(reminder.pk)
    run_worker()
    assert len(reminder_mails()) == 1


def test_no_reminder_for_a_cancelled_appointment(frozen_now, consult):
    appointment_cancel(appointment=consult, cancelled_by=None)
    frozen_now.move_to(local_dt(2026, 3, 4, 9))
    run_worker()
    assert reminder_mails() == []
    assert not Reminder.objects.filter(sent_at__isnull=False).exists()


def test_a_moved_appointment_is_reminded_at_its_new_time_only(frozen_now, consult):
    appointment_move(appointment=consult, start=local_dt(2026, 3, 5, 14), moved_by=None)
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 1))
    run_worker()
    assert reminder_mails() == []  # the old 24-hour reminder was superseded
    frozen_now.move_to(local_dt(2026, 3, 4, 14, 1))
    run_worker()
    assert [m.subject for m in reminder_mails()] == [
        "Reminder: Consult on Thursday 5 March at 14:00"
    ]
    frozen_now.move_to(local_dt(2026, 3, 5, 12, 1))
    run_worker()
    run_worker()
    assert len(reminder_mails()) == 2


def test_a_mail_server_failure_is_recorded_and_retried(frozen_now, consult, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingSMTPBackend"
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 1))
    run_worker()
    reminder = consult.reminders.order_by("due_at").first()
    reminder.refresh_from_db()
    assert reminder.sent_at is None
    assert reminder.attempts == 1
    assert reminder.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    # The server comes back; the retry is due 5 minutes later.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_worker()
    assert reminder_mails() == []
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 7))
    run_worker()
    run_worker()
    assert len(reminder_mails()) == 1
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.last_error) == (2, "")
    assert reminder.sent_at is not None


def test_a_manual_resend_goes_out_now_and_is_recorded(frozen_now, consult):
    reminder_resend(appointment=consult)
    run_worker()
    assert len(reminder_mails()) == 1
    manual = consult.reminders.get(offset_minutes__isnull=True)
    assert manual.sent_at is not None


def test_a_follow_up_reminder_carries_the_check_in_link(frozen_now, okafor, dana):
    follow_up = appointment_book(
        patient=dana,
        appointment_type=appointment_type("follow-up"),
        start=local_dt(2026, 3, 4, 10),
        clinician=okafor,
        booked_by=None,
    )
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 1))
    run_worker()
    checkin = follow_up.checkin
    assert f"/check-in/{checkin.token}/" in reminder_mails()[0].body


def test_requeueing_due_reminders_sends_each_once(frozen_now, consult):
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 1))
    run_worker()
    call_command("requeue_reminders", verbosity=0)  # the sent one is not queued again
    frozen_now.move_to(local_dt(2026, 3, 4, 8, 1))
    call_command("requeue_reminders", verbosity=0)  # the 2-hour one, queued twice now
    run_worker()
    assert len(reminder_mails()) == 2
