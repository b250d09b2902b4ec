"""Export of stored intakes as `clinic-intake/1` documents."""

from __future__ import annotations

import copy
from typing import Any

from screening.models import Intake


def intake_export_document(intake: Intake) -> dict[str, Any]:
    """The intake's document, as stored (importing it again gives the same intake)."""
    return copy.deepcopy(intake.document)


def intake_export_name(intake: Intake, fmt: str) -> str:
    """The file name of an exported intake."""
    suffix = ".fhir.json" if fmt == "fhir" else ".json"
    return f"intake-{intake.pk:07d}-v{intake.version}{suffix}"
