"""Background work: reminder emails, sent by the `task_worker` process.

Each `Reminder` row is queued as a task to run at its due time. Delivery
takes a row lock on the reminder and sets `sent_at` in the same transaction
in which the email goes out, so a reminder is sent once however many times
its task runs (two workers, a restarted worker, a manual re-queue). A
reminder of a cancelled appointment, or one superseded by a move, is skipped.
A mail-server failure is recorded on the row and retried with back-off.

The one window in which a reminder can go out twice: the worker dies (SIGKILL,
power) after the mail server accepted the email and before the transaction
that records `sent_at` commits, a few milliseconds. The task is then handed to
another worker within the lease (clinic.operations.worker) and sent again,
with the same Message-ID (`<reminder.<id>@<domain>>`), which mail systems that
de-duplicate use to show one email. Never more than twice per crash in that
window; never lost.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from clinic.scheduling.ics import calendar_bytes
from clinic.scheduling.models import CheckIn, Reminder

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Minutes to wait before retry n (1-based) after a mail-server failure.
RETRY_MINUTES = [5, 15, 60, 240]


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


@task(queue_name="email")
def reminder_send(reminder_id: int) -> str:
    return reminder_deliver(reminder_id=reminder_id)


def reminder_enqueue(*, reminder: Reminder, run_after=None) -> None:
    """Queue the reminder's delivery for its due time (or `run_after`)."""
    when = run_after or reminder.due_at
    if when <= timezone.now():
        reminder_send.enqueue(reminder.pk)
    else:
        reminder_send.using(run_after=when).enqueue(reminder.pk)


def _absolute(path: str) -> str:
    return settings.CLINIC_BASE_URL.rstrip("/") + path


def reminder_message_id(reminder: Reminder) -> str:
    """The same for every delivery attempt of one reminder."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "clinic.invalid"
    return f"<reminder.{reminder.pk}@{domain}>"


def reminder_message(reminder: Reminder) -> EmailMessage:
    appointment = reminder.appointment
    patient = appointment.patient
    checkin_url = ""
    if appointment.appointment_type.sends_checkin:
        checkin, _ = CheckIn.objects.get_or_create(appointment=appointment, patient=patient)
        if checkin.completed_at is None:
            checkin_url = _absolute(reverse("scheduling:checkin", args=[checkin.token]))
    with translation.override(patient.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "appointment": appointment,
            "patient": patient,
            "start": timezone.localtime(appointment.start),
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
            "appointments_url": _absolute(reverse("scheduling:appointments")),
            "checkin_url": checkin_url,
        }
        subject = render_to_string("scheduling/email/reminder_subject.txt", context).strip()
        body = render_to_string("scheduling/email/reminder_body.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[patient.email],
        headers={"Message-ID": reminder_message_id(reminder)},
    )
    message.attach(
        f"appointment-{appointment.pk}.ics",
        calendar_bytes([appointment], for_patient=True),
        "text/calendar",
    )
    return message


def reminder_deliver(*, reminder_id: int) -> str:
    """Send one reminder if it is still due; returns what happened.

    The first statement is a conditional UPDATE that claims the row: it takes
    the row lock on PostgreSQL and the write lock on SQLite, so a second
    delivery of the same reminder waits, then finds `sent_at` set.
    """
    with transaction.atomic():
        claimed = Reminder.objects.filter(
            pk=reminder_id, sent_at__isnull=True, superseded_at__isnull=True
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            return "already sent, superseded or gone"
        reminder = (
            Reminder.objects.select_for_update()
            .select_related("appointment__patient", "appointment__appointment_type")
            .get(pk=reminder_id)
        )
        appointment = reminder.appointment
        if not appointment.is_live or appointment.start <= timezone.now():
            transaction.set_rollback(True)
            return "appointment not live or already started"
        if not appointment.patient.email:
            reminder.last_error = "The patient has no email address."
            reminder.save(update_fields=["last_error"])
            return "no email"
        try:
            reminder_message(reminder).send()
        except (smtplib.SMTPException, OSError) as exc:
            reminder.last_error = f"{type(exc).__name__}: {exc}"[:300]
            reminder.save(update_fields=["last_error"])
            logger.warning(
                "Reminder %s failed (attempt %s): %s", reminder.pk, reminder.attempts, exc
            )
            if reminder.attempts < MAX_ATTEMPTS:
                retry_at = timezone.now() + retry_delay(reminder.attempts)
                transaction.on_commit(
                    lambda: reminder_enqueue(reminder=reminder, run_after=retry_at)
                )
                return "failed, retry queued"
            return "failed, giving up"
        reminder.sent_at = timezone.now()
        reminder.last_error = ""
        reminder.save(update_fields=["sent_at", "last_error"])
    return "sent"


@transaction.atomic
def reminder_resend(*, appointment, requested_by=None) -> Reminder:
    """A manual reminder, sent now by the worker (the admin's action)."""
    reminder = Reminder.objects.create(
        appointment=appointment, offset_minutes=None, due_at=timezone.now()
    )
    transaction.on_commit(lambda: reminder_enqueue(reminder=reminder))
    return reminder


def reminders_requeue_due() -> int:
    """Queue every live, unsent reminder that is due: a safety net for rows
    whose task was lost (e.g. added by hand). Delivery is idempotent."""
    count = 0
    pending = Reminder.objects.filter(
        sent_at__isnull=True,
        superseded_at__isnull=True,
        due_at__lte=timezone.now(),
        attempts__lt=MAX_ATTEMPTS,
    )
    for reminder in pending:
        reminder_enqueue(reminder=reminder, run_after=timezone.now())
        count += 1
    return count
