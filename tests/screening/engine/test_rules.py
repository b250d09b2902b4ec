"""Every rule, severity and boundary of the spec's flag table."""

from __future__ import annotations

import pytest

from screening.engine import MODALITIES, RULES, SEVERITIES, Policy, screen

from .builders import flag, make_doc, run, trial

ALL = list(MODALITIES)
SUICIDAL = {
    "suicide_screen.suicidal_thoughts": True,
    "suicide_screen.method": False,
    "suicide_screen.intent": False,
    "suicide_screen.plan": False,
}
LIFETIME = {
    "suicide_screen.behavior_lifetime": True,
    "suicide_screen.behavior_past_3_months": False,
}


def bp(systolic: int, diastolic: int, measured_on: str = "2026-10-30") -> dict:
    return {
        "blood_pressure": {"systolic": systolic, "diastolic": diastolic, "measured_on": measured_on}
    }


def meds(*names: str) -> dict:
    return {"current_medications": [{"name": n, "daily_dose_mg": 10} for n in names]}


TWO_ADEQUATE = {
    "antidepressant_trials": [
        trial("sertraline", 150, 10),
        trial("Effexor XR", 225, 8, response="partial"),
    ]
}

# (id, changes, code, severity, [evidence substrings])
RAISED = [
    # suicide_risk
    (
        "wish",
        {"suicide_screen.wish_to_be_dead": True},
        "suicide_risk",
        "moderate",
        ["C-SSRS Q1 wish to be dead: yes"],
    ),
    ("thoughts", SUICIDAL, "suicide_risk", "moderate", ["C-SSRS Q2 suicidal thoughts: yes"]),
    (
        "phq9 item 9",
        {"depression.phq9[8]": 1},
        "suicide_risk",
        "moderate",
        ["PHQ-9 item 9", "1 of 3"],
    ),
    (
        "method",
        {**SUICIDAL, "suicide_screen.method": True},
        "suicide_risk",
        "high",
        ["C-SSRS Q3 method: yes"],
    ),
    ("lifetime", LIFETIME, "suicide_risk", "high", ["suicidal behaviour, lifetime: yes"]),
    (
        "intent",
        {**SUICIDAL, "suicide_screen.intent": True},
        "suicide_risk",
        "urgent",
        ["C-SSRS Q4 intent: yes"],
    ),
    (
        "plan",
        {**SUICIDAL, "suicide_screen.plan": True},
        "suicide_risk",
        "urgent",
        ["C-SSRS Q5 plan: yes"],
    ),
    (
        "past 3 months",
        {**LIFETIME, "suicide_screen.behavior_past_3_months": True},
        "suicide_risk",
        "urgent",
        ["past 3 months: yes"],
    ),
    (
        "intent without Q2",
        {"suicide_screen.intent": True},
        "suicide_risk",
        "urgent",
        ["C-SSRS Q4 intent: yes (answered although Q2 is no)"],
    ),
    (
        "recent behaviour without lifetime",
        {"suicide_screen.behavior_past_3_months": True},
        "suicide_risk",
        "urgent",
        ["past 3 months: yes"],
    ),
    (
        "all listed",
        {
            **SUICIDAL,
            "suicide_screen.plan": True,
            "suicide_screen.wish_to_be_dead": True,
            "depression.phq9[8]": 3,
        },
        "suicide_risk",
        "urgent",
        ["Q1 wish", "Q2 suicidal thoughts", "Q5 plan", "3 of 3"],
    ),
    # trd
    (
        "two adequate failed",
        TWO_ADEQUATE,
        "trd_likely",
        "info",
        ["sertraline 150 mg/day for 10 weeks, no response: adequate"],
    ),
    (
        "one adequate failed",
        {"antidepressant_trials": [trial("sertraline", 150, 10)]},
        "trd_unconfirmed",
        "info",
        ["sertraline 150 mg/day for 10 weeks, no response: adequate"],
    ),
    ("no trials", {}, "trd_unconfirmed", "info", ["antidepressant trials: none reported"]),
    (
        "not rated",
        {"antidepressant_trials": [trial("sertraline", None, 10), trial("lithium", 900, 10)]},
        "trd_unconfirmed",
        "info",
        ["no dose reported: adequacy not rated", "drug not in the dose table: adequacy not rated"],
    ),
    # uncontrolled_hypertension
    (
        "140/89 high",
        bp(140, 89),
        "uncontrolled_hypertension",
        "high",
        ["blood_pressure: 140/89 (2026-10-30), 3 days before intake"],
    ),
    ("120/90 high", bp(120, 90), "uncontrolled_hypertension", "high", ["120/90"]),
    ("180/110 high", bp(180, 110), "uncontrolled_hypertension", "high", ["180/110"]),
    ("180/120 high", bp(180, 120), "uncontrolled_hypertension", "high", ["180/120"]),
    ("181/110 urgent", bp(181, 110), "uncontrolled_hypertension", "urgent", ["181/110"]),
    ("150/121 urgent", bp(150, 121), "uncontrolled_hypertension", "urgent", ["150/121"]),
    (
        "crisis exactly 90 days old",
        bp(190, 100, "2026-08-04"),
        "uncontrolled_hypertension",
        "urgent",
        ["90 days before intake"],
    ),
    (
        "crisis on the day",
        bp(190, 100, "2026-11-02"),
        "uncontrolled_hypertension",
        "urgent",
        ["on the day of intake"],
    ),
    (
        "crisis 91 days old",
        bp(190, 100, "2026-08-03"),
        "uncontrolled_hypertension",
        "moderate",
        ["91 days before intake, older than 90 days"],
    ),
    (
        "high 91 days old",
        bp(150, 95, "2026-08-03"),
        "uncontrolled_hypertension",
        "moderate",
        ["150/95"],
    ),
    (
        "known, no reading",
        {
            "blood_pressure": None,
            "medical_history.hypertension": True,
            "medical_history.hypertension_medication": True,
        },
        "uncontrolled_hypertension",
        "moderate",
        ["no reading in the 90 days before intake"],
    ),
    (
        "known, old normal reading",
        {
            **bp(118, 70, "2026-01-01"),
            "medical_history.hypertension": True,
            "medical_history.hypertension_medication": True,
        },
        "uncontrolled_hypertension",
        "moderate",
        ["(last: 118/70 on 2026-01-01)"],
    ),
    (
        "known, untreated",
        {"medical_history.hypertension": True},
        "uncontrolled_hypertension",
        "moderate",
        ["not taking blood-pressure medicine"],
    ),
    (
        "on medicine, no reading",
        {"blood_pressure": None, "medical_history.hypertension_medication": True},
        "uncontrolled_hypertension",
        "moderate",
        ["takes blood-pressure medicine, no reading"],
    ),
    (
        "known untreated and high",
        {**bp(150, 95), "medical_history.hypertension": True},
        "uncontrolled_hypertension",
        "high",
        ["150/95", "not taking blood-pressure medicine"],
    ),
    # substance_use_history
    (
        "ketamine use",
        {"substance_use.ketamine_or_pcp_nonmedical_use": True},
        "substance_use_history",
        "high",
        ["ketamine, esketamine or PCP"],
    ),
    (
        "AUDIT-C 3 female",
        {"substance_use.audit_c": [1, 1, 1]},
        "substance_use_history",
        "moderate",
        ["AUDIT-C 3 (positive at 3 or more for female sex at birth)"],
    ),
    (
        "AUDIT-C 4 male",
        {"substance_use.audit_c": [2, 1, 1], "patient.sex_at_birth": "male"},
        "substance_use_history",
        "moderate",
        ["AUDIT-C 4 (positive at 4 or more for male"],
    ),
    (
        "DAST-10 3",
        {"substance_use.dast10": [True, True, False] + [False] * 7},
        "substance_use_history",
        "moderate",
        ["DAST-10 3 (moderate"],
    ),
    (
        "SUD history",
        {"substance_use.substance_use_disorder_history": True},
        "substance_use_history",
        "moderate",
        ["use disorder"],
    ),
    (
        "ketamine and alcohol",
        {"substance_use.ketamine_or_pcp_nonmedical_use": True, "substance_use.audit_c": [4, 4, 4]},
        "substance_use_history",
        "high",
        ["PCP", "AUDIT-C 12"],
    ),
    # the others
    (
        "psychotic disorder",
        {"psychiatric_history.psychotic_disorder": True},
        "psychosis_history",
        "high",
        ["psychotic disorder diagnosed: yes"],
    ),
    (
        "psychotic now",
        {"psychiatric_history.psychotic_symptoms_current": True},
        "psychosis_history",
        "high",
        ["psychotic symptoms now: yes"],
    ),
    (
        "bipolar",
        {"psychiatric_history.bipolar_disorder": True},
        "bipolar_disorder",
        "moderate",
        ["bipolar"],
    ),
    (
        "aneurysm",
        {"medical_history.aneurysmal_vascular_disease": True},
        "vascular_contraindication",
        "high",
        ["aneurysmal vascular disease: yes"],
    ),
    (
        "AVM",
        {"medical_history.arteriovenous_malformation": True},
        "vascular_contraindication",
        "high",
        ["arteriovenous malformation: yes"],
    ),
    (
        "ICH",
        {"medical_history.intracerebral_hemorrhage": True},
        "vascular_contraindication",
        "high",
        ["haemorrhage"],
    ),
    (
        "clip",
        {"medical_history.implanted_devices": ["aneurysm_clip_or_coil"]},
        "vascular_contraindication",
        "high",
        ["aneurysm clip or coil"],
    ),
    (
        "ketamine allergy",
        {"allergies": ["penicillin", "Ketamine (rash)"]},
        "ketamine_hypersensitivity",
        "high",
        ["allergy: Ketamine (rash)"],
    ),
    (
        "esketamine allergy",
        {"allergies": ["ESKETAMINE"]},
        "ketamine_hypersensitivity",
        "high",
        ["ESKETAMINE"],
    ),
    (
        "Ketalar allergy",
        {"allergies": ["ketalar"]},
        "ketamine_hypersensitivity",
        "high",
        ["ketalar"],
    ),
    (
        "Spravato allergy",
        {"allergies": ["Spravato nasal spray"]},
        "ketamine_hypersensitivity",
        "high",
        ["Spravato"],
    ),
    (
        "unstable heart",
        {"medical_history.unstable_heart_disease": True},
        "recent_cardiovascular_event",
        "high",
        ["unstable angina"],
    ),
    (
        "MI 2 months",
        {"medical_history.myocardial_infarction_months_ago": 2},
        "recent_cardiovascular_event",
        "high",
        ["heart attack 2 months ago"],
    ),
    (
        "MI 0 months",
        {"medical_history.myocardial_infarction_months_ago": 0},
        "recent_cardiovascular_event",
        "high",
        ["heart attack less than a month ago"],
    ),
    (
        "MI 3 months",
        {"medical_history.myocardial_infarction_months_ago": 3},
        "recent_cardiovascular_event",
        "moderate",
        ["heart attack 3 months ago"],
    ),
    (
        "MI 12 months",
        {"medical_history.myocardial_infarction_months_ago": 12},
        "recent_cardiovascular_event",
        "moderate",
        ["heart attack 12 months ago"],
    ),
    (
        "stroke 1 month",
        {"medical_history.stroke_months_ago": 1},
        "recent_cardiovascular_event",
        "high",
        ["stroke 1 month ago"],
    ),
    (
        "stroke 12 months",
        {"medical_history.stroke_months_ago": 12},
        "recent_cardiovascular_event",
        "moderate",
        ["stroke 12 months ago"],
    ),
    (
        "MI 5 and stroke 2",
        {
            "medical_history.myocardial_infarction_months_ago": 5,
            "medical_history.stroke_months_ago": 2,
        },
        "recent_cardiovascular_event",
        "high",
        ["heart attack 5 months ago", "stroke 2 months ago"],
    ),
    (
        "ICP",
        {"medical_history.raised_intracranial_pressure": True},
        "raised_intracranial_pressure",
        "high",
        ["raised intracranial pressure"],
    ),
    (
        "metal",
        {"medical_history.metal_in_head": True},
        "tms_implant_or_metal",
        "high",
        ["metal in or near the head: yes"],
    ),
    *[
        (
            device,
            {"medical_history.implanted_devices": [device]},
            "tms_implant_or_metal",
            "high",
            ["implanted device: "],
        )
        for device in (
            "cochlear_implant",
            "deep_brain_stimulator",
            "vagus_nerve_stimulator",
            "other_neurostimulator",
            "cerebral_shunt",
            "aneurysm_clip_or_coil",
        )
    ],
    *[
        (
            device,
            {"medical_history.implanted_devices": [device]},
            "tms_implant_or_metal",
            "moderate",
            ["implanted device: "],
        )
        for device in ("pacemaker_or_icd", "medication_pump", "other")
    ],
    (
        "pacemaker and DBS",
        {"medical_history.implanted_devices": ["pacemaker_or_icd", "deep_brain_stimulator"]},
        "tms_implant_or_metal",
        "high",
        ["deep brain stimulator", "pacemaker or ICD"],
    ),
    ("seizures", {"medical_history.seizure_disorder": True}, "seizure_risk", "high", ["epilepsy"]),
    (
        "head injury",
        {"medical_history.head_injury_with_loss_of_consciousness": True},
        "seizure_risk",
        "moderate",
        ["head injury with loss of consciousness: yes"],
    ),
    (
        "Wellbutrin XL",
        meds("Wellbutrin XL"),
        "seizure_risk",
        "moderate",
        ["current medication: Wellbutrin XL (bupropion) 10 mg/day (lowers the seizure threshold)"],
    ),
    ("clozapine", meds("clozapine"), "seizure_risk", "moderate", ["clozapine"]),
    ("Zyban", meds("zyban"), "seizure_risk", "moderate", ["zyban (bupropion)"]),
    (
        "pregnant",
        {"medical_history.pregnant": True},
        "pregnancy_or_breastfeeding",
        "high",
        ["pregnant: yes"],
    ),
    (
        "breastfeeding",
        {"medical_history.breastfeeding": True},
        "pregnancy_or_breastfeeding",
        "high",
        ["breastfeeding: yes"],
    ),
    (
        "Xanax XR",
        meds("Xanax XR"),
        "benzodiazepine_use",
        "info",
        ["current medication: Xanax XR (alprazolam) 10 mg/day"],
    ),
    ("clonazepam", meds("Clonazepam"), "benzodiazepine_use", "info", ["clonazepam 10 mg/day"]),
    (
        "Adderall",
        meds("Adderall XR"),
        "stimulant_or_maoi_use",
        "moderate",
        ["Adderall XR (amphetamine) 10 mg/day (a psychostimulant)"],
    ),
    ("methylene blue", meds("Methylene  Blue"), "stimulant_or_maoi_use", "moderate", ["(an MAOI)"]),
    ("Emsam", meds("Emsam patch"), "stimulant_or_maoi_use", "moderate", ["(selegiline)"]),
    (
        "age 17, 18 tomorrow",
        {"patient.date_of_birth": "2008-11-03"},
        "age_outside_label",
        "moderate",
        ["age: 17"],
    ),
    (
        "age 12",
        {"patient.date_of_birth": "2014-11-02"},
        "age_outside_label",
        "moderate",
        ["age: 12"],
    ),
    (
        "PHQ-9 20",
        {"depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0]},
        "severe_depression",
        "info",
        ["PHQ-9 total: 20"],
    ),
    (
        "cystitis",
        {"medical_history.interstitial_cystitis": True},
        "bladder_disease",
        "moderate",
        ["cystitis"],
    ),
    ("liver", {"medical_history.liver_disease": True}, "liver_disease", "moderate", ["liver"]),
    ("glaucoma", {"medical_history.glaucoma": True}, "glaucoma", "moderate", ["glaucoma"]),
    (
        "ECT remission",
        {
            "procedures": [
                {"treatment": "ect", "sessions": 12, "year": 2019, "response": "remission"}
            ]
        },
        "prior_interventional_response",
        "info",
        ["procedure: ECT (12 sessions, 2019): remission"],
    ),
]


@pytest.mark.parametrize(
    ("changes", "code", "severity", "evidence"), [r[1:] for r in RAISED], ids=[r[0] for r in RAISED]
)
def test_rule_raises(changes: dict, code: str, severity: str, evidence: list[str]) -> None:
    result = run(changes)
    found = flag(result, code)
    assert found is not None, f"{code} not raised"
    assert found["severity"] == severity
    text = "\n".join(found["evidence"])
    for part in evidence:
        assert part in text
    assert found["summary"].endswith(".") and found["summary"].count(". ") == 0


# (id, changes, code that must not be raised)
NOT_RAISED = [
    ("neutral suicide", {}, "suicide_risk"),
    ("Q3 no, Q2 no", {"suicide_screen.method": False}, "suicide_risk"),
    ("139/89", bp(139, 89), "uncontrolled_hypertension"),
    ("139/89 91 days old", bp(139, 89, "2026-08-03"), "uncontrolled_hypertension"),
    (
        "known, treated, recent normal",
        {"medical_history.hypertension": True, "medical_history.hypertension_medication": True},
        "uncontrolled_hypertension",
    ),
    ("no reading, not known", {"blood_pressure": None}, "uncontrolled_hypertension"),
    (
        "AUDIT-C 3 male",
        {"substance_use.audit_c": [1, 1, 1], "patient.sex_at_birth": "male"},
        "substance_use_history",
    ),
    ("AUDIT-C 2 female", {"substance_use.audit_c": [1, 1, 0]}, "substance_use_history"),
    (
        "DAST-10 2",
        {"substance_use.dast10": [True, True] + [True] + [False] * 7},
        "substance_use_history",
    ),
    (
        "MI 13 months",
        {"medical_history.myocardial_infarction_months_ago": 13},
        "recent_cardiovascular_event",
    ),
    ("stroke 40 months", {"medical_history.stroke_months_ago": 40}, "recent_cardiovascular_event"),
    ("age 18", {"patient.date_of_birth": "2008-11-02"}, "age_outside_label"),
    ("PHQ-9 19", {"depression.phq9": [3, 3, 3, 3, 3, 3, 1, 0, 0]}, "severe_depression"),
    ("penicillin", {"allergies": ["penicillin"]}, "ketamine_hypersensitivity"),
    ("sertraline now", meds("sertraline"), "benzodiazepine_use"),
    ("sertraline now", meds("sertraline"), "seizure_risk"),
    ("sertraline now", meds("sertraline"), "stimulant_or_maoi_use"),
    ("amphetamine-like word", meds("amphetamines screen negative"), "stimulant_or_maoi_use"),
    ("methylene only", meds("methylene chloride"), "stimulant_or_maoi_use"),
    (
        "bupropion trial only",
        {"antidepressant_trials": [trial("bupropion", 300, 8)]},
        "seizure_risk",
    ),
    (
        "TMS no response",
        {"procedures": [{"treatment": "tms", "response": "partial"}]},
        "prior_interventional_response",
    ),
    (
        "oral ketamine helped",
        {"procedures": [{"treatment": "oral_ketamine", "response": "remission"}]},
        "prior_interventional_response",
    ),
    (
        "vns helped",
        {"procedures": [{"treatment": "vns", "response": "response"}]},
        "prior_interventional_response",
    ),
    ("no devices", {}, "tms_implant_or_metal"),
]


@pytest.mark.parametrize(
    ("changes", "code"), [r[1:] for r in NOT_RAISED], ids=[f"{r[0]}-{r[2]}" for r in NOT_RAISED]
)
def test_rule_not_raised(changes: dict, code: str) -> None:
    assert flag(run(changes), code) is None


def test_neutral_document_raises_only_trd_unconfirmed() -> None:
    result = run()
    assert [f["code"] for f in result["flags"]] == ["trd_unconfirmed"]


# -- modalities -------------------------------------------------------------------------------

EXPECTED_MODALITIES = {
    "suicide_risk": ALL,
    "trd_likely": ALL,
    "trd_unconfirmed": ["esketamine"],
    "uncontrolled_hypertension": ["iv_ketamine", "esketamine", "ect"],
    "substance_use_history": ["iv_ketamine", "esketamine"],
    "psychosis_history": ["iv_ketamine", "esketamine"],
    "bipolar_disorder": ALL,
    "vascular_contraindication": ["esketamine", "iv_ketamine", "ect"],
    "ketamine_hypersensitivity": ["esketamine", "iv_ketamine"],
    "recent_cardiovascular_event": ["ect", "iv_ketamine", "esketamine"],
    "raised_intracranial_pressure": ALL,
    "tms_implant_or_metal": ["tms"],
    "seizure_risk": ["tms"],
    "pregnancy_or_breastfeeding": ["iv_ketamine", "esketamine"],
    "benzodiazepine_use": ALL,
    "stimulant_or_maoi_use": ["esketamine", "iv_ketamine"],
    "age_outside_label": ["esketamine"],
    "severe_depression": ALL,
    "bladder_disease": ["iv_ketamine", "esketamine"],
    "liver_disease": ["esketamine", "iv_ketamine"],
    "glaucoma": ["iv_ketamine", "esketamine"],
}


@pytest.mark.parametrize(
    ("changes", "code"),
    [(r[1], r[2]) for r in RAISED if r[2] in EXPECTED_MODALITIES],
    ids=[r[0] for r in RAISED if r[2] in EXPECTED_MODALITIES],
)
def test_fixed_modalities(changes: dict, code: str) -> None:
    assert flag(run(changes), code)["modalities"] == EXPECTED_MODALITIES[code]


def test_registry() -> None:
    codes = [r.code for r in RULES]
    assert codes == list(EXPECTED_MODALITIES) + ["prior_interventional_response"]
    for r in RULES:
        assert r.__name__ == r.code
        assert isinstance(r.sources, str) and r.sources
        if r.code in EXPECTED_MODALITIES:
            assert list(r.modalities) == EXPECTED_MODALITIES[r.code]


@pytest.mark.parametrize(
    ("procedures", "modalities"),
    [
        ([("ect", "remission")], ["ect"]),
        ([("tms", "response"), ("ect", "response")], ["tms", "ect"]),
        (
            [("ect", "response"), ("esketamine", "remission"), ("iv_ketamine", "response")],
            ["iv_ketamine", "esketamine", "ect"],
        ),
        ([("esketamine", "remission"), ("tms", "none"), ("vns", "remission")], ["esketamine"]),
        ([("iv_ketamine", "response"), ("iv_ketamine", "remission")], ["iv_ketamine"]),
    ],
)
def test_prior_interventional_response_modalities(procedures: list, modalities: list) -> None:
    found = flag(
        run({"procedures": [{"treatment": t, "response": r} for t, r in procedures]}),
        "prior_interventional_response",
    )
    assert found["modalities"] == modalities
    assert found["severity"] == "info"
    assert len(found["evidence"]) == sum(
        t in MODALITIES and r in ("response", "remission") for t, r in procedures
    )


@pytest.mark.parametrize(
    "trials", [[], [trial("sertraline", 150, 10)], TWO_ADEQUATE["antidepressant_trials"]]
)
def test_exactly_one_trd_flag(trials: list) -> None:
    codes = [f["code"] for f in run({"antidepressant_trials": trials})["flags"]]
    assert (codes.count("trd_likely"), codes.count("trd_unconfirmed")) in {(1, 0), (0, 1)}


def test_flags_ordered_by_severity_then_code_and_modalities_summary() -> None:
    result = run(
        {
            **SUICIDAL,
            "suicide_screen.plan": True,
            **bp(150, 95),
            "medical_history.glaucoma": True,
            "medical_history.seizure_disorder": True,
            "medical_history.pregnant": True,
            **meds("lorazepam"),
            "depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 1],
        }
    )
    order = [(f["severity"], f["code"]) for f in result["flags"]]
    assert order == [
        ("urgent", "suicide_risk"),
        ("high", "pregnancy_or_breastfeeding"),
        ("high", "seizure_risk"),
        ("high", "uncontrolled_hypertension"),
        ("moderate", "glaucoma"),
        ("info", "benzodiazepine_use"),
        ("info", "severe_depression"),
        ("info", "trd_unconfirmed"),
    ]
    assert result["modalities"]["tms"] == {
        "highest_severity": "urgent",
        "flags": ["suicide_risk", "seizure_risk", "benzodiazepine_use", "severe_depression"],
    }
    assert result["modalities"]["ect"]["flags"] == [
        "suicide_risk",
        "uncontrolled_hypertension",
        "benzodiazepine_use",
        "severe_depression",
    ]


def test_modality_without_flags_is_null() -> None:
    result = run()
    assert result["modalities"]["tms"] == {"highest_severity": None, "flags": []}
    assert result["modalities"]["esketamine"] == {
        "highest_severity": "info",
        "flags": ["trd_unconfirmed"],
    }


def test_severities_and_modalities_constants() -> None:
    assert SEVERITIES == ("urgent", "high", "moderate", "info")
    assert MODALITIES == ("iv_ketamine", "esketamine", "tms", "ect")


def test_summaries_are_topics_not_decisions() -> None:
    result = run(
        {
            **SUICIDAL,
            "suicide_screen.plan": True,
            **bp(185, 95),
            "medical_history.pregnant": True,
            "psychiatric_history.bipolar_disorder": True,
            "medical_history.metal_in_head": True,
            **meds("Adderall"),
        }
    )
    for f in result["flags"]:
        text = f["summary"].lower()
        for word in (
            "eligible",
            "ineligible",
            "contraindicated",
            "must not",
            "cannot be treated",
            "diagnos",
        ):
            assert word not in text, (f["code"], text)


# -- policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "policy", "code", "before", "after"),
    [
        (bp(145, 85), Policy(bp_high_systolic=150), "uncontrolled_hypertension", "high", None),
        (
            bp(135, 85),
            Policy(bp_high_systolic=130, bp_high_diastolic=85),
            "uncontrolled_hypertension",
            None,
            "high",
        ),
        (
            bp(175, 100),
            Policy(bp_crisis_systolic=170),
            "uncontrolled_hypertension",
            "high",
            "urgent",
        ),
        (
            bp(150, 115),
            Policy(bp_crisis_diastolic=110),
            "uncontrolled_hypertension",
            "high",
            "urgent",
        ),
        (
            bp(150, 95, "2026-07-01"),
            Policy(bp_recent_days=180),
            "uncontrolled_hypertension",
            "moderate",
            "high",
        ),
        (
            bp(150, 95, "2026-10-01"),
            Policy(bp_recent_days=14),
            "uncontrolled_hypertension",
            "high",
            "moderate",
        ),
        (
            {"substance_use.audit_c": [1, 1, 1]},
            Policy(audit_c_positive_other=4),
            "substance_use_history",
            "moderate",
            None,
        ),
        (
            {"substance_use.audit_c": [1, 1, 1], "patient.sex_at_birth": "male"},
            Policy(audit_c_positive_male=3),
            "substance_use_history",
            None,
            "moderate",
        ),
        (
            {"substance_use.dast10": [True, True, True, True] + [False] * 6},
            Policy(dast10_cutoff=4),
            "substance_use_history",
            "moderate",
            None,
        ),
        (
            {"antidepressant_trials": [trial("sertraline", 150, 10)]},
            Policy(trd_adequate_failed_trials=1),
            "trd_likely",
            None,
            "info",
        ),
        (TWO_ADEQUATE, Policy(trd_adequate_failed_trials=3), "trd_unconfirmed", None, "info"),
        (TWO_ADEQUATE, Policy(min_trial_weeks=9), "trd_likely", "info", None),
    ],
)
def test_policy_changes_flags(
    changes: dict, policy: Policy, code: str, before: str | None, after: str | None
) -> None:
    doc = make_doc(changes)
    found = flag(screen(doc), code)
    assert (found and found["severity"]) == before
    found = flag(screen(doc, policy), code)
    assert (found and found["severity"]) == after


def test_policy_thresholds_appear_in_wording() -> None:
    found = flag(
        screen(make_doc(bp(135, 85)), Policy(bp_high_systolic=130)), "uncontrolled_hypertension"
    )
    assert "at or above 130/90" in found["summary"]
    found = flag(
        screen(
            make_doc(
                {
                    "blood_pressure": None,
                    "medical_history.hypertension": True,
                    "medical_history.hypertension_medication": True,
                }
            ),
            Policy(bp_recent_days=30),
        ),
        "uncontrolled_hypertension",
    )
    assert "no reading in the 30 days before intake" in found["evidence"][0]
