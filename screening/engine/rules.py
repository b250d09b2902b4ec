"""The flag rules of screening-rules.md ("Flags"), one small function per flag code.

Each rule reads a :class:`Facts` (the document, its scores, the policy and the
medication knowledge) and returns ``None`` or one flag dict. Where several of a
rule's conditions hold, the flag takes the highest severity among them and lists
every one of them as evidence; the summary is the first highest-severity
condition's. A flag is a topic for a clinician to discuss, never a decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

from .document import IntakeDocument
from .knowledge import MedicationKnowledge, MedicationMatch
from .policy import Policy
from .scores import TrialAssessment, number_text
from .vocabulary import FLAG_CODES, MODALITIES, MODALITY_LABELS, SEVERITY_RANK

ALL_FOUR = MODALITIES

Flag = dict[str, Any]
# A condition: (severity, evidence line, summary sentence used when it is the highest).
Condition = tuple[str, str, str]


class Facts:
    """Everything the rules read, computed once per screening."""

    __slots__ = (
        "medication_classes",
        "doc",
        "policy",
        "knowledge",
        "scores",
        "age",
        "trials",
        "medications",
        "completed_on",
    )

    def __init__(
        self,
        doc: IntakeDocument,
        policy: Policy,
        knowledge: MedicationKnowledge,
        scores: dict[str, Any],
        trials: list[TrialAssessment],
    ) -> None:
        self.doc = doc
        self.policy = policy
        self.knowledge = knowledge
        self.scores = scores
        self.age: int = scores["age"]
        self.trials = trials
        self.completed_on: date = doc.completed_on
        match = knowledge.match
        self.medications: list[tuple[Any, MedicationMatch]] = [
            (m, match(m.name)) for m in doc.current_medications
        ]
        classes: frozenset[str] = frozenset()
        for _, found in self.medications:
            classes |= found.classes
        self.medication_classes = classes


class Rule(Protocol):
    code: str
    sources: str
    modalities: tuple[str, ...]

    def __call__(self, facts: Facts) -> Flag | None: ...


_REGISTRY: list[Rule] = []


def rule(code: str, *, modalities: Sequence[str], sources: str) -> Callable[[Any], Rule]:
    """Register a rule function under its flag code (the function is named after the code)."""
    if code not in FLAG_CODES:
        raise ValueError(f"{code}: not a flag code of the vocabulary")
    for modality in modalities:
        if modality not in MODALITIES:
            raise ValueError(f"{code}: unknown modality {modality!r}")

    def register(fn: Any) -> Rule:
        if fn.__name__ != code:
            raise ValueError(f"rule function {fn.__name__} must be named after its code {code}")
        if any(r.code == code for r in _REGISTRY):
            raise ValueError(f"duplicate rule {code}")
        fn.code = code
        fn.sources = sources
        fn.modalities = tuple(modalities)
        _REGISTRY.append(fn)
        return fn

    return register


def make_flag(
    fn: Rule, conditions: list[Condition], modalities: Sequence[str] | None = None
) -> Flag | None:
    """The flag for the conditions that hold (None when none hold)."""
    if not conditions:
        return None
    top = conditions[0]
    if len(conditions) > 1:
        for condition in conditions:
            if SEVERITY_RANK[condition[0]] > SEVERITY_RANK[top[0]]:
                top = condition
    return {
        "code": fn.code,
        "severity": top[0],
        "modalities": list(fn.modalities if modalities is None else modalities),
        "summary": top[2],
        "evidence": [condition[1] for condition in conditions],
        "source": fn.sources,
    }


# -- wording helpers -----------------------------------------------------------


def _months(n: int) -> str:
    if n == 0:
        return "less than a month ago"
    return "1 month ago" if n == 1 else f"{n} months ago"


def _days_before(n: int) -> str:
    if n == 0:
        return "on the day of intake"
    return "1 day before intake" if n == 1 else f"{n} days before intake"


def _medication_label(medication: Any, found: MedicationMatch) -> str:
    if medication.daily_dose_mg is None:
        return found.label
    return f"{found.label} {number_text(medication.daily_dose_mg)} mg/day"


DEVICE_LABELS = {
    "cochlear_implant": "cochlear implant",
    "deep_brain_stimulator": "deep brain stimulator",
    "vagus_nerve_stimulator": "vagus nerve stimulator",
    "other_neurostimulator": "other neurostimulator",
    "cerebral_shunt": "cerebral shunt",
    "aneurysm_clip_or_coil": "aneurysm clip or coil",
    "pacemaker_or_icd": "pacemaker or ICD",
    "medication_pump": "medication pump",
    "other": "other implanted device",
}

# -- sources (screening-rules.md, "Sources") -------------------------------------

SPRAVATO = "SPRAVATO (esketamine) US prescribing information; SPRAVATO REMS"
SANACORA = "Sanacora et al., JAMA Psychiatry 2017;74(4):399-405"
OXFORD = "Oxford Health NHS ketamine service exclusions"
APA_ECT = "APA Task Force on ECT (2001), conditions of substantial risk"
TMS_SAFETY = (
    "TMS device labelling (metal within 30 cm of the coil); Rossi et al., IFCN safety "
    "guidelines, Clin Neurophysiol 2009 and 2021"
)
TRD_SOURCES = (
    "Depression and Anxiety 2021;38(4):456-467 (Table 3); Sforzini et al., Mol Psychiatry 2022 "
    "(EU-PEARL Delphi); SPRAVATO label and pivotal-trial entry criteria; MGH Antidepressant "
    "Treatment Response Questionnaire, supplementary dose table; MGH staging (Fava 2003)"
)


# -- the rules, in the order of the spec's table ---------------------------------


@rule(
    "suicide_risk",
    modalities=ALL_FOUR,
    sources="C-SSRS screener triage: Columbia Lighthouse Project; PHQ-9: Kroenke et al. 2001",
)
def suicide_risk(facts: Facts) -> Flag | None:
    s = facts.doc.suicide_screen
    item9 = facts.doc.depression.phq9[8]
    if not (
        s.wish_to_be_dead
        or s.suicidal_thoughts
        or s.method
        or s.intent
        or s.plan
        or s.behavior_lifetime
        or s.behavior_past_3_months
        or item9
    ):
        return None
    urgent = high = ""
    if s.intent or s.plan or s.behavior_past_3_months:
        why = [
            text
            for answer, text in (
                (s.intent, "intent"),
                (s.plan, "a plan"),
                (s.behavior_past_3_months, "suicidal behaviour in the past 3 months"),
            )
            if answer
        ]
        urgent = (
            f"C-SSRS answers show high suicide risk ({' and '.join(why)}): contact the "
            "patient today for a safety assessment."
        )
    elif s.method or s.behavior_lifetime:
        why = [
            text
            for answer, text in (
                (s.method, "a method considered"),
                (s.behavior_lifetime, "suicidal behaviour in the past"),
            )
            if answer
        ]
        high = (
            f"C-SSRS answers show moderate suicide risk ({' and '.join(why)}): assess safety "
            "before planning treatment."
        )
    moderate = (
        "Thoughts of death or suicide were reported: assess safety and plan follow-up "
        "at the consult."
    )
    unasked = "" if s.suicidal_thoughts else " (answered although Q2 is no)"
    conditions: list[Condition] = []
    if s.wish_to_be_dead:
        conditions.append(("moderate", "C-SSRS Q1 wish to be dead: yes", moderate))
    if s.suicidal_thoughts:
        conditions.append(("moderate", "C-SSRS Q2 suicidal thoughts: yes", moderate))
    if s.method:
        conditions.append(("high", f"C-SSRS Q3 method: yes{unasked}", high))
    if s.intent:
        conditions.append(("urgent", f"C-SSRS Q4 intent: yes{unasked}", urgent))
    if s.plan:
        conditions.append(("urgent", f"C-SSRS Q5 plan: yes{unasked}", urgent))
    if s.behavior_lifetime:
        conditions.append(("high", "C-SSRS Q6 suicidal behaviour, lifetime: yes", high))
    if s.behavior_past_3_months:
        conditions.append(
            ("urgent", "C-SSRS Q6 suicidal behaviour in the past 3 months: yes", urgent)
        )
    if item9:
        conditions.append(
            (
                "moderate",
                f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm): {item9} of 3",
                "PHQ-9 item 9 reports thoughts of death or self-harm: ask about them and assess "
                "safety at the consult.",
            )
        )
    return make_flag(suicide_risk, conditions)


def _trial_evidence(facts: Facts) -> list[str]:
    return [t.evidence for t in facts.trials] or ["antidepressant trials: none reported"]


def _adequate_failed_names(facts: Facts) -> str:
    names: list[str] = []
    for t in facts.trials:
        if t.adequate and t.failed and t.key not in names:
            names.append(t.key)
    return ", ".join(names)


@rule("trd_likely", modalities=ALL_FOUR, sources=TRD_SOURCES)
def trd_likely(facts: Facts) -> Flag | None:
    n = facts.scores["adequate_failed_trials"]
    needed = facts.policy.trd_adequate_failed_trials
    if n < needed:
        return None
    medications = "medication" if n == 1 else "medications"
    summary = (
        f"The treatment history shows {n} {medications} with an adequate failed trial in "
        f"this episode ({_adequate_failed_names(facts)}), meeting the {needed}-trial "
        "definition of treatment-resistant depression: confirm the history at the consult."
    )
    return make_flag(trd_likely, [("info", e, summary) for e in _trial_evidence(facts)])


@rule("trd_unconfirmed", modalities=("esketamine",), sources=TRD_SOURCES)
def trd_unconfirmed(facts: Facts) -> Flag | None:
    n = facts.scores["adequate_failed_trials"]
    needed = facts.policy.trd_adequate_failed_trials
    if n >= needed:
        return None
    medications = "medication" if n == 1 else "medications"
    summary = (
        f"The treatment history shows {n} {medications} with an adequate failed trial in "
        f"this episode, fewer than the {needed} that define treatment-resistant depression "
        "(esketamine's label requires them): review doses, durations and responses."
    )
    return make_flag(trd_unconfirmed, [("info", e, summary) for e in _trial_evidence(facts)])


@rule(
    "uncontrolled_hypertension",
    modalities=("iv_ketamine", "esketamine", "ect"),
    sources=(
        "SPRAVATO US prescribing information (BP above 140/90 as a general guide); "
        "Whelton et al., ACC/AHA 2017 guideline; " + SANACORA + "; " + APA_ECT
    ),
)
def uncontrolled_hypertension(facts: Facts) -> Flag | None:
    doc = facts.doc
    history = doc.medical_history
    bp = doc.blood_pressure
    known = history.hypertension or history.hypertension_medication
    p = facts.policy
    high = bp is not None and (
        bp.systolic >= p.bp_high_systolic or bp.diastolic >= p.bp_high_diastolic
    )
    if not (high or known):
        return None
    recent = False
    conditions: list[Condition] = []
    if bp is not None:
        days = (facts.completed_on - bp.measured_on).days
        recent = 0 <= days <= p.bp_recent_days
        if high:
            reading = f"{bp.systolic}/{bp.diastolic}"
            evidence = (
                f"blood_pressure: {reading} ({bp.measured_on.isoformat()}), {_days_before(days)}"
            )
            when = f"{reading} on {bp.measured_on.isoformat()}"
            crisis = bp.systolic > p.bp_crisis_systolic or bp.diastolic > p.bp_crisis_diastolic
            if recent and crisis:
                conditions.append(
                    (
                        "urgent",
                        evidence,
                        f"Blood pressure {when} is above {p.bp_crisis_systolic}/"
                        f"{p.bp_crisis_diastolic}, the hypertensive crisis range: "
                        "arrange a medical assessment today.",
                    )
                )
            elif recent and high:
                conditions.append(
                    (
                        "high",
                        evidence,
                        f"Blood pressure {when} is at or above {p.bp_high_systolic}/"
                        f"{p.bp_high_diastolic}: discuss before treatment.",
                    )
                )
            elif high:
                conditions.append(
                    (
                        "moderate",
                        f"{evidence}, older than {p.bp_recent_days} days",
                        f"The last blood pressure reading, {when}, is at or above "
                        f"{p.bp_high_systolic}/{p.bp_high_diastolic} but older than "
                        f"{p.bp_recent_days} days: re-measure before treatment.",
                    )
                )
    if known:
        what = "known hypertension" if history.hypertension else "takes blood-pressure medicine"
        if not recent:
            last = ""
            if bp is not None:
                last = f" (last: {bp.systolic}/{bp.diastolic} on {bp.measured_on.isoformat()})"
            conditions.append(
                (
                    "moderate",
                    f"{what}, no reading in the {p.bp_recent_days} days before intake{last}",
                    f"Known hypertension without a blood pressure reading in the last "
                    f"{p.bp_recent_days} days: measure before treatment.",
                )
            )
        if not history.hypertension_medication:
            conditions.append(
                (
                    "moderate",
                    "known hypertension, not taking blood-pressure medicine",
                    "Known hypertension not treated with medicine: check blood pressure control "
                    "before treatment.",
                )
            )
    return make_flag(uncontrolled_hypertension, conditions)


@rule(
    "substance_use_history",
    modalities=("iv_ketamine", "esketamine"),
    sources=(
        SANACORA
        + "; "
        + OXFORD
        + "; "
        + SPRAVATO
        + "; AUDIT-C: Bush 1998, Bradley 2003; DAST-10: Skinner 1982"
    ),
)
def substance_use_history(facts: Facts) -> Flag | None:
    su = facts.doc.substance_use
    scores = facts.scores
    cutoff = facts.policy.dast10_cutoff
    if not (
        su.ketamine_or_pcp_nonmedical_use
        or scores["audit_c_positive"]
        or scores["dast10_total"] >= cutoff
        or su.substance_use_disorder_history
    ):
        return None
    moderate = (
        "Alcohol or drug use answers are positive on screening: discuss use and misuse "
        "risk before ketamine or esketamine."
    )
    conditions: list[Condition] = []
    if su.ketamine_or_pcp_nonmedical_use:
        conditions.append(
            (
                "high",
                "ketamine, esketamine or PCP used other than as prescribed: yes",
                "Non-medical use of ketamine, esketamine or PCP was reported: discuss misuse risk "
                "before ketamine or esketamine.",
            )
        )
    if scores["audit_c_positive"]:
        sex = facts.doc.patient.sex_at_birth
        cut = (
            facts.policy.audit_c_positive_male
            if sex == "male"
            else facts.policy.audit_c_positive_other
        )
        conditions.append(
            (
                "moderate",
                f"AUDIT-C {scores['audit_c_total']} "
                f"(positive at {cut} or more for {sex} sex at birth)",
                moderate,
            )
        )
    if scores["dast10_total"] >= cutoff:
        conditions.append(
            (
                "moderate",
                f"DAST-10 {scores['dast10_total']} ({scores['dast10_band']}; "
                f"flagged at {cutoff} or more)",
                moderate,
            )
        )
    if su.substance_use_disorder_history:
        conditions.append(
            ("moderate", "drug or alcohol use disorder, diagnosed or treated: yes", moderate)
        )
    return make_flag(substance_use_history, conditions)


@rule(
    "psychosis_history",
    modalities=("iv_ketamine", "esketamine"),
    sources=SANACORA + "; " + OXFORD + "; " + SPRAVATO,
)
def psychosis_history(facts: Facts) -> Flag | None:
    h = facts.doc.psychiatric_history
    if not (h.psychotic_disorder or h.psychotic_symptoms_current):
        return None
    summary = (
        "A psychotic disorder or current psychotic symptoms were reported: discuss before "
        "ketamine or esketamine."
    )
    conditions: list[Condition] = []
    if h.psychotic_disorder:
        conditions.append(("high", "psychotic disorder diagnosed: yes", summary))
    if h.psychotic_symptoms_current:
        conditions.append(("high", "psychotic symptoms now: yes", summary))
    return make_flag(psychosis_history, conditions)


@rule("bipolar_disorder", modalities=ALL_FOUR, sources=SANACORA + "; " + OXFORD + "; " + SPRAVATO)
def bipolar_disorder(facts: Facts) -> Flag | None:
    if not facts.doc.psychiatric_history.bipolar_disorder:
        return None
    return make_flag(
        bipolar_disorder,
        [
            (
                "moderate",
                "bipolar disorder or a past manic/hypomanic episode: yes",
                "Bipolar disorder or a past manic or hypomanic episode was reported: "
                "discuss the risk of switching into mania and mood-stabiliser cover.",
            )
        ],
    )


@rule(
    "vascular_contraindication",
    modalities=("esketamine", "iv_ketamine", "ect"),
    sources=SPRAVATO + "; " + SANACORA + "; " + APA_ECT,
)
def vascular_contraindication(facts: Facts) -> Flag | None:
    h = facts.doc.medical_history
    if not (
        h.aneurysmal_vascular_disease
        or h.arteriovenous_malformation
        or h.intracerebral_hemorrhage
        or "aneurysm_clip_or_coil" in h.implanted_devices
    ):
        return None
    summary = (
        "Aneurysmal or arteriovenous vascular disease, a past brain bleed or an aneurysm "
        "clip or coil was reported: discuss before esketamine, IV ketamine or ECT."
    )
    conditions: list[Condition] = []
    if h.aneurysmal_vascular_disease:
        conditions.append(("high", "aneurysmal vascular disease: yes", summary))
    if h.arteriovenous_malformation:
        conditions.append(("high", "arteriovenous malformation: yes", summary))
    if h.intracerebral_hemorrhage:
        conditions.append(("high", "intracerebral haemorrhage, ever: yes", summary))
    if "aneurysm_clip_or_coil" in h.implanted_devices:
        conditions.append(("high", "implanted device: aneurysm clip or coil", summary))
    return make_flag(vascular_contraindication, conditions)


KETAMINE_ALLERGY_TERMS = ("ketamine", "ketalar", "spravato")


@rule(
    "ketamine_hypersensitivity",
    modalities=("esketamine", "iv_ketamine"),
    sources=SPRAVATO + "; " + SANACORA,
)
def ketamine_hypersensitivity(facts: Facts) -> Flag | None:
    if not facts.doc.allergies:
        return None
    summary = (
        "An allergy to ketamine or esketamine was reported: discuss before esketamine or "
        "IV ketamine."
    )
    conditions: list[Condition] = []
    for allergy in facts.doc.allergies:
        text = allergy.casefold()
        if "ketamine" in text or "ketalar" in text or "spravato" in text:
            conditions.append(("high", f"allergy: {allergy.strip()}", summary))
    return make_flag(ketamine_hypersensitivity, conditions)


@rule(
    "recent_cardiovascular_event",
    modalities=("ect", "iv_ketamine", "esketamine"),
    sources=APA_ECT
    + "; 3 months after myocardial infarction as the usual interval; "
    + SPRAVATO
    + "; "
    + SANACORA,
)
def recent_cardiovascular_event(facts: Facts) -> Flag | None:
    h = facts.doc.medical_history
    heart, stroke = h.myocardial_infarction_months_ago, h.stroke_months_ago
    if not (
        h.unstable_heart_disease
        or (heart is not None and heart <= 12)
        or (stroke is not None and stroke <= 12)
    ):
        return None
    high = (
        "Unstable heart disease, or a heart attack or stroke less than 3 months ago, was "
        "reported: discuss cardiac risk before ECT, IV ketamine or esketamine."
    )
    moderate = (
        "A heart attack or stroke 3 to 12 months ago was reported: discuss cardiac risk "
        "before ECT, IV ketamine or esketamine."
    )
    conditions: list[Condition] = []
    if h.unstable_heart_disease:
        conditions.append(("high", "unstable angina or uncontrolled heart failure: yes", high))
    for months, what in (
        (heart, "heart attack"),
        (stroke, "stroke"),
    ):
        if months is None or months > 12:
            continue
        if months < 3:
            conditions.append(("high", f"{what} {_months(months)}", high))
        else:
            conditions.append(("moderate", f"{what} {_months(months)}", moderate))
    return make_flag(recent_cardiovascular_event, conditions)


@rule(
    "raised_intracranial_pressure",
    modalities=ALL_FOUR,
    sources=APA_ECT + "; " + SANACORA + "; " + SPRAVATO + "; " + TMS_SAFETY,
)
def raised_intracranial_pressure(facts: Facts) -> Flag | None:
    if not facts.doc.medical_history.raised_intracranial_pressure:
        return None
    return make_flag(
        raised_intracranial_pressure,
        [
            (
                "high",
                "raised intracranial pressure, brain tumour or other mass: yes",
                "Raised pressure in the head or a brain mass was reported: "
                "discuss before any of the four treatments.",
            )
        ],
    )


TMS_HIGH_DEVICES = (
    "cochlear_implant",
    "deep_brain_stimulator",
    "vagus_nerve_stimulator",
    "other_neurostimulator",
    "cerebral_shunt",
    "aneurysm_clip_or_coil",
)
TMS_MODERATE_DEVICES = ("pacemaker_or_icd", "medication_pump", "other")


@rule("tms_implant_or_metal", modalities=("tms",), sources=TMS_SAFETY)
def tms_implant_or_metal(facts: Facts) -> Flag | None:
    h = facts.doc.medical_history
    devices = h.implanted_devices
    if not (h.metal_in_head or devices):
        return None
    high = (
        "Metal or an implanted device in or near the head was reported: check compatibility "
        "with the TMS coil before TMS."
    )
    moderate = "An implanted device was reported: check it with the device's maker before TMS."
    conditions: list[Condition] = []
    if h.metal_in_head:
        conditions.append(("high", "metal in or near the head: yes", high))
    for device in TMS_HIGH_DEVICES:
        if device in devices:
            conditions.append(("high", f"implanted device: {DEVICE_LABELS[device]}", high))
    for device in TMS_MODERATE_DEVICES:
        if device in devices:
            conditions.append(("moderate", f"implanted device: {DEVICE_LABELS[device]}", moderate))
    return make_flag(tms_implant_or_metal, conditions)


@rule("seizure_risk", modalities=("tms",), sources=TMS_SAFETY)
def seizure_risk(facts: Facts) -> Flag | None:
    h = facts.doc.medical_history
    lowering = "seizure_threshold_lowering" in facts.medication_classes
    if not (h.seizure_disorder or h.head_injury_with_loss_of_consciousness or lowering):
        return None
    moderate = (
        "A head injury with loss of consciousness or a medicine that lowers the seizure "
        "threshold was reported: discuss seizure risk before TMS."
    )
    conditions: list[Condition] = []
    if h.seizure_disorder:
        conditions.append(
            (
                "high",
                "epilepsy or a seizure not caused by ECT: yes",
                "Epilepsy or a past seizure was reported: discuss seizure risk before TMS.",
            )
        )
    if h.head_injury_with_loss_of_consciousness:
        conditions.append(("moderate", "head injury with loss of consciousness: yes", moderate))
    for medication, found in facts.medications if lowering else ():
        if "seizure_threshold_lowering" in found.classes:
            conditions.append(
                (
                    "moderate",
                    f"current medication: {_medication_label(medication, found)} "
                    "(lowers the seizure threshold)",
                    moderate,
                )
            )
    return make_flag(seizure_risk, conditions)


@rule(
    "pregnancy_or_breastfeeding",
    modalities=("iv_ketamine", "esketamine"),
    sources=SPRAVATO + "; " + SANACORA,
)
def pregnancy_or_breastfeeding(facts: Facts) -> Flag | None:
    h = facts.doc.medical_history
    if not (h.pregnant or h.breastfeeding):
        return None
    summary = (
        "Pregnancy or breastfeeding was reported: discuss risks to the baby before IV "
        "ketamine or esketamine."
    )
    conditions: list[Condition] = []
    if h.pregnant:
        conditions.append(("high", "pregnant: yes", summary))
    if h.breastfeeding:
        conditions.append(("high", "breastfeeding: yes", summary))
    return make_flag(pregnancy_or_breastfeeding, conditions)


@rule(
    "benzodiazepine_use",
    modalities=ALL_FOUR,
    sources=(
        "Andrashko et al., Front Psychiatry 2020 (benzodiazepines and ketamine response); "
        "Deppe et al. 2021 (benzodiazepines and TMS); " + APA_ECT
    ),
)
def benzodiazepine_use(facts: Facts) -> Flag | None:
    if "benzodiazepine" not in facts.medication_classes:
        return None
    summary = (
        "A benzodiazepine is taken now (it may blunt ketamine and TMS response and raises "
        "the seizure threshold in ECT): discuss dose and timing around treatment."
    )
    conditions: list[Condition] = [
        ("info", f"current medication: {_medication_label(medication, found)}", summary)
        for medication, found in facts.medications
        if "benzodiazepine" in found.classes
    ]
    return make_flag(benzodiazepine_use, conditions)


@rule(
    "stimulant_or_maoi_use",
    modalities=("esketamine", "iv_ketamine"),
    sources=SPRAVATO + " (psychostimulants and MAOIs may raise blood pressure); " + SANACORA,
)
def stimulant_or_maoi_use(facts: Facts) -> Flag | None:
    classes = facts.medication_classes
    if "stimulant" not in classes and "maoi" not in classes:
        return None
    summary = (
        "A psychostimulant or MAOI is taken now (blood pressure may rise with esketamine or "
        "ketamine): review the medicine and monitor blood pressure."
    )
    conditions: list[Condition] = []
    for medication, found in facts.medications:
        classes = found.classes
        kinds = [
            kind
            for cls, kind in (("stimulant", "a psychostimulant"), ("maoi", "an MAOI"))
            if cls in classes
        ]
        if kinds:
            conditions.append(
                (
                    "moderate",
                    f"current medication: {_medication_label(medication, found)} "
                    f"({' and '.join(kinds)})",
                    summary,
                )
            )
    return make_flag(stimulant_or_maoi_use, conditions)


@rule("age_outside_label", modalities=("esketamine",), sources=SPRAVATO)
def age_outside_label(facts: Facts) -> Flag | None:
    age = facts.age
    if age >= 18:
        return None
    return make_flag(
        age_outside_label,
        [
            (
                "moderate",
                f"age: {age} (esketamine is labelled for adults)",
                f"The patient is {age}, under the adult age of the esketamine label: discuss "
                "off-label use and alternatives.",
            )
        ],
    )


@rule(
    "severe_depression",
    modalities=ALL_FOUR,
    sources="PHQ-9: Kroenke et al. 2001; Maudsley Staging Method: Fekadu et al., "
    "BMC Psychiatry 2018;18:100",
)
def severe_depression(facts: Facts) -> Flag | None:
    total = facts.scores["phq9_total"]
    if total < 20:
        return None
    return make_flag(
        severe_depression,
        [
            (
                "info",
                f"PHQ-9 total: {total} of 27 (severe)",
                f"PHQ-9 total {total} is in the severe range: "
                "weigh the urgency of treatment at the consult.",
            )
        ],
    )


@rule(
    "bladder_disease", modalities=("iv_ketamine", "esketamine"), sources=SPRAVATO + "; " + SANACORA
)
def bladder_disease(facts: Facts) -> Flag | None:
    if not facts.doc.medical_history.interstitial_cystitis:
        return None
    return make_flag(
        bladder_disease,
        [
            (
                "moderate",
                "interstitial or ulcerative cystitis, or chronic bladder pain: yes",
                "Bladder disease was reported (ketamine and esketamine can cause cystitis): "
                "discuss before treatment.",
            )
        ],
    )


@rule(
    "liver_disease",
    modalities=("esketamine", "iv_ketamine"),
    sources=SPRAVATO + " (hepatic impairment); " + SANACORA,
)
def liver_disease(facts: Facts) -> Flag | None:
    if not facts.doc.medical_history.liver_disease:
        return None
    return make_flag(
        liver_disease,
        [
            (
                "moderate",
                "cirrhosis or other serious liver disease: yes",
                "Serious liver disease was reported: "
                "discuss dosing and monitoring before esketamine or IV ketamine.",
            )
        ],
    )


@rule("glaucoma", modalities=("iv_ketamine", "esketamine"), sources=SANACORA + "; " + OXFORD)
def glaucoma(facts: Facts) -> Flag | None:
    if not facts.doc.medical_history.glaucoma:
        return None
    return make_flag(
        glaucoma,
        [
            (
                "moderate",
                "glaucoma or raised pressure in the eye: yes",
                "Glaucoma or raised eye pressure was reported (ketamine can raise eye pressure): "
                "discuss before IV ketamine or esketamine.",
            )
        ],
    )


@rule(
    "prior_interventional_response",
    modalities=ALL_FOUR,
    sources="Treatment history; Maudsley Staging Method: Fekadu et al., BMC Psychiatry 2018;18:100",
)
def prior_interventional_response(facts: Facts) -> Flag | None:
    if not facts.doc.procedures:
        return None
    worked: set[str] = set()
    conditions: list[Condition] = []
    for p in facts.doc.procedures:
        if p.treatment in MODALITY_LABELS and p.response in ("response", "remission"):
            worked.add(p.treatment)
            details = []
            if p.sessions is not None:
                details.append("1 session" if p.sessions == 1 else f"{p.sessions} sessions")
            if p.year is not None:
                details.append(str(p.year))
            extra = f" ({', '.join(details)})" if details else ""
            conditions.append(
                ("info", f"procedure: {MODALITY_LABELS[p.treatment]}{extra}: {p.response}", "")
            )
    if not conditions:
        return None
    names = [MODALITY_LABELS[m] for m in MODALITIES if m in worked]
    treatments = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    summary = f"{treatments} helped before: weigh this history when discussing treatment options."
    conditions[0] = (conditions[0][0], conditions[0][1], summary)
    return make_flag(
        prior_interventional_response, conditions, [m for m in MODALITIES if m in worked]
    )


RULES: tuple[Rule, ...] = tuple(_REGISTRY)
