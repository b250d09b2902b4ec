"""Policy: the spec's defaults, storage round trip and checks."""

from __future__ import annotations

import dataclasses

import pytest

from screening.engine import DEFAULT_POLICY, Policy, parse_document

from .builders import make_data, trial


def test_defaults_are_the_spec_values() -> None:
    assert DEFAULT_POLICY.to_dict() == {
        "bp_high_systolic": 140,
        "bp_high_diastolic": 90,
        "bp_crisis_systolic": 180,
        "bp_crisis_diastolic": 120,
        "bp_recent_days": 90,
        "min_trial_weeks": 6,
        "trd_adequate_failed_trials": 2,
        "audit_c_positive_male": 4,
        "audit_c_positive_other": 3,
        "dast10_cutoff": 3,
        "older_adult_age": 65,
    }


def test_round_trip_and_partial_dicts() -> None:
    assert Policy.from_dict(DEFAULT_POLICY.to_dict()) == DEFAULT_POLICY
    assert Policy.from_dict({}) == DEFAULT_POLICY
    changed = Policy.from_dict({"bp_high_systolic": 150, "min_trial_weeks": 8.0})
    assert (changed.bp_high_systolic, changed.min_trial_weeks) == (150, 8.0)
    assert changed.replace(bp_high_systolic=140).bp_high_systolic == 140


def test_policy_is_frozen_and_hashable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_POLICY.bp_high_systolic = 100  # type: ignore[misc]
    assert hash(DEFAULT_POLICY) == hash(Policy())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"colour": 1}, "unknown policy keys: colour"),
        ({"bp_high_systolic": "140"}, "bp_high_systolic: must be an integer"),
        ({"bp_high_systolic": 140.5}, "bp_high_systolic: must be an integer"),
        ({"dast10_cutoff": True}, "dast10_cutoff: must be an integer"),
        ({"dast10_cutoff": 11}, "dast10_cutoff: must be between 0 and 10"),
        ({"min_trial_weeks": float("nan")}, "min_trial_weeks: must be between 0 and 520"),
        ({"bp_crisis_systolic": 130}, "bp_crisis_systolic: must not be below bp_high_systolic"),
        ({"trd_adequate_failed_trials": 0}, "trd_adequate_failed_trials: must be between 1"),
    ],
)
def test_bad_values_are_rejected(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Policy.from_dict(values)


def test_stopped_for_side_effects_defaults_to_false() -> None:
    absent = trial("sertraline", 100, 8)
    null = {**trial("sertraline", 100, 8), "stopped_for_side_effects": None}
    doc = parse_document(make_data({"antidepressant_trials": [absent, null]}))
    assert [t.stopped_for_side_effects for t in doc.antidepressant_trials] == [False, False]
