"""Scores of screening-rules.md ("Scores") and the assessment of antidepressant trials."""

from __future__ import annotations

from typing import Any, NamedTuple

from .document import IntakeDocument, SuicideScreen, age_on
from .knowledge import DEFAULT_KNOWLEDGE, MedicationKnowledge
from .policy import DEFAULT_POLICY, Policy
from .vocabulary import DAST10_BANDS, GAD7_BANDS, MSM_BANDS, PHQ9_BANDS, band_of

SCORE_KEYS: tuple[str, ...] = (
    "age",
    "phq9_total",
    "phq9_band",
    "gad7_total",
    "gad7_band",
    "cssrs_risk",
    "bp_category",
    "audit_c_total",
    "audit_c_positive",
    "dast10_total",
    "dast10_band",
    "adequate_failed_trials",
    "failed_trials",
    "msm_total",
    "msm_band",
)

FAILED_RESPONSES = frozenset({"none", "partial"})

RESPONSE_WORDS = {
    "none": "no response",
    "partial": "partial response",
    "response": "response",
    "remission": "remission",
    "unknown": "response unknown",
}

BP_CATEGORIES = ("normal", "elevated", "stage_1", "stage_2", "crisis")


def number_text(value: float) -> str:
    """150 -> "150", 150.0 -> "150", 7.5 -> "7.5"."""
    if type(value) is int:
        return str(value)
    return str(int(value)) if value.is_integer() else repr(value)


# -- bands -------------------------------------------------------------------


def phq9_band(total: int) -> str:
    return band_of(PHQ9_BANDS, total)


def gad7_band(total: int) -> str:
    return band_of(GAD7_BANDS, total)


# DAST-10 item 3 ("always able to stop"), 0-based: there *no* scores 1.
DAST10_REVERSED_ITEM = 2


def dast10_item_score(index: int, answer: bool) -> int:
    return int(not answer) if index == DAST10_REVERSED_ITEM else int(answer)


def dast10_total(answers: list[bool]) -> int:
    """Count of yes answers, except item 3 (index 2), where *no* scores 1."""
    return sum(dast10_item_score(i, answer) for i, answer in enumerate(answers))


def dast10_band(total: int) -> str:
    return band_of(DAST10_BANDS, total)


def cssrs_risk(s: SuicideScreen) -> str:
    """C-SSRS screener triage. A positive answer always counts (``None`` reads as no)."""
    if s.intent or s.plan or s.behavior_past_3_months:
        return "high"
    if s.method or s.behavior_lifetime:
        return "moderate"
    if s.wish_to_be_dead or s.suicidal_thoughts:
        return "low"
    return "none"


def bp_category(systolic: int, diastolic: int) -> str:
    """ACC/AHA 2017 category; the higher of the two numbers decides."""
    if systolic > 180 or diastolic > 120:
        return "crisis"
    if systolic >= 140 or diastolic >= 90:
        return "stage_2"
    if systolic >= 130 or diastolic >= 80:
        return "stage_1"
    if systolic >= 120:
        return "elevated"
    return "normal"


def audit_c_positive(total: int, sex_at_birth: str, policy: Policy = DEFAULT_POLICY) -> bool:
    if sex_at_birth == "male":
        return total >= policy.audit_c_positive_male
    return total >= policy.audit_c_positive_other


def msm_episode_points(months: int) -> int:
    return 1 if months <= 12 else 2 if months <= 24 else 3


def msm_severity_points(phq9_total: int, psychotic_symptoms_current: bool) -> int:
    if phq9_total <= 4:
        return 1
    if phq9_total <= 9:
        return 2
    if phq9_total <= 19:
        return 3
    return 5 if psychotic_symptoms_current else 4


def msm_failure_points(adequate_failed: int) -> int:
    if adequate_failed == 0:
        return 0
    if adequate_failed <= 2:
        return 1
    if adequate_failed <= 4:
        return 2
    if adequate_failed <= 6:
        return 3
    if adequate_failed <= 10:
        return 4
    return 5


def msm_band(total: int) -> str:
    return band_of(MSM_BANDS, total)


# -- antidepressant trials ----------------------------------------------------


class TrialAssessment(NamedTuple):
    """How one antidepressant trial counts, for the rules and the clinician's case page."""

    medication: str  # as typed
    generic: str | None  # generic name after brand mapping, None when not in the knowledge
    adequate: bool
    failed: bool  # current episode and response none/partial (adequate or not)
    reason: str  # "adequate", "under 6 weeks", "no dose reported: adequacy not rated", ...
    key: str  # what per-medication counting uses: generic, else the normalised name
    position: int  # index in antidepressant_trials
    dose_mg: float | None
    duration_weeks: float
    current_episode: bool
    response: str
    min_dose_mg: float | None  # the dose table's minimum for the patient's age band
    label: str  # "sertraline", "Effexor XR (venlafaxine)", "St John's wort"

    @property
    def evidence(self) -> str:
        """E.g. "sertraline 150 mg/day for 10 weeks, no response: adequate"."""
        dose = (
            "(no dose reported)" if self.dose_mg is None else f"{number_text(self.dose_mg)} mg/day"
        )
        weeks = number_text(self.duration_weeks)
        unit = "week" if weeks == "1" else "weeks"
        episode = "" if self.current_episode else ", past episode"
        return (
            f"{self.label} {dose} for {weeks} {unit}, "
            f"{RESPONSE_WORDS[self.response]}{episode}: {self.reason}"
        )


def _assess(
    doc: IntakeDocument, age: int, policy: Policy, knowledge: MedicationKnowledge
) -> list[TrialAssessment]:
    result: list[TrialAssessment] = []
    older = age >= policy.older_adult_age
    min_weeks = policy.min_trial_weeks
    for index, trial in enumerate(doc.antidepressant_trials):
        found = knowledge.match(trial.medication)
        record = found.record
        dose = trial.max_daily_dose_mg
        weeks = trial.duration_weeks
        minimum = None
        reasons: list[str] = []
        if record is None or record.min_dose_mg is None:
            reasons.append("drug not in the dose table: adequacy not rated")
        else:
            minimum = record.min_dose_mg
            if older and record.min_dose_older_mg is not None:
                minimum = record.min_dose_older_mg
            if dose is None:
                reasons.append("no dose reported: adequacy not rated")
            elif dose < minimum:
                band = " at 65 and over" if minimum != record.min_dose_mg else ""
                reasons.append(
                    f"dose below minimum ({number_text(minimum)} mg/day for {record.generic}{band})"
                )
        if weeks < min_weeks:
            reasons.append(f"under {number_text(min_weeks)} weeks")
        failed = trial.current_episode and trial.response in FAILED_RESPONSES
        result.append(
            TrialAssessment(
                trial.medication,
                found.generic,
                not reasons,
                failed,
                "; ".join(reasons) if reasons else "adequate",
                found.key,
                index,
                dose,
                weeks,
                trial.current_episode,
                trial.response,
                minimum,
                found.label,
            )
        )
    return result


def assess_trials(
    doc: IntakeDocument,
    policy: Policy = DEFAULT_POLICY,
    knowledge: MedicationKnowledge = DEFAULT_KNOWLEDGE,
) -> list[TrialAssessment]:
    """Assess every antidepressant trial (adequate, failed, why) in document order."""
    return _assess(doc, age_on(doc.patient.date_of_birth, doc.completed_on), policy, knowledge)


def count_trials(assessments: list[TrialAssessment]) -> tuple[int, int]:
    """(adequate_failed_trials, failed_trials), each medication counted once."""
    if not assessments:
        return 0, 0
    adequate_failed = {a.key for a in assessments if a.failed and a.adequate}
    failed = {a.key for a in assessments if a.failed}
    return len(adequate_failed), len(failed)


# Look-up tables built from the band functions above (same definitions, no call per score).
_PHQ9_BAND = tuple(phq9_band(t) for t in range(28))
_GAD7_BAND = tuple(gad7_band(t) for t in range(22))
_DAST10_BAND = tuple(dast10_band(t) for t in range(11))


def compute_scores(
    doc: IntakeDocument, age: int, assessments: list[TrialAssessment], policy: Policy
) -> dict[str, Any]:
    """Every score of the spec, in the spec's order."""
    phq9 = sum(doc.depression.phq9)
    gad7 = doc.depression.gad7
    gad7_total = sum(gad7) if gad7 is not None else None
    bp = doc.blood_pressure
    substance = doc.substance_use
    audit = sum(substance.audit_c)
    dast10 = substance.dast10
    dast = sum(dast10) + (1 if not dast10[2] else -1)  # item 3 reverse-scored
    adequate_failed, failed = count_trials(assessments)
    psychotic_now = doc.psychiatric_history.psychotic_symptoms_current
    msm = (
        msm_episode_points(doc.depression.current_episode_months)
        + msm_severity_points(phq9, psychotic_now)
        + msm_failure_points(adequate_failed)
    )
    for augmentation in doc.augmentation_trials:
        if augmentation.current_episode:
            msm += 1
            break
    for procedure in doc.procedures:
        if procedure.treatment == "ect":
            msm += 1
            break
    return {
        "age": age,
        "phq9_total": phq9,
        "phq9_band": _PHQ9_BAND[phq9],
        "gad7_total": gad7_total,
        "gad7_band": _GAD7_BAND[gad7_total] if gad7_total is not None else None,
        "cssrs_risk": cssrs_risk(doc.suicide_screen),
        "bp_category": bp_category(bp.systolic, bp.diastolic) if bp is not None else None,
        "audit_c_total": audit,
        "audit_c_positive": audit_c_positive(audit, doc.patient.sex_at_birth, policy),
        "dast10_total": dast,
        "dast10_band": _DAST10_BAND[dast],
        "adequate_failed_trials": adequate_failed,
        "failed_trials": failed,
        "msm_total": msm,
        "msm_band": msm_band(msm),
    }
