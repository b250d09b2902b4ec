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

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

from clinic.accounts.models import Patient, User
from clinic.accounts.roles import CLINICIAN

SUBJECT = "Urgent safety answer, please review"

# C-SSRS screener answers that call for same-day action.
URGENT_CSSRS_KEYS = ("intent", "plan", "behavior_past_3_months")


def is_urgent_safety_answer(*, suicide_screen: Mapping[str, Any], phq9: Sequence[Any]) -> bool:
    """The one definition, for the intake and the follow-up check-ins alike:
    C-SSRS intent, plan, or behaviour in the past 3 months, or PHQ-9 item 9
    (thoughts of being better off dead or of self-harm) above 0."""
    if any(suicide_screen.get(key) is True for key in URGENT_CSSRS_KEYS):
        return True
    return len(phq9) == 9 and isinstance(phq9[8], int) and phq9[8] > 0


def document_has_urgent_answer(document: Mapping[str, Any]) -> bool:
    """An urgent safety answer in an intake document (whole or in part)."""
    return is_urgent_safety_answer(
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
