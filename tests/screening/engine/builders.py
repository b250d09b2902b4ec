"""Build valid intake documents for tests: a neutral base plus dotted-path overrides."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from screening.engine import IntakeDocument, parse_document, screen

HERE = Path(__file__).resolve().parent
COPIED_EXAMPLES = HERE / "examples"
# The repo is /work/main and the shared spec is /work/shared: parents[3] is the repo root.
SHARED_EXAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "spec" / "examples"

DELETE = object()  # an override value that removes the key

BASE: dict[str, Any] = {
    "format": "clinic-intake/1",
    "external_id": None,
    "completed_on": "2026-11-02",
    "patient": {
        "given_name": "Dana",
        "family_name": "Reyes",
        "date_of_birth": "1982-03-14",
        "sex_at_birth": "female",
    },
    "depression": {"current_episode_months": 6, "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0], "gad7": None},
    "suicide_screen": {
        "wish_to_be_dead": False,
        "suicidal_thoughts": False,
        "behavior_lifetime": False,
    },
    "antidepressant_trials": [],
    "augmentation_trials": [],
    "psychotherapy": [],
    "procedures": [],
    "psychiatric_history": {
        "bipolar_disorder": False,
        "psychotic_disorder": False,
        "psychotic_symptoms_current": False,
        "psychiatric_hospitalizations": 0,
    },
    "blood_pressure": {"systolic": 118, "diastolic": 76, "measured_on": "2026-10-20"},
    "medical_history": {
        "hypertension": False,
        "hypertension_medication": False,
        "aneurysmal_vascular_disease": False,
        "arteriovenous_malformation": False,
        "intracerebral_hemorrhage": False,
        "myocardial_infarction_months_ago": None,
        "stroke_months_ago": None,
        "unstable_heart_disease": False,
        "raised_intracranial_pressure": False,
        "seizure_disorder": False,
        "head_injury_with_loss_of_consciousness": False,
        "metal_in_head": False,
        "implanted_devices": [],
        "glaucoma": False,
        "interstitial_cystitis": False,
        "liver_disease": False,
        "pregnant": False,
        "breastfeeding": False,
    },
    "substance_use": {
        "audit_c": [0, 0, 0],
        "dast10": [False, False, True, False, False, False, False, False, False, False],
        "ketamine_or_pcp_nonmedical_use": False,
        "substance_use_disorder_history": False,
    },
    "current_medications": [],
    "allergies": [],
    "consent": {
        "agreed": True,
        "signed_name": "Dana Reyes",
        "signed_at": "2026-11-02T10:15:00-05:00",
    },
}

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _STEP.findall(path)]


def apply(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Set values by path ("medical_history.pregnant", "depression.phq9[8]") on a copy."""
    doc = copy.deepcopy(doc)
    for path, value in changes.items():
        steps = _steps(path)
        target: Any = doc
        for step in steps[:-1]:
            target = target[step]
        last = steps[-1]
        if value is DELETE:
            del target[last]
        else:
            target[last] = copy.deepcopy(value)
    return doc


def trial(
    medication: str,
    dose: float | None,
    weeks: float,
    *,
    current: bool = True,
    response: str = "none",
) -> dict[str, Any]:
    return {
        "medication": medication,
        "max_daily_dose_mg": dose,
        "duration_weeks": weeks,
        "current_episode": current,
        "response": response,
    }


def make_data(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    return apply(BASE, changes or {})


def make_doc(changes: dict[str, Any] | None = None) -> IntakeDocument:
    return parse_document(make_data(changes))


def run(changes: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return screen(make_doc(changes), **kwargs)


def flag(result: dict[str, Any], code: str) -> dict[str, Any] | None:
    found = [f for f in result["flags"] if f["code"] == code]
    assert len(found) <= 1, f"{code} raised more than once"
    return found[0] if found else None


def example_pairs(folder: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    pairs = []
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        expected = path.with_name(path.name[: -len(".json")] + ".expected.json")
        pairs.append(
            (
                path.name,
                json.loads(path.read_text(encoding="utf-8")),
                json.loads(expected.read_text(encoding="utf-8")),
            )
        )
    return pairs
