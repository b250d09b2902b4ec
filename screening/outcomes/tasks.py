"""Background work: the check-in emails of due measurements, sent by the
`db_worker` process.

Each `MeasurementNotice` (the check-in when it is due, then a reminder on
each of the next 2 days) is queued to run at its due time. Delivery claims
the row with a conditional UPDATE and sets `sent_at` in the same transaction
in which the email goes out, so a notice is sent once however many times its
task runs; a notice of an answered check-in is skipped. A mail-server failure
is recorded and retried with the reminders' back-off.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from clinic.scheduling.tasks import MAX_ATTEMPTS, retry_delay
from screening.outcomes.models import MeasurementNotice

logger = logging.getLogger(__name__)


@task(queue_name="email")
def notice_send(notice_id: int) -> str:
    return notice_deliver(notice_id=notice_id)


def notice_enqueue(*, notice: MeasurementNotice, run_after=None) -> None:
    when = run_after or notice.due_at
    if when <= timezone.now():
        notice_send.enqueue(notice.pk)
    else:
        notice_send.using(run_after=when).enqueue(notice.pk)


def _absolute(path: str) -> str:
    return settings.CLINIC_BASE_URL.rstrip("/") + path


def notice_message(notice: MeasurementNotice, checkin) -> EmailMessage:
    patient = notice.measurement.patient
    with translation.override(patient.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "patient": patient,
            "reminder": notice.number > 0,
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
            "checkin_url": _absolute(reverse("outcomes:checkin", args=[checkin.token])),
        }
        subject = render_to_string("outcomes/email/notice_subject.txt", context).strip()
        body = render_to_string("outcomes/email/notice_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[patient.email])


def notice_deliver(*, notice_id: int) -> str:
    """Send one notice if it is still due; returns what happened."""
    from screening.outcomes.services import measurement_checkin

    with transaction.atomic():
        claimed = MeasurementNotice.objects.filter(
            pk=notice_id, sent_at__isnull=True, skipped_at__isnull=True
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            return "already sent, skipped or gone"
        notice = (
            MeasurementNotice.objects.select_for_update(of=("self",))
            .select_related("measurement__patient", "measurement__checkin")
            .get(pk=notice_id)
        )
        measurement = notice.measurement
        if measurement.score is not None:
            notice.skipped_at = timezone.now()
            notice.save(update_fields=["skipped_at"])
            return "answered"
        if not measurement.patient.email:
            notice.last_error = "The patient has no email address."
            notice.save(update_fields=["last_error"])
            return "no email"
        checkin = measurement_checkin(measurement=measurement)
        try:
            notice_message(notice, checkin).send()
        except (smtplib.SMTPException, OSError) as exc:
            notice.last_error = f"{type(exc).__name__}: {exc}"[:300]
            notice.save(update_fields=["last_error"])
            logger.warning("Notice %s failed (attempt %s): %s", notice.pk, notice.attempts, exc)
            if notice.attempts < MAX_ATTEMPTS:
                retry_at = timezone.now() + retry_delay(notice.attempts)
                transaction.on_commit(lambda: notice_enqueue(notice=notice, run_after=retry_at))
                return "failed, retry queued"
            return "failed, giving up"
        notice.sent_at = timezone.now()
        notice.last_error = ""
        notice.save(update_fields=["sent_at", "last_error"])
    return "sent"
