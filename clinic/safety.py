"""Crisis answers: tell the on-call clinicians at once.

A crisis answer (`is_crisis_answer`, defined by the vocabulary's
CRISIS_CSSRS_KEYS and PHQ9_SELF_HARM_ITEM) calls for same-day action. It is
not the flag severity "urgent": PHQ-9 item 9 alone is a crisis answer, while
the suicide_risk flag it raises is moderate.

`crisis_alert_raise(patient=..., source=..., link=..., key=...)` is called
the moment a crisis answer is saved (the intake's safety or PHQ-9 step, a
follow-up check-in). It records a `SafetyAlert` row in the same transaction
(one per key: once per intake) and, after the commit, queues a task on the
"email" queue; the worker emails every on-call clinician and the addresses in
settings.CLINIC_ONCALL_EMAILS. The email says only that a crisis
answer needs review, with a link: no clinical details, no name.

Never lost: the row is the record; the worker's sweep queues again any alert
not sent a minute after it was last queued, and a task claimed by a worker
that died is handed to another (clinic.operations.worker). At most once: the
row is locked while sending and `sent_at` is committed with it; the one
window left (a worker killed after the mail server accepted the email and
before the commit, milliseconds) resends the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from clinic.accounts.models import Patient, User
from clinic.accounts.roles import CLINICIAN
from clinic.operations.models import SafetyAlert
from screening.engine.vocabulary import CRISIS_CSSRS_KEYS, PHQ9_SELF_HARM_ITEM

logger = logging.getLogger(__name__)

SUBJECT = "Crisis answer, please review today"

# An unsent alert is queued again after this long (a lost task, a failed send).
SWEEP_AFTER = timedelta(minutes=1)


def is_crisis_answer(*, suicide_screen: Mapping[str, Any], phq9: Sequence[Any]) -> bool:
    """The one definition, for the intake and the follow-up check-ins alike:
    C-SSRS intent, plan, or behaviour in the past 3 months, or PHQ-9 item 9
    (thoughts of being better off dead or of self-harm) above 0."""
    if any(suicide_screen.get(key) is True for key in CRISIS_CSSRS_KEYS):
        return True
    item9 = phq9[PHQ9_SELF_HARM_ITEM] if len(phq9) == 9 else None
    return isinstance(item9, int) and item9 > 0


def document_has_crisis_answer(document: Mapping[str, Any]) -> bool:
    """A crisis answer in an intake document (whole or in part)."""
    return is_crisis_answer(
        suicide_screen=document.get("suicide_screen") or {},
        phq9=(document.get("depression") or {}).get("phq9") or [],
    )


def oncall_recipients() -> list[str]:
    """On-call clinicians (active, in the clinician group) and the clinic's
    configured on-call addresses, without duplicates."""
    emails = list(
        User.objects.filter(is_on_call=True, is_active=True, groups__name=CLINICIAN)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    seen = {e.lower() for e in emails}
    for address in settings.CLINIC_ONCALL_EMAILS:
        if address.lower() not in seen:
            seen.add(address.lower())
            emails.append(address)
    return emails


@task(queue_name="email")
def send_safety_alert(*, alert_id: int) -> str:
    """Deliver one recorded safety alert (idempotent); returns what happened."""
    return safety_alert_deliver(alert_id=alert_id)


def safety_alert_message(alert: SafetyAlert, recipients: list[str]) -> EmailMessage:
    body = f"{SUBJECT}.\n\n{alert.link}\n\nSource: {alert.source}. Log in to see the details.\n"
    return EmailMessage(
        subject=SUBJECT,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": alert.message_id},
    )


def safety_alert_deliver(*, alert_id: int) -> str:
    """Send the alert unless it was sent already.

    The row is locked for the whole send, so two deliveries of one alert
    (a requeued task beside a slow one) never both send: the second waits,
    then finds `sent_at` set. The attempt is committed before the email goes
    out, so an alert whose worker died mid-send is visible as attempted; its
    retry carries the same Message-ID. A mail-server failure is recorded and
    the worker's sweep queues the alert again a minute later, for ever: an
    urgent alert is never given up.
    """
    now = timezone.now()
    if not SafetyAlert.objects.filter(pk=alert_id, sent_at__isnull=True).update(
        attempts=F("attempts") + 1, last_attempt_at=now
    ):
        return "already sent or gone"
    with transaction.atomic():
        alert = SafetyAlert.objects.select_for_update().get(pk=alert_id)
        if alert.sent_at is not None:
            return "already sent"
        recipients = oncall_recipients()
        if not recipients:
            alert.last_error = "No on-call clinician or on-call address is configured."
            alert.save(update_fields=["last_error"])
            logger.error("Safety alert %s has no recipients", alert.pk)
            return "no recipients"
        try:
            safety_alert_message(alert, recipients).send()
        except (smtplib.SMTPException, OSError) as exc:
            alert.last_error = f"{type(exc).__name__}: {exc}"[:300]
            alert.save(update_fields=["last_error"])
            logger.error("Safety alert %s failed (attempt %s): %s", alert.pk, alert.attempts, exc)
            return "failed, the sweep retries"
        alert.sent_at = timezone.now()
        alert.recipients = ", ".join(recipients)
        alert.last_error = ""
        alert.save(update_fields=["sent_at", "recipients", "last_error"])
    return "sent"


def _message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "clinic.invalid"
    return f"<safety-alert.{uuid.uuid4().hex}@{domain}>"


def crisis_alert_raise(
    *, patient: Patient, source: str, link: str, key: str | None = None
) -> SafetyAlert | None:
    """Record the alert in the current transaction (so it commits with the
    answer that raised it) and queue its delivery once that commits. With a
    `key` (e.g. ``intake-12``) there is at most one alert per key: a second
    call returns None. An alert whose queued task is lost (the process died
    between commit and queueing) is queued again by the worker's sweep."""
    with transaction.atomic():
        alert, created = SafetyAlert.objects.get_or_create(
            key=key or SafetyAlert.new_key(),
            defaults={
                "patient": patient,
                "source": source,
                "link": link[:500],
                "message_id": _message_id(),
                "enqueued_at": timezone.now(),
            },
        )
    if not created:
        return None
    alert_id = alert.pk
    transaction.on_commit(lambda: send_safety_alert.enqueue(alert_id=alert_id))
    return alert


def crisis_alerts_raise(alerts: Sequence[tuple[Patient, str, str, str]]) -> list[SafetyAlert]:
    """`crisis_alert_raise` for many at once (a bulk import): `alerts` are
    (patient, source, link, key) with keys not yet used. The rows are
    inserted in one query, in the current transaction; once it commits their
    deliveries are queued together (one commit; should that fail, the
    worker's sweep queues them a minute later, as for any lost task). A key
    already used makes the insert fail (IntegrityError), and with it the
    caller's transaction."""
    if not alerts:
        return []
    now = timezone.now()
    rows = SafetyAlert.objects.bulk_create(
        [
            SafetyAlert(
                key=key,
                patient=patient,
                source=source,
                link=link[:500],
                message_id=_message_id(),
                enqueued_at=now,
            )
            for patient, source, link, key in alerts
        ]
    )
    alert_ids = [row.pk for row in rows]

    def enqueue() -> None:
        with transaction.atomic():
            for alert_id in alert_ids:
                send_safety_alert.enqueue(alert_id=alert_id)

    transaction.on_commit(enqueue)
    return rows


def safety_alerts_requeue_undelivered(*, older_than: timedelta = SWEEP_AFTER) -> int:
    """Queue again every unsent alert last queued more than `older_than` ago:
    lost tasks, failed sends and crashed workers all end here. Delivery is
    idempotent, so an extra task costs one query."""
    now = timezone.now()
    pending = list(
        SafetyAlert.objects.filter(
            sent_at__isnull=True, enqueued_at__lt=now - older_than
        ).values_list("pk", flat=True)
    )
    for alert_id in pending:
        SafetyAlert.objects.filter(pk=alert_id).update(enqueued_at=now)
        send_safety_alert.enqueue(alert_id=alert_id)
    return len(pending)
