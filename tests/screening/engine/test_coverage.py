"""Payer criteria (screening.engine.coverage): each kind at its boundaries, and
each seeded policy against a patient who meets it and one who does not.
No Django."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from screening.engine import DEFAULT_KNOWLEDGE, DEFAULT_POLICY, assess_trials
from screening.engine.coverage import (
    CONTINUATION,
    CRITERION_KINDS,
    MET,
    MISSING,
    PARTLY_MET,
    ClinicianFacts,
    CourseFacts,
    CoverageFacts,
    ScaleScore,
    TherapyCourse,
    TrialDetails,
    check,
    check_params,
    criteria_from_records,
    criterion,
    evaluate,
    improvement_pct,
    npi_is_valid,
)
from screening.engine.document import age_on
from tests.screening.engine.builders import make_doc, trial

POLICIES = Path(__file__).resolve().parents[3] / "screening" / "coverage" / "data" / "policies.json"
NPI = "1234567893"  # a valid check digit


def facts(changes=None, clinician=None, course=None) -> CoverageFacts:
    doc = make_doc(changes)
    return CoverageFacts(
        doc=doc,
        age=age_on(doc.patient.date_of_birth, doc.completed_on),
        trials=assess_trials(doc, DEFAULT_POLICY, DEFAULT_KNOWLEDGE),
        knowledge=DEFAULT_KNOWLEDGE,
        clinician=clinician or ClinicianFacts(),
        course=course,
    )


def verdict(kind, f, **params):
    return check(criterion(kind, "policy text", **params), f)


TWO_SSRI = {
    "antidepressant_trials": [trial("sertraline", 150, 10), trial("fluoxetine", 40, 8)],
}
SSRI_SNRI = {
    "antidepressant_trials": [trial("sertraline", 150, 10), trial("Effexor XR", 225, 8)],
}


# -- kinds -----------------------------------------------------------------------


def test_every_kind_has_a_check_and_defaults_that_validate() -> None:
    for kind in CRITERION_KINDS:
        check_params(kind, {})


def test_bad_params_name_the_parameter() -> None:
    with pytest.raises(ValueError, match="min: must be a number"):
        check_params("failed_trials", {"min": "two"})
    with pytest.raises(ValueError, match="unknown parameter"):
        check_params("age", {"max": 3})
    with pytest.raises(ValueError, match="unknown scale"):
        check_params("symptom_score", {"minimums": {"beck": 20}})
    with pytest.raises(ValueError, match="kind: unknown"):
        check_params("astrology", {})
    with pytest.raises(ValueError, match="criterion 2: min"):
        criteria_from_records(
            [{"kind": "age", "text": "x"}, {"kind": "age", "params": {"min": -1}}]
        )


def test_two_adequate_trials_of_the_same_class_are_not_two_classes() -> None:
    f = facts(TWO_SSRI)
    assert verdict("failed_trials", f, min=2).status == MET
    v = verdict("trial_classes", f, min=2)
    assert v.status == PARTLY_MET
    assert "SSRI: sertraline, fluoxetine" in v.evidence
    assert "1 more class" in v.settle
    assert verdict("trial_classes", facts(SSRI_SNRI), min=2).status == MET


def test_a_trial_of_5_9_weeks_is_not_adequate() -> None:
    f = facts({"antidepressant_trials": [trial("sertraline", 150, 5.9), trial("Effexor", 225, 6)]})
    v = verdict("failed_trials", f, min=2)
    assert v.status == PARTLY_MET
    assert v.evidence[0] == "adequate failed trials: 1 of 2"
    assert any("under 6 weeks" in line for line in v.evidence)
    weeks = verdict("trial_weeks", f, min_weeks=6, trials=2)
    assert weeks.status == PARTLY_MET
    assert "sertraline: 5.9 weeks (under 6)" in weeks.evidence
    assert verdict("trial_weeks", f, min_weeks=6, trials=1).status == MET


def test_no_trials_is_missing_with_what_would_settle_it() -> None:
    v = verdict("failed_trials", facts(), min=2)
    assert v.status == MISSING and "2 more adequate failed trials" in v.settle
    assert verdict("trial_classes", facts(), min=2).status == MISSING


def test_a_trial_without_a_dose_is_open_not_missing() -> None:
    f = facts({"antidepressant_trials": [trial("sertraline", None, 10)]})
    v = verdict("failed_trials", f, min=1)
    assert v.status == PARTLY_MET and "sertraline" in v.settle


def test_a_past_episode_trial_does_not_count() -> None:
    f = facts({"antidepressant_trials": [trial("sertraline", 150, 10, current=False)]})
    assert verdict("failed_trials", f, min=1).status == MISSING


def test_phq9_of_14_is_not_15() -> None:
    fourteen = facts({"depression.phq9": [2, 2, 2, 2, 2, 2, 1, 1, 0]})
    v = verdict("symptom_score", fourteen, minimums={"phq9": 15})
    assert v.status == MISSING
    assert "PHQ-9 14 on 2026-11-02 (intake): below 15" in v.evidence
    fifteen = facts({"depression.phq9": [2, 2, 2, 2, 2, 2, 2, 1, 0]})
    assert verdict("symptom_score", fifteen, minimums={"phq9": 15}).status == MET


def test_a_clinician_scale_can_meet_a_score_criterion() -> None:
    hamd = ScaleScore("hamd17", 22, date(2026, 11, 3))
    f = facts(clinician=ClinicianFacts(scores=[hamd]))
    v = verdict("symptom_score", f, minimums={"phq9": 15, "hamd17": 20})
    assert v.status == MET and "HAM-D 17 22 on 2026-11-03 (clinician): at least 20" in v.evidence


def test_response_at_most_partial_or_improvement_at_most_n_percent() -> None:
    changes = {
        "antidepressant_trials": [
            trial("sertraline", 150, 10, response="none"),
            trial("venlafaxine", 225, 8, response="partial"),
        ]
    }
    v = verdict("trial_response", facts(changes), max_improvement_pct=25, trials=2)
    assert v.status == PARTLY_MET and "venlafaxine" in v.settle
    at = ClinicianFacts(trials={1: TrialDetails(improvement_pct=25)})
    assert verdict("trial_response", facts(changes, at), max_improvement_pct=25).status == MET
    above = ClinicianFacts(trials={1: TrialDetails(improvement_pct=25.5)})
    v = verdict("trial_response", facts(changes, above), max_improvement_pct=25)
    assert v.status == PARTLY_MET
    assert "venlafaxine: 25.5% improvement (clinician), above 25%" in v.evidence


def test_augmentation_trial() -> None:
    assert verdict("augmentation_trial", facts()).status == MISSING
    past = {"augmentation_trials": [trial("lithium", 900, 8, current=False)]}
    assert verdict("augmentation_trial", facts(past)).status == PARTLY_MET
    now = {"augmentation_trials": [trial("aripiprazole", 5, 6)]}
    assert verdict("augmentation_trial", facts(now)).status == MET


def test_psychotherapy_evidence_based_sessions_and_episode() -> None:
    cbt = {"modality": "cbt", "sessions": 12, "current_episode": True, "response": "partial"}
    assert verdict("psychotherapy", facts({"psychotherapy": [cbt]})).status == MET
    v = verdict("psychotherapy", facts({"psychotherapy": [cbt]}), min_sessions=16)
    assert v.status == PARTLY_MET and "at least 16 sessions" in v.settle
    other = {**cbt, "modality": "other"}
    assert verdict("psychotherapy", facts({"psychotherapy": [other]})).status == PARTLY_MET
    past = {**cbt, "current_episode": False}
    assert verdict("psychotherapy", facts({"psychotherapy": [past]})).status == PARTLY_MET
    assert (
        verdict("psychotherapy", facts({"psychotherapy": [past]}), current_episode="no").status
        == MET
    )
    assert verdict("psychotherapy", facts()).status == MISSING
    added = ClinicianFacts(
        psychotherapy=[TherapyCourse("ipt", 16, date(2026, 1, 5), date(2026, 5, 1))]
    )
    v = verdict("psychotherapy", facts(clinician=added), min_sessions=16)
    assert v.status == MET
    assert "interpersonal therapy, 16 sessions, 2026-01-05 to 2026-05-01 (clinician)" in v.evidence


def test_age_boundary() -> None:
    # Born 1982-03-14, intake 2026-11-02: 44.
    assert verdict("age", facts(), min=44).status == MET
    assert verdict("age", facts(), min=45).status == MISSING


def test_exclusions() -> None:
    assert verdict("exclusion", facts(), condition="psychosis").status == MET
    psychotic = facts({"psychiatric_history.psychotic_symptoms_current": True})
    assert verdict("exclusion", psychotic, condition="psychosis").status == MISSING
    bipolar = facts({"psychiatric_history.bipolar_disorder": True})
    assert verdict("exclusion", bipolar, condition="bipolar").status == MISSING
    assert verdict("exclusion", bipolar, condition="psychosis").status == MET
    sud = {"substance_use.substance_use_disorder_history": True}
    assert verdict("exclusion", facts(sud), condition="substance_use_disorder").status == (
        PARTLY_MET
    )
    treated = ClinicianFacts(substance_use_treated=True)
    assert (
        verdict("exclusion", facts(sud, treated), condition="substance_use_disorder").status == MET
    )
    untreated = ClinicianFacts(substance_use_treated=False)
    v = verdict("exclusion", facts(sud, untreated), condition="substance_use_disorder")
    assert v.status == MISSING
    assert verdict("exclusion", facts(), condition="substance_use_disorder").status == MET


def test_psychiatrist_orders_needs_a_valid_npi() -> None:
    assert verdict("psychiatrist_orders", facts()).status == MISSING
    bad = ClinicianFacts(psychiatrist_name="Dr. A. Okafor", psychiatrist_npi="1234567890")
    assert verdict("psychiatrist_orders", facts(clinician=bad)).status == PARTLY_MET
    good = ClinicianFacts(psychiatrist_name="Dr. A. Okafor", psychiatrist_npi=NPI)
    assert verdict("psychiatrist_orders", facts(clinician=good)).status == MET


@pytest.mark.parametrize(
    ("npi", "valid"),
    [
        ("1234567893", True),
        ("1245319599", True),
        ("1234567890", False),
        ("123456789", False),
        ("12345678933", False),
        ("123456789a", False),
        ("１２３４５６７８９３", False),
    ],
)
def test_npi_luhn(npi: str, valid: bool) -> None:
    assert npi_is_valid(npi) is valid


def test_concurrent_antidepressant_and_pdmp_and_diagnosis() -> None:
    assert verdict("concurrent_antidepressant", facts()).status == MISSING
    on = facts({"current_medications": [{"name": "Trintellix", "daily_dose_mg": 20}]})
    v = verdict("concurrent_antidepressant", on)
    assert v.status == MET and "Trintellix (vortioxetine) 20 mg/day" in v.evidence[0]
    benzo = facts({"current_medications": [{"name": "lorazepam", "daily_dose_mg": 1}]})
    assert verdict("concurrent_antidepressant", benzo).status == MISSING
    assert verdict("pdmp_check", facts()).status == MISSING
    checked = ClinicianFacts(pdmp_checked_on=date(2026, 11, 4))
    assert verdict("pdmp_check", facts(clinician=checked)).status == MET
    assert verdict("diagnosis", facts(), codes=["F33.2"]).status == MISSING
    f332 = ClinicianFacts(diagnosis_icd10="f33.2")
    assert verdict("diagnosis", facts(clinician=f332), codes=["F32.2", "F33.2"]).status == MET
    f331 = ClinicianFacts(diagnosis_icd10="F33.1")
    assert verdict("diagnosis", facts(clinician=f331), codes=["F33.2"]).status == PARTLY_MET


def test_continuation_sessions_and_improvement() -> None:
    base = ScaleScore("phq9", 20, date(2026, 11, 2), "intake")
    course = CourseFacts(sessions_completed=19, baseline=base, latest=ScaleScore("phq9", 10, None))
    f = facts(course=course)
    assert verdict("sessions_completed", f, min=20).status == PARTLY_MET
    assert verdict("sessions_completed", facts(course=CourseFacts(20)), min=20).status == MET
    v = verdict("score_improvement", f, min_pct=50)
    assert v.status == MET and "improvement: 50%" in v.evidence
    assert verdict("score_improvement", f, min_pct=50.1).status == MISSING
    assert verdict("score_improvement", facts(), min_pct=25).status == MISSING
    assert improvement_pct(0, 0) is None
    assert improvement_pct(27, 9) == pytest.approx(66.7)


def test_labels_carry_the_parameters() -> None:
    assert criterion("age", "x", min=18).label == "Age at least 18"
    assert criterion("symptom_score", "x", minimums={"phq9": 15, "madrs": 28}).label == (
        "PHQ-9 at least 15 or MADRS at least 28"
    )
    assert criterion("trial_weeks", "x", min_weeks=6, trials=2).label == (
        "At least 2 failed trials of 6 weeks or more"
    )
    assert criterion("exclusion", "x", condition="bipolar").label == "Exclusion: bipolar disorder"
    for kind in CRITERION_KINDS:
        assert criterion(kind, "x").label


def test_evaluate_keeps_the_stage_apart() -> None:
    criteria = [criterion("age", "adults", min=18), criterion("sessions_completed", "s", min=1)]
    assert [v.criterion.kind for v in evaluate(criteria, facts())] == ["age"]
    assert [v.criterion.kind for v in evaluate(criteria, facts(), stage=CONTINUATION)] == [
        "sessions_completed"
    ]


# -- the seeded policies --------------------------------------------------------------

MEETS = {
    "depression.phq9": [2, 2, 2, 2, 2, 2, 2, 2, 1],
    "antidepressant_trials": [
        trial("sertraline", 150, 10),
        trial("escitalopram", 20, 8),
        trial("Effexor XR", 225, 8),
    ],
    "augmentation_trials": [trial("aripiprazole", 5, 6)],
    "psychotherapy": [
        {"modality": "cbt", "sessions": 16, "current_episode": True, "response": "partial"}
    ],
}
FULL_RECORD = ClinicianFacts(
    diagnosis_icd10="F33.2",
    pdmp_checked_on=date(2026, 11, 4),
    psychiatrist_name="Dr. A. Okafor",
    psychiatrist_npi=NPI,
)


def _seeded() -> dict[str, list]:
    return {
        p["identifier"]: criteria_from_records(p["criteria"])
        for p in json.loads(POLICIES.read_text(encoding="utf-8"))
    }


def test_the_seed_file_holds_the_four_policies_with_sources() -> None:
    rows = json.loads(POLICIES.read_text(encoding="utf-8"))
    assert {r["identifier"] for r in rows} == {
        "LCD L37086",
        "CPB 0469",
        "CP.BH.200",
        "Cigna Spravato policy",
    }
    for row in rows:
        assert row["source_url"].startswith("https://")
        assert row["treatment"] in ("tms", "esketamine")


@pytest.mark.parametrize(
    "identifier", ["LCD L37086", "CPB 0469", "CP.BH.200", "Cigna Spravato policy"]
)
def test_each_seeded_policy_is_met_by_a_full_record(identifier: str) -> None:
    verdicts = evaluate(_seeded()[identifier], facts(MEETS, FULL_RECORD))
    assert [(v.criterion.kind, v.status) for v in verdicts if v.status != MET] == []


# What the patient who does not meet each policy lacks, and the criterion that says so.
NOT_MET = {
    "LCD L37086": ({"antidepressant_trials": TWO_SSRI["antidepressant_trials"]}, "trial_classes"),
    "CPB 0469": ({"augmentation_trials": []}, "augmentation_trial"),
    "CP.BH.200": ({"depression.phq9": [2, 2, 2, 2, 2, 2, 1, 1, 0]}, "symptom_score"),
    "Cigna Spravato policy": ({}, "pdmp_check"),
}


@pytest.mark.parametrize("identifier", list(NOT_MET))
def test_each_seeded_policy_against_a_patient_who_does_not_meet_it(identifier: str) -> None:
    changes, kind = NOT_MET[identifier]
    clinician = FULL_RECORD
    if identifier == "Cigna Spravato policy":
        clinician = ClinicianFacts(
            diagnosis_icd10="F33.2", psychiatrist_name="Dr. A. Okafor", psychiatrist_npi=NPI
        )
    verdicts = evaluate(_seeded()[identifier], facts({**MEETS, **changes}, clinician))
    failing = {v.criterion.kind: v for v in verdicts if v.status != MET}
    assert list(failing) == [kind]
    assert failing[kind].settle  # says what would settle it
