"""Template helpers of the review pages, and the patient's own view of
their review (the decision in plain words, never the flags)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from screening.labels import step_titles
from screening.models import Intake, Severity
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


@register.simple_tag
def flag_badges(flags) -> str:
    """A row's flags as badges, one after another (the review queue): one
    call for the row, where a template per badge cost more than the query."""
    if not flags:
        return format_html('<span class="text-body-secondary">{}</span>', gettext("none"))
    # The severities' labels once (a model's get_..._display hashes every
    # lazy choice on each call).
    labels = {value: str(label) for value, label in Severity.choices}
    return format_html_join(
        " ",
        '<span class="badge flag-badge severity-{}" title="{}">{}'
        '<span class="visually-hidden"> ({})</span></span>',
        (
            (flag.severity, labels.get(flag.severity, flag.severity), flag.title, flag.severity)
            for flag in flags
        ),
    )


@register.simple_tag
def severity_badge(severity: str) -> str:
    """A severity as a badge, or a dash for none."""
    if not severity:
        return mark_safe('<span class="text-body-secondary">—</span>')
    return format_html('<span class="badge severity-{}">{}</span>', severity, severity)
