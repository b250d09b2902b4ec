"""The intake's steps as the clinician sees them: which document sections
each step holds, in the order the patient fills them in. The case page groups
answers by step, and "request more information" names steps. The keys and
sections are the intake's own (`screening.services.intake.STEP_SECTIONS`;
a test keeps them equal); the labels are worded for the patient's email."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

# (step key, label, document sections)
STEPS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    ("about", _("About you"), ("patient",)),
    ("feeling", _("How you have been feeling"), ("depression",)),
    ("safety", _("Safety questions"), ("suicide_screen",)),
    (
        "treatments",
        _("Treatments tried"),
        ("antidepressant_trials", "augmentation_trials", "psychotherapy", "procedures"),
    ),
    ("history", _("Mental health history"), ("psychiatric_history",)),
    ("physical", _("Physical health"), ("blood_pressure", "medical_history")),
    ("substances", _("Alcohol and drugs"), ("substance_use",)),
    ("medicines", _("Medicines and allergies"), ("current_medications", "allergies")),
    ("consent", _("Consent"), ("consent",)),
)
STEP_KEYS = tuple(key for key, _label, _sections in STEPS)
STEP_CHOICES = [(key, label) for key, label, _sections in STEPS]
_LABELS = {key: label for key, label, _sections in STEPS}


def step_labels(keys: Iterable[str]) -> list[str]:
    """The readable names of the given step keys, in the order given."""
    return [str(_LABELS.get(key, key)) for key in keys]
