"""Follow-up PHQ-9 check-ins: store the answers; a crisis answer alerts
the on-call clinicians as the intake does."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from clinic.safety import crisis_alert_raise, is_crisis_answer
from clinic.scheduling.models import CheckIn
from clinic.scheduling.services.rules import BookingError


@transaction.atomic
def checkin_submit(
    *, checkin: CheckIn, phq9_answers: list[int], safety_answers: dict[str, bool], link: str
) -> CheckIn:
    """Store the answers. A crisis answer (C-SSRS intent, plan or
    recent behaviour, or PHQ-9 item 9 above 0) raises the same alert as the
    intake."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if checkin.completed_at is not None:
        raise BookingError(gettext("This check-in was already answered. Thank you."))
    if len(phq9_answers) != 9 or any(a not in (0, 1, 2, 3) for a in phq9_answers):
        raise BookingError("Answer all nine PHQ-9 questions.")
    checkin.phq9_answers = phq9_answers
    checkin.phq9_total = sum(phq9_answers)
    checkin.safety_answers = safety_answers
    checkin.high_risk = is_crisis_answer(suicide_screen=safety_answers, phq9=phq9_answers)
    checkin.completed_at = timezone.now()
    checkin.save()
    if checkin.high_risk:
        crisis_alert_raise(
            patient=checkin.patient, source="check-in", link=link, key=f"checkin-{checkin.pk}"
        )
    return checkin


def checkin_crisis_answer_seen(*, checkin: CheckIn, link: str) -> bool:
    """A crisis answer reached the server before the check-in was complete
    (some questions still blank): alert now, once per check-in (the same key
    as when it is submitted). True when the alert was raised by this call."""
    with transaction.atomic():
        return (
            crisis_alert_raise(
                patient=checkin.patient, source="check-in", link=link, key=f"checkin-{checkin.pk}"
            )
            is not None
        )


def checkin_needs_crisis_resources(checkin: CheckIn) -> bool:
    """Any positive safety answer, or PHQ-9 item 9 above 0, shows the crisis
    resources to the patient at once."""
    item9 = checkin.phq9_answers[8] if len(checkin.phq9_answers) == 9 else 0
    return checkin.high_risk or item9 > 0 or any(checkin.safety_answers.values())
