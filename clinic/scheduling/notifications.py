"""Emails to the patient when an appointment is booked, moved or cancelled,
and when the clinic answers a change request.

A state change calls `notification_queue` inside its transaction: it records
one `PatientNotification` (its `key` names the event, so the same event is
never recorded twice) and, after commit, queues its delivery on the worker.
Delivery claims the row as reminders do, sends once, in the patient's
language, with an `.ics`: METHOD:REQUEST carrying each appointment's SEQUENCE
(its stored revision), or METHOD:CANCEL with the same UID for a cancellation.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Sequence
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
from clinic.scheduling.models import (
    Appointment,
    ChangeRequest,
    PatientNotification,
)
from clinic.scheduling.preparation import preparation_lines

logger = logging.getLogger(__name__)

Kind = PatientNotification.Kind
MAX_ATTEMPTS = 5
RETRY_MINUTES = [5, 15, 60, 240]

# Kinds whose calendar file cancels the events.
CANCELLING = {Kind.CANCELLED}


def _key(kind: str, appointments: Sequence[Appointment], extra: str = "") -> str:
    state = ",".join(f"{a.pk}.{a.revision}" for a in appointments)
    if len(state) > 80:
        state = hashlib.sha256(state.encode()).hexdigest()[:40]
    return f"{kind}:{state}{extra}"[:120]


def notification_queue(
    *,
    kind: str,
    appointments: Sequence[Appointment],
    change_request: ChangeRequest | None = None,
) -> PatientNotification | None:
    """Record the email about this event (once) and queue it after commit.
    Nothing is recorded for a patient without an email address, nor for
    appointments already over."""
    # Only appointments still to come: recording a past visit emails nobody.
    now = timezone.now()
    appointments = [a for a in appointments if a is not None and a.end > now]
    if not appointments:
        return None
    patient = appointments[0].patient
    if not patient.email:
        return None
    extra = f":request-{change_request.pk}" if change_request else ""
    notification, created = PatientNotification.objects.get_or_create(
        key=_key(kind, appointments, extra),
        defaults={"patient": patient, "kind": kind, "change_request": change_request},
    )
    if created:
        notification.appointments.set(appointments)
        transaction.on_commit(lambda: notification_send.enqueue(notification.pk))
    return notification


@task(queue_name="email")
def notification_send(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)


def _absolute(path: str) -> str:
    return settings.CLINIC_BASE_URL.rstrip("/") + path


def notification_message(notification: PatientNotification) -> EmailMessage:
    patient = notification.patient
    appointments = list(
        notification.appointments.select_related(
            "appointment_type", "room", "patient", "clinician"
        ).order_by("start")
    )
    method = "CANCEL" if notification.kind in CANCELLING else "REQUEST"
    if (
        notification.kind == Kind.REQUEST_APPROVED
        and notification.change_request
        and notification.change_request.kind == ChangeRequest.Kind.CANCEL
    ):
        method = "CANCEL"
    with translation.override(patient.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "notification": notification,
            "kind": notification.kind,
            "patient": patient,
            "items": [
                {
                    "appointment": a,
                    "start": timezone.localtime(a.start),
                    "end": timezone.localtime(a.end),
                    "preparation": preparation_lines(a.appointment_type.preparation),
                }
                for a in appointments
            ],
            "first": timezone.localtime(appointments[0].start) if appointments else None,
            "count": len(appointments),
            "request": notification.change_request,
            "cancelling": method == "CANCEL",
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
            "clinic_address": settings.CLINIC_ADDRESS,
            "appointments_url": _absolute(reverse("scheduling:appointments")),
        }
        subject = render_to_string("scheduling/email/notification_subject.txt", context)
        subject = " ".join(subject.split())
        body = render_to_string("scheduling/email/notification_body.txt", context)
        calendar = calendar_bytes(appointments, for_patient=True, method=method)
    message = EmailMessage(subject=subject, body=body, to=[patient.email])
    name = f"appointment-{appointments[0].pk}.ics" if len(appointments) == 1 else "appointments.ics"
    message.attach(name, calendar, f"text/calendar; method={method}; charset=utf-8")
    return message


def notification_deliver(*, notification_id: int) -> str:
    """Send one notification unless it was sent already; returns what happened."""
    with transaction.atomic():
        claimed = PatientNotification.objects.filter(
            pk=notification_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            return "already sent or gone"
        notification = (
            PatientNotification.objects.select_for_update(of=("self",))
            .select_related("patient", "change_request")
            .get(pk=notification_id)
        )
        try:
            message = notification_message(notification)
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            notification.last_error = f"{type(exc).__name__}: {exc}"[:300]
            notification.save(update_fields=["last_error"])
            logger.warning("Notification %s failed: %s", notification.pk, exc)
            if notification.attempts < MAX_ATTEMPTS:
                delay = RETRY_MINUTES[min(notification.attempts, len(RETRY_MINUTES)) - 1]
                retry_at = timezone.now() + timedelta(minutes=delay)
                transaction.on_commit(
                    lambda: notification_send.using(run_after=retry_at).enqueue(notification.pk)
                )
                return "failed, retry queued"
            return "failed, giving up"
        notification.sent_at = timezone.now()
        notification.subject = message.subject[:250]
        notification.last_error = ""
        notification.save(update_fields=["sent_at", "subject", "last_error"])
    return "sent"
