"""Clinic policy: the thresholds a clinic may change without a code change.

Defaults are the values of screening-rules.md ("Policy"); a fresh install uses
:data:`DEFAULT_POLICY`. The dose table is part of
:class:`~screening.engine.knowledge.MedicationKnowledge`, not of the policy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

# Field name -> (kind, minimum, maximum, description). Used by from_dict and for admin forms.
POLICY_FIELDS: dict[str, tuple[type, float, float, str]] = {
    "bp_high_systolic": (int, 60, 300, "systolic at or above which a reading is high (mmHg)"),
    "bp_high_diastolic": (int, 30, 200, "diastolic at or above which a reading is high (mmHg)"),
    "bp_crisis_systolic": (int, 60, 300, "systolic above which a reading is a crisis (mmHg)"),
    "bp_crisis_diastolic": (int, 30, 200, "diastolic above which a reading is a crisis (mmHg)"),
    "bp_recent_days": (int, 0, 3650, "a reading up to this many days before intake is recent"),
    "min_trial_weeks": (float, 0, 520, "minimum weeks for an adequate antidepressant trial"),
    "trd_adequate_failed_trials": (
        int,
        1,
        100,
        "adequate failed antidepressant trials for trd_likely",
    ),
    "audit_c_positive_male": (int, 0, 12, "AUDIT-C total that is positive for male sex at birth"),
    "audit_c_positive_other": (int, 0, 12, "AUDIT-C total that is positive for everyone else"),
    "dast10_cutoff": (int, 0, 10, "DAST-10 total that raises substance_use_history"),
    "older_adult_age": (int, 18, 120, "age from which the older-adult dose column applies"),
}


@dataclass(frozen=True, slots=True)
class Policy:
    """Every threshold of the spec's "Policy" section, with the spec's defaults."""

    bp_high_systolic: int = 140  # high when systolic >= this (ACC/AHA stage 2)
    bp_high_diastolic: int = 90  # high when diastolic >= this
    bp_crisis_systolic: int = 180  # crisis when systolic > this
    bp_crisis_diastolic: int = 120  # crisis when diastolic > this
    bp_recent_days: int = 90  # a reading 0..this many days before completed_on is recent
    min_trial_weeks: float = 6  # adequate trial: duration_weeks >= this
    trd_adequate_failed_trials: int = 2  # trd_likely when adequate_failed_trials >= this
    audit_c_positive_male: int = 4  # audit_c_positive when total >= this, sex_at_birth male
    audit_c_positive_other: int = 3  # ... and >= this for every other sex_at_birth
    dast10_cutoff: int = 3  # substance_use_history (moderate) when dast10_total >= this
    older_adult_age: int = 65  # older-adult dose column from this age

    def __post_init__(self) -> None:
        for name, (kind, low, high, _) in POLICY_FIELDS.items():
            value = getattr(self, name)
            ok_type = isinstance(value, (int, float)) if kind is float else isinstance(value, int)
            if isinstance(value, bool) or not ok_type:
                raise ValueError(f"{name}: must be {'a number' if kind is float else 'an integer'}")
            if not (math.isfinite(value) and low <= value <= high):
                raise ValueError(f"{name}: must be between {low:g} and {high:g}")
        if self.bp_crisis_systolic < self.bp_high_systolic:
            raise ValueError("bp_crisis_systolic: must not be below bp_high_systolic")
        if self.bp_crisis_diastolic < self.bp_high_diastolic:
            raise ValueError("bp_crisis_diastolic: must not be below bp_high_diastolic")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Build from stored values; missing keys take the defaults, unknown keys are an error."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown policy keys: {', '.join(sorted(map(str, unknown)))}")
        return cls(**dict(data))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replace(self, **changes: Any) -> Policy:
        return self.from_dict({**self.to_dict(), **changes})


DEFAULT_POLICY: Policy = Policy()
