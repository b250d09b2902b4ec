"""Template helpers of the review pages, and the patient's own view of
their review (the decision in plain words, never the flags)."""

from __future__ import annotations

from django import template

from screening.labels import step_titles
from screening.models import Intake
from screening.review.casepage import words as _words
from screening.review.models import CaseDecision

register = template.Library()


@register.filter
def words(value) -> str:
    """`moderately_severe` -> `moderately severe`."""
    return _words(value)


@register.inclusion_tag("review/partials/patient_decision.html")
def patient_review_status(patient) -> dict:
    """Where the patient's latest submitted intake stands, in plain words."""
    if patient is None:
        return {"intake": None}
    intake = (
        Intake.objects.filter(patient=patient, status=Intake.Status.SUBMITTED)
        .order_by("-version")
        .first()
    )
    decision = None
    if intake is not None:
        decision = CaseDecision.objects.filter(intake=intake).order_by("-at", "-pk").first()
    return {
        "intake": intake,
        "decision": decision,
        "steps": step_titles(decision.steps) if decision else [],
        "Kind": CaseDecision.Kind,
    }


@register.filter
def response_words(code: str) -> str:
    """A trial's response code in the engine's words ("no response")."""
    from screening.engine.scores import RESPONSE_WORDS

    return RESPONSE_WORDS.get(code, code or "")
