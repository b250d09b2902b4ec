"""The engine's vocabulary in the reader's language.

`screening.engine.vocabulary` holds the English words (marked for
extraction, no Django); these helpers translate them where they are shown.
Choices for forms are built here, so every list of treatments, severities,
flag codes and steps is the vocabulary's.
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext

from screening.engine import vocabulary as v


def flag_title(code: str) -> str:
    """What a flag says was found, e.g. "Uncontrolled blood pressure"."""
    return gettext(v.flag_title(code))


def modality_label(modality: str) -> str:
    """A treatment's name at the start of a label ("Esketamine", "IV ketamine")."""
    return capfirst(gettext(v.MODALITY_LABELS.get(modality, modality)))


def band_label(band: str | None) -> str:
    """An instrument band or a category in words ("moderately severe")."""
    if band is None:
        return ""
    return gettext(v.BAND_LABELS[band]) if band in v.BAND_LABELS else str(band).replace("_", " ")


def step_title(key: str) -> str:
    return gettext(v.STEP_TITLES.get(key, key))


def modality_choices() -> list[tuple[str, str]]:
    return [(m, modality_label(m)) for m in v.MODALITIES]


def flag_code_choices() -> list[tuple[str, str]]:
    return [(code, flag_title(code)) for code in v.FLAG_CODES]


def step_choices() -> list[tuple[str, str]]:
    return [(key, step_title(key)) for key in v.FORM_STEPS]


def step_titles(keys: list[str] | tuple[str, ...]) -> list[str]:
    """The titles of the given step keys, in the order given."""
    return [step_title(key) for key in keys]
