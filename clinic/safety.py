"""Urgent safety answers: tell the on-call clinicians at once.

`safety_answer_raise(patient=..., source=..., link=...)` is called the
moment a high-risk answer is saved (the intake's safety or PHQ-9 step, a
follow-up check-in). After the transaction commits it queues a task on the
"email" queue; the worker emails every on-call clinician and the addresses in
settings.CLINIC_ONCALL_EMAILS. The email says only that an urgent safety
answer needs review, with a link: no clinical details, no name.
Callers decide how often to alert (the intake does it once per intake).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

from clinic.accounts.models import Patient, User
from clinic.accounts.roles import CLINICIAN

SUBJECT = "Urgent safety answer, please review"


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
def send_safety_alert(*, patient_id: int, source: str, link: str) -> int:
    """Email the on-call clinicians; returns how many were emailed."""
    recipients = oncall_recipients()
    if not recipients:
        return 0
    body = (
        "Urgent safety answer, please review.\n\n"
        f"{link}\n\n"
        f"Source: {source}. Log in to see the details.\n"
    )
    send_mail(SUBJECT, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


def safety_answer_raise(*, patient: Patient, source: str, link: str) -> None:
    """Queue the on-call email once the current transaction commits."""
    patient_id = patient.pk
    transaction.on_commit(
        lambda: send_safety_alert.enqueue(patient_id=patient_id, source=source, link=link)
    )
