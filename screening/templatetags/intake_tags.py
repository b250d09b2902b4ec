"""Template helpers for the patient's own pages: how far their intake is."""

from __future__ import annotations

from django import template

from screening.intake.steps import STEP_BY_KEY
from screening.models import Intake
from screening.services.intake import intake_progress

register = template.Library()


@register.inclusion_tag("intake/partials/home_progress.html")
def intake_progress_summary(intake: Intake) -> dict:
    """Steps done out of all of them, and the steps needing attention, linked."""
    progress = intake_progress(intake)
    return {
        "intake": intake,
        "progress": progress,
        "attention": [STEP_BY_KEY[key] for key in progress.attention],
        "resume": STEP_BY_KEY[progress.resume_at],
    }
