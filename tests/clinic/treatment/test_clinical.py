"""The pure clinical rules and session documents, without Django:
`pytest tests/clinic/treatment/test_clinical.py -p no:django`."""

from __future__ import annotations

import datetime

import pytest

from clinic.treatment import clinical as c
from clinic.treatment import documents as d
from screening.engine.concomitant import concomitant_medicines, rems_categories

T = datetime.time


# -- vitals limits ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "codes"),
    [
        (c.Reading(179, 109, 50, 92), []),
        (c.Reading(180, 80), ["systolic_high"]),
        (c.Reading(120, 110), ["diastolic_high"]),
        (c.Reading(heart_rate=49), ["heart_rate_low"]),
        (c.Reading(heart_rate=121), ["heart_rate_high"]),
        (c.Reading(heart_rate=120), []),
        (c.Reading(spo2=91), ["spo2_low"]),
        (c.Reading(spo2=92), []),
        (
            c.Reading(200, 120, 130, 85),
            ["systolic_high", "diastolic_high", "heart_rate_high", "spo2_low"],
        ),
    ],
)
def test_seeded_limits_mark_readings_outside_them(reading, codes):
    assert c.out_of_limits(reading) == codes


def test_limits_are_the_clinics_and_checked():
    strict = c.VitalsLimits(systolic_high=160)
    assert c.out_of_limits(c.Reading(160, 90), strict) == ["systolic_high"]
    with pytest.raises(ValueError, match="heart_rate_low"):
        c.VitalsLimits(heart_rate_low=130, heart_rate_high=120)
    with pytest.raises(ValueError, match="spo2_low: must be between"):
        c.VitalsLimits(spo2_low=101)
    assert c.describe_out_of_limits(["spo2_low"]) == "SpO2 < 92%"


# -- pre-dose blood pressure ------------------------------------------------------


def test_predose_threshold_is_at_or_above_the_policy_value():
    assert c.predose_bp_high(140, 80, high_systolic=140, high_diastolic=90)
    assert c.predose_bp_high(130, 90, high_systolic=140, high_diastolic=90)
    assert not c.predose_bp_high(139, 89, high_systolic=140, high_diastolic=90)


def test_predose_decision_is_asked_for_and_proceeding_needs_a_reason():
    assert c.predose_decision_problems(bp_high=False, decision=None, reason=None) == []
    assert c.predose_decision_problems(bp_high=True, decision=None, reason=None)[0][0] == (
        "predose_bp_decision"
    )
    assert c.predose_decision_problems(bp_high=True, decision="proceed", reason=" ") == [
        ("predose_bp_reason", "Give the reason for proceeding.")
    ]
    assert (
        c.predose_decision_problems(bp_high=True, decision="proceed", reason="rechecked 138/86")
        == []
    )
    assert c.predose_decision_problems(bp_high=True, decision="hold", reason=None) == []
    assert c.predose_decision_problems(bp_high=True, decision="recheck", reason=None)


# -- the 2-hour rule ----------------------------------------------------------------

NONE_OBSERVED = dict.fromkeys(c.ESKETAMINE_EFFECTS, (False, None))


def test_discharge_at_two_hours_needs_no_reason():
    assert (
        c.esketamine_discharge_problems(
            first_device=T(9, 10), discharge=T(11, 10), effects=NONE_OBSERVED, early_reason=None
        )
        == []
    )


def test_discharge_before_two_hours_needs_a_reason():
    problems = c.esketamine_discharge_problems(
        first_device=T(9, 10), discharge=T(11, 9), effects=NONE_OBSERVED, early_reason=""
    )
    assert problems == [
        (
            "early_discharge_reason",
            "Discharge after 119 minutes is before the 2 hours of monitoring: give the reason.",
        )
    ]
    assert not c.esketamine_discharge_problems(
        first_device=T(9, 10), discharge=T(11, 0), effects=NONE_OBSERVED, early_reason="ED transfer"
    )


def test_discharge_waits_for_every_effect_to_resolve():
    effects = {**NONE_OBSERVED, "dissociation": (True, None), "sedation": (True, T(11, 30))}
    problems = dict(
        c.esketamine_discharge_problems(
            first_device=T(9, 0), discharge=T(11, 15), effects=effects, early_reason=None
        )
    )
    assert set(problems) == {"dissociation_resolved", "sedation_resolved"}
    assert "after the discharge" in problems["sedation_resolved"]


# -- IV ketamine ----------------------------------------------------------------------


def test_ketamine_total_and_maximum():
    assert c.ketamine_total_mg(72.5, 0.5) == 36.2 or c.ketamine_total_mg(72.5, 0.5) == 36.3
    assert c.ketamine_total_mg(70, 0.5) == 35.0
    assert c.ketamine_total_mg(None, 0.5) is None
    assert (
        c.ketamine_dose_problems(weight_kg=70, mg_per_kg=0.5, max_mg_per_kg=1, max_total_mg=150)
        == []
    )
    over = c.ketamine_dose_problems(weight_kg=70, mg_per_kg=1.2, max_mg_per_kg=1, max_total_mg=150)
    assert over == [("dose_mg_per_kg", "1.2 mg/kg is above the clinic maximum of 1 mg/kg.")]
    heavy = c.ketamine_dose_problems(weight_kg=180, mg_per_kg=1, max_mg_per_kg=1, max_total_mg=150)
    assert heavy == [
        ("dose_mg_per_kg", "The total of 180 mg is above the clinic maximum of 150 mg.")
    ]


def test_ketamine_timepoints_in_order():
    assert c.next_timepoint([15, 30, 45, 60], 0) == 15
    assert c.next_timepoint([60, 15], 1) == 60
    assert c.next_timepoint([15], 1) is None


# -- TMS ------------------------------------------------------------------------------


def test_tms_billing_codes():
    assert c.tms_billing_code(determined_today=True, earlier_determination=False) == "90867"
    assert c.tms_billing_code(determined_today=False, earlier_determination=True) == "90868"
    assert c.tms_billing_code(determined_today=False, earlier_determination=False) == "90868"
    assert c.tms_billing_code(determined_today=True, earlier_determination=True) == "90869"


def test_motor_threshold_prompt_weekly_or_when_medicines_change():
    day = datetime.date(2026, 3, 9)
    assert (
        c.motor_threshold_due(
            last_determined=day - datetime.timedelta(days=6), today=day, medicines_changed=False
        )
        is None
    )
    assert (
        c.motor_threshold_due(
            last_determined=day - datetime.timedelta(days=7), today=day, medicines_changed=False
        )
        == "last determined 7 days ago"
    )
    assert c.motor_threshold_due(last_determined=day, today=day, medicines_changed=True) == (
        "medicines changed since it was determined"
    )
    assert c.motor_threshold_due(last_determined=None, today=day, medicines_changed=False)


# -- ECT MoCA -----------------------------------------------------------------------------


def test_moca_prompts_at_baseline_before_the_third_and_after_the_course():
    assert c.moca_due(session_number=1, done=[], course_complete=False) == "baseline"
    assert c.moca_due(session_number=2, done=["baseline"], course_complete=False) is None
    assert c.moca_due(session_number=3, done=["baseline"], course_complete=False) == "before_third"
    assert (
        c.moca_due(session_number=3, done=["baseline", "before_third"], course_complete=False)
        is None
    )
    assert c.moca_due(
        session_number=9, done=["baseline", "before_third"], course_complete=True
    ) == ("after_course")
    assert c.moca_due(session_number=9, done=["after_course"], course_complete=True) is None


# -- the REMS form's 7 days ------------------------------------------------------------------


def test_rems_days_left_count_calendar_days():
    friday = datetime.date(2026, 3, 6)
    assert c.rems_due_date(friday) == datetime.date(2026, 3, 13)
    assert c.rems_days_left(friday, friday) == 7
    assert c.rems_days_left(friday, datetime.date(2026, 3, 11)) == 2
    assert c.rems_days_left(friday, datetime.date(2026, 3, 13)) == 0
    assert c.rems_days_left(friday, datetime.date(2026, 3, 15)) == -2


# -- what is due next, state ----------------------------------------------------------------


def test_next_due_walks_through_an_esketamine_session():
    common = {"modality": "esketamine", "timepoints": (0, 40)}
    assert c.next_due(
        state="not_started",
        dose_time=None,
        checks_done=0,
        has_predose_bp=False,
        has_discharge_bp=False,
        **common,
    ) == ("check_in", None)
    assert c.next_due(
        state="in_progress",
        dose_time=None,
        checks_done=0,
        has_predose_bp=False,
        has_discharge_bp=False,
        **common,
    ) == ("predose_bp", None)
    assert c.next_due(
        state="monitoring",
        dose_time=T(9, 10),
        checks_done=0,
        has_predose_bp=True,
        has_discharge_bp=False,
        **common,
    ) == ("bp_check", T(9, 50))
    assert c.next_due(
        state="monitoring",
        dose_time=T(9, 10),
        checks_done=1,
        has_predose_bp=True,
        has_discharge_bp=False,
        **common,
    ) == ("discharge_bp", T(11, 10))
    assert c.next_due(
        state="signed",
        dose_time=T(9, 10),
        checks_done=1,
        has_predose_bp=True,
        has_discharge_bp=True,
        rems_submitted=False,
        **common,
    ) == ("rems_form", None)


def test_next_due_ketamine_vitals_at_the_time_points():
    args = {
        "modality": "iv_ketamine",
        "state": "monitoring",
        "dose_time": T(9, 0),
        "has_predose_bp": True,
        "has_discharge_bp": False,
        "timepoints": (0, 15, 30, 45, 60),
    }
    assert c.next_due(checks_done=0, **args) == ("vitals", T(9, 15))
    assert c.next_due(checks_done=3, **args) == ("vitals", T(10, 0))
    assert c.next_due(checks_done=4, **args) == ("discharge_bp", None)


def test_session_state():
    assert (
        c.session_state(started=False, dosed=False, discharged=False, signed=False) == "not_started"
    )
    assert (
        c.session_state(started=True, dosed=False, discharged=False, signed=False) == "in_progress"
    )
    assert c.session_state(started=True, dosed=True, discharged=False, signed=False) == "monitoring"
    assert (
        c.session_state(started=True, dosed=True, discharged=True, signed=False) == "ready_to_sign"
    )
    assert c.session_state(started=True, dosed=True, discharged=True, signed=True) == "signed"


# -- the documents ---------------------------------------------------------------------------


def test_each_modality_has_a_versioned_format():
    assert d.FORMATS == {
        "iv_ketamine": "clinic-session-iv-ketamine/1",
        "esketamine": "clinic-session-esketamine/1",
        "tms": "clinic-session-tms/1",
        "ect": "clinic-session-ect/1",
    }


@pytest.mark.parametrize(
    ("modality", "raw", "errors"),
    [
        ("esketamine", {"devices": "two"}, [("devices", "must be a whole number")]),
        ("esketamine", {"devices": "9"}, [("devices", "must be between 1 and 4")]),
        (
            "esketamine",
            {"first_device_time": "25:00"},
            [("first_device_time", "must be a time like 14:05")],
        ),
        ("esketamine", {"dose": "70"}, [("dose", "must be one of: 56, 84, other")]),
        ("esketamine", {"sedation": "maybe"}, [("sedation", "must be yes or no")]),
        (
            "esketamine",
            {"lot_number": "a\x00b"},
            [("lot_number", "must not contain a NUL character")],
        ),
        ("iv_ketamine", {"weight_kg": "nan"}, [("weight_kg", "must be a number")]),
        (
            "iv_ketamine",
            {"dissociation_score": "25"},
            [("dissociation_score", "must be between 0 and 24")],
        ),
        (
            "tms",
            {"motor_threshold_date": "2026-02-30"},
            [("motor_threshold_date", "must be a date like 2026-03-02")],
        ),
        ("ect", {"placement": "left"}, [("placement", "must be one of: rul, bt, bf")]),
        ("ect", {"moca_total": "31"}, [("moca_total", "must be between 0 and 30")]),
    ],
)
def test_field_errors_name_the_field(modality, raw, errors):
    values, found = d.validate_fields(modality, raw)
    assert found == errors
    assert values == {}


def test_valid_values_are_typed_and_emptied_fields_are_none():
    values, errors = d.validate_fields(
        "esketamine",
        {
            "devices": "2",
            "sedation": "yes",
            "first_device_time": "09:05",
            "lot_number": " ",
            "unknown": "x",
        },
    )
    assert errors == []
    assert values == {
        "devices": 2,
        "sedation": True,
        "first_device_time": "09:05",
        "lot_number": None,
    }


def test_parse_document_rejects_unknown_fields_and_wrong_format():
    with pytest.raises(d.DocumentError) as exc:
        d.parse_document("tms", {"format": "clinic-session-tms/1", "coil": "H1", "dose": "56"})
    assert exc.value.errors == [("dose", "is not a field of this document")]
    with pytest.raises(d.DocumentError, match="format"):
        d.parse_document("tms", {"format": "clinic-session-ect/1"})
    assert d.parse_document("tms", {"coil": "H1"}) == {
        "format": "clinic-session-tms/1",
        "coil": "H1",
    }


def _doc(modality, raw):
    values, errors = d.validate_fields(modality, raw)
    assert errors == []
    return {k: v for k, v in values.items() if v is not None}


ESK = {
    "first_treatment": "no",
    "no_food_2h": "yes",
    "no_liquids_30min": "yes",
    "nasal_medicine": "none",
    "ride_home": "yes",
    "med_benzodiazepine": "no",
    "med_sedative_hypnotic": "no",
    "med_psychostimulant": "no",
    "med_maoi": "no",
    "med_opioid": "no",
    "meds_confirmed": "yes",
    "dose": "84",
    "devices": "3",
    "lot_number": "L1",
    "first_device_time": "09:00",
    "pulse_oximetry": "yes",
    "sedation": "no",
    "dissociation": "no",
    "respiratory_depression": "no",
    "sae": "no",
    "ready_time": "10:00",
    "discharge_time": "11:00",
    "vitals_ok_before_dose": "yes",
    "vitals_ok_at_discharge": "yes",
    "responsible_adult": "yes",
    "not_driving": "yes",
}
ALL_BP = d.SessionFacts(has_predose_bp=True, has_check_bp=True, has_discharge_bp=True)


def test_complete_esketamine_document_can_be_signed():
    assert d.sign_problems("esketamine", _doc("esketamine", ESK), ALL_BP) == []


def test_signing_needs_required_fields_bp_checkpoints_and_responses():
    doc = _doc("esketamine", {**ESK, "lot_number": ""})
    facts = d.SessionFacts(has_predose_bp=True, unanswered_vitals=1)
    problems = d.sign_problems("esketamine", doc, facts)
    names = [name for name, _m in problems]
    assert "lot_number" in names
    assert names.count("vitals") == 3  # unanswered reading, 40-minute BP, discharge BP


def test_conditional_fields_are_needed_when_they_apply():
    doc = _doc(
        "esketamine",
        {
            **ESK,
            "sae": "yes",
            "dose": "other",
            "sedation": "yes",
            "sedation_onset": "09:10",
            "sedation_resolved": "10:00",
        },
    )
    names = {name for name, _m in d.sign_problems("esketamine", doc, ALL_BP)}
    assert {"sae_description", "dose_other_mg"} <= names
    assert "sedation_resolved" not in names


def test_dose_must_match_the_devices():
    doc = _doc("esketamine", {**ESK, "devices": "2"})
    assert ("devices", "2 device(s) deliver 56 mg, not 84 mg.") in d.sign_problems(
        "esketamine", doc, ALL_BP
    )


def test_a_held_session_needs_only_the_decision_and_the_predose_bp():
    doc = _doc("esketamine", {"predose_bp_decision": "hold"})
    assert (
        d.sign_problems(
            "esketamine", doc, d.SessionFacts(predose_bp_high=True, has_predose_bp=True)
        )
        == []
    )


def test_computed_figures():
    assert d.computed("iv_ketamine", {"weight_kg": 80.0, "dose_mg_per_kg": 0.5}) == {
        "total_mg": 40.0
    }
    out = d.computed("esketamine", _doc("esketamine", ESK))
    assert out == {
        "dose_mg": 84,
        "duration_min": 120,
        "ready_after_min": 60,
        "bp_check_due": "09:40",
        "earliest_discharge": "11:00",
    }


# -- concomitant medicines ---------------------------------------------------------------------


def test_rems_categories_from_the_medication_knowledge_and_the_extra_names():
    assert rems_categories("Xanax XR") == {"benzodiazepine"}
    assert rems_categories("zolpidem 10 mg") == {"sedative_hypnotic"}
    assert rems_categories("Adderall") == {"psychostimulant"}
    assert rems_categories("phenelzine") == {"maoi"}
    assert rems_categories("Percocet") == {"opioid"}
    assert rems_categories("sertraline") == frozenset()
    found = concomitant_medicines(["Lunesta", "tramadol", "fluoxetine"])
    assert found == {
        "benzodiazepine": [],
        "sedative_hypnotic": ["Lunesta"],
        "psychostimulant": [],
        "maoi": [],
        "opioid": ["tramadol"],
    }
