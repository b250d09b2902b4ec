"""Validation of clinic-intake/1: each kind of error names its path and says what was expected."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from screening.engine import (
    SECTION_KEYS,
    DocumentError,
    IntakeDocument,
    parse_document,
    validate_section,
)
from screening.engine.document import translate_errors

from .builders import BASE, DELETE, make_data, make_doc, trial

UNANSWERED = (
    "required when suicidal_thoughts is true: an unanswered safety question must not read as no"
)
PHQ_ITEM = "must be an integer between 0 and 3"


def errors_for(changes: dict) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as caught:
        parse_document(make_data(changes))
    return caught.value.errors


# (id, changes, expected errors, exactly)
CASES = [
    # types and ranges
    ("phq9 item out of range", {"depression.phq9[8]": 4}, [("depression.phq9[8]", PHQ_ITEM)]),
    ("phq9 item negative", {"depression.phq9[0]": -1}, [("depression.phq9[0]", PHQ_ITEM)]),
    ("phq9 item string", {"depression.phq9[2]": "3"}, [("depression.phq9[2]", PHQ_ITEM)]),
    ("phq9 item float", {"depression.phq9[2]": 1.0}, [("depression.phq9[2]", PHQ_ITEM)]),
    ("phq9 item bool", {"depression.phq9[2]": True}, [("depression.phq9[2]", PHQ_ITEM)]),
    (
        "phq9 short",
        {"depression.phq9": [0] * 8},
        [
            (
                "depression.phq9",
                "must be a list of exactly 9 integers between 0 and 3 (the PHQ-9 items)",
            )
        ],
    ),
    (
        "phq9 not a list",
        {"depression.phq9": "000000000"},
        [
            (
                "depression.phq9",
                "must be a list of exactly 9 integers between 0 and 3 (the PHQ-9 items)",
            )
        ],
    ),
    (
        "gad7 long",
        {"depression.gad7": [0] * 8},
        [
            (
                "depression.gad7",
                "must be a list of exactly 7 integers between 0 and 3 (the GAD-7 items)",
            )
        ],
    ),
    (
        "audit-c item",
        {"substance_use.audit_c[1]": 5},
        [("substance_use.audit_c[1]", "must be an integer between 0 and 4")],
    ),
    (
        "dast10 int",
        {"substance_use.dast10[3]": 1},
        [("substance_use.dast10[3]", "must be true or false")],
    ),
    (
        "episode months",
        {"depression.current_episode_months": 601},
        [("depression.current_episode_months", "must be an integer between 0 and 600")],
    ),
    (
        "duration over 520",
        {"antidepressant_trials": [trial("a", 1, 1), trial("b", 1, 521)]},
        [("antidepressant_trials[1].duration_weeks", "must be between 0 and 520")],
    ),
    (
        "duration negative",
        {"antidepressant_trials": [trial("a", 1, -0.5)]},
        [("antidepressant_trials[0].duration_weeks", "must be between 0 and 520")],
    ),
    (
        "duration string",
        {"antidepressant_trials": [trial("a", 1, "8")]},
        [("antidepressant_trials[0].duration_weeks", "must be a number between 0 and 520")],
    ),
    (
        "dose zero",
        {"antidepressant_trials": [trial("a", 0, 8)]},
        [("antidepressant_trials[0].max_daily_dose_mg", "must be greater than 0")],
    ),
    (
        "dose bool",
        {"antidepressant_trials": [trial("a", True, 8)]},
        [("antidepressant_trials[0].max_daily_dose_mg", "must be a number greater than 0")],
    ),
    (
        "dose string",
        {"current_medications": [{"name": "x", "daily_dose_mg": "150"}]},
        [("current_medications[0].daily_dose_mg", "must be a number greater than 0")],
    ),
    (
        "boolean as 1",
        {"suicide_screen.wish_to_be_dead": 1},
        [("suicide_screen.wish_to_be_dead", "must be true or false")],
    ),
    (
        "boolean as yes",
        {"medical_history.pregnant": "yes"},
        [("medical_history.pregnant", "must be true or false")],
    ),
    (
        "boolean null",
        {"medical_history.glaucoma": None},
        [("medical_history.glaucoma", "must be true or false")],
    ),
    (
        "systolic range",
        {"blood_pressure.systolic": 301},
        [("blood_pressure.systolic", "must be an integer between 60 and 300")],
    ),
    (
        "months huge",
        {"medical_history.stroke_months_ago": 10**5000},
        [
            (
                "medical_history.stroke_months_ago",
                "must be an integer, 0 or more (this is too large)",
            )
        ],
    ),
    (
        "dose huge",
        {"current_medications": [{"name": "x", "daily_dose_mg": 1e300}]},
        [("current_medications[0].daily_dose_mg", "must be greater than 0 (this is too large)")],
    ),
    (
        "months negative",
        {"medical_history.stroke_months_ago": -1},
        [("medical_history.stroke_months_ago", "must be an integer, 0 or more")],
    ),
    (
        "hospitalizations",
        {"psychiatric_history.psychiatric_hospitalizations": 101},
        [
            (
                "psychiatric_history.psychiatric_hospitalizations",
                "must be an integer between 0 and 100",
            )
        ],
    ),
    (
        "sessions",
        {
            "psychotherapy": [
                {"modality": "cbt", "sessions": 1001, "current_episode": True, "response": "none"}
            ]
        },
        [("psychotherapy[0].sessions", "must be an integer between 0 and 1000")],
    ),
    # enumerations
    (
        "response",
        {"antidepressant_trials": [trial("a", 1, 8, response="None")]},
        [
            (
                "antidepressant_trials[0].response",
                "must be one of: none, partial, response, remission, unknown",
            )
        ],
    ),
    (
        "sex",
        {"patient.sex_at_birth": "F"},
        [("patient.sex_at_birth", "must be one of: female, male, intersex, unknown")],
    ),
    (
        "device",
        {"medical_history.implanted_devices": ["pacemaker"]},
        [
            (
                "medical_history.implanted_devices[0]",
                "must be one of: cochlear_implant, deep_brain_stimulator, vagus_nerve_stimulator, "
                "other_neurostimulator, cerebral_shunt, aneurysm_clip_or_coil, pacemaker_or_icd, "
                "medication_pump, other",
            )
        ],
    ),
    (
        "treatment",
        {"procedures": [{"treatment": "ECT", "response": "none"}]},
        [
            (
                "procedures[0].treatment",
                "must be one of: ect, tms, iv_ketamine, esketamine, oral_ketamine, vns, other",
            )
        ],
    ),
    # dates
    (
        "date slashes",
        {"completed_on": "2026/11/02"},
        [("completed_on", "must be a date YYYY-MM-DD")],
    ),
    (
        "date impossible",
        {"blood_pressure.measured_on": "2026-02-30"},
        [("blood_pressure.measured_on", "must be a date YYYY-MM-DD")],
    ),
    (
        "date compact",
        {"patient.date_of_birth": "19820314"},
        [("patient.date_of_birth", "must be a date YYYY-MM-DD")],
    ),
    ("date number", {"completed_on": 20261102}, [("completed_on", "must be a date YYYY-MM-DD")]),
    (
        "date-time without offset",
        {"consent.signed_at": "2026-11-02T10:15:00"},
        [
            (
                "consent.signed_at",
                "must be a date-time with a UTC offset, e.g. 2026-11-02T10:15:00-05:00",
            )
        ],
    ),
    (
        "date-time date only",
        {"consent.signed_at": "2026-11-02"},
        [
            (
                "consent.signed_at",
                "must be a date-time with a UTC offset, e.g. 2026-11-02T10:15:00-05:00",
            )
        ],
    ),
    # strings
    (
        "email",
        {"patient.email": "dana.example.org"},
        [("patient.email", "must be a valid email address, e.g. name@example.org")],
    ),
    (
        "language",
        {"patient.preferred_language": "english please"},
        [("patient.preferred_language", "must be a BCP 47 language tag, e.g. en or es-MX")],
    ),
    (
        "name too long",
        {"patient.given_name": "x" * 101},
        [("patient.given_name", "must be at most 100 characters")],
    ),
    ("name empty", {"patient.family_name": "  "}, [("patient.family_name", "must not be empty")]),
    (
        "NUL",
        {"allergies": ["pen\x00icillin"]},
        [
            (
                "allergies[0]",
                "must not contain control characters (such as NUL) or invalid characters",
            )
        ],
    ),
    (
        "medication not a string",
        {"current_medications": [{"name": 5}]},
        [("current_medications[0].name", "must be a string")],
    ),
    # structure
    ("unknown top-level key", {"notes": "x"}, [("notes", "unknown key")]),
    ("unknown nested key", {"patient.middle_name": "A"}, [("patient.middle_name", "unknown key")]),
    (
        "typo in a trial",
        {"antidepressant_trials": [{**trial("a", 1, 8), "duraton_weeks": 8}]},
        [("antidepressant_trials[0].duraton_weeks", "unknown key")],
    ),
    ("missing section", {"consent": DELETE}, [("consent", "required")]),
    ("missing field", {"substance_use.dast10": DELETE}, [("substance_use.dast10", "required")]),
    (
        "missing trial field",
        {
            "antidepressant_trials": [
                {"medication": "x", "duration_weeks": 8, "current_episode": True}
            ]
        },
        [("antidepressant_trials[0].response", "required")],
    ),
    ("section null", {"medical_history": None}, [("medical_history", "must be an object")]),
    ("section not an object", {"patient": ["Dana"]}, [("patient", "must be an object")]),
    ("list not a list", {"allergies": "penicillin"}, [("allergies", "must be a list")]),
    ("item not an object", {"procedures": ["ect"]}, [("procedures[0]", "must be an object")]),
    ("insurance", {"patient.insurance": "EH-1001"}, [("patient.insurance", "must be an object")]),
    ("format", {"format": "clinic-intake/2"}, [("format", 'must be "clinic-intake/1"')]),
    ("format missing", {"format": DELETE}, [("format", "required")]),
    # checks across fields
    (
        "Q3-5 missing when Q2 yes",
        {"suicide_screen.suicidal_thoughts": True},
        [
            ("suicide_screen.method", UNANSWERED),
            ("suicide_screen.intent", UNANSWERED),
            ("suicide_screen.plan", UNANSWERED),
        ],
    ),
    (
        "Q4 null when Q2 yes",
        {
            "suicide_screen.suicidal_thoughts": True,
            "suicide_screen.method": False,
            "suicide_screen.intent": None,
            "suicide_screen.plan": False,
        },
        [("suicide_screen.intent", UNANSWERED)],
    ),
    (
        "past 3 months missing",
        {"suicide_screen.behavior_lifetime": True},
        [
            (
                "suicide_screen.behavior_past_3_months",
                "required (true or false) when behavior_lifetime is true",
            )
        ],
    ),
    (
        "diastolic equal",
        {"blood_pressure.systolic": 90, "blood_pressure.diastolic": 90},
        [("blood_pressure.diastolic", "diastolic must be below systolic")],
    ),
    (
        "diastolic above",
        {"blood_pressure.systolic": 90, "blood_pressure.diastolic": 120},
        [("blood_pressure.diastolic", "diastolic must be below systolic")],
    ),
    (
        "reading after completed_on",
        {"blood_pressure.measured_on": "2026-11-03"},
        [("blood_pressure.measured_on", "date must not be after completed_on")],
    ),
    (
        "birth after completed_on",
        {"patient.date_of_birth": "2026-11-03"},
        [("patient.date_of_birth", "date must not be after completed_on")],
    ),
    (
        "age 11",
        {"patient.date_of_birth": "2014-11-03"},
        [("patient.date_of_birth", "age at completed_on must be between 12 and 120 (it is 11)")],
    ),
    (
        "age 121",
        {"patient.date_of_birth": "1905-11-02"},
        [("patient.date_of_birth", "age at completed_on must be between 12 and 120 (it is 121)")],
    ),
    (
        "procedure year",
        {
            "procedures": [
                {"treatment": "tms", "response": "none", "year": 2026},
                {"treatment": "ect", "response": "none", "year": 2027},
            ]
        },
        [("procedures[1].year", "must not be after completed_on's year (2026)")],
    ),
    (
        "signed name",
        {"consent.signed_name": "Dana Reye"},
        [("consent.signed_name", "signed name must match the patient's name")],
    ),
    (
        "not agreed",
        {"consent.agreed": False},
        [("consent.agreed", "must be true: the patient must agree before the intake is sent")],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_path_and_message(changes: dict, expected: list) -> None:
    assert errors_for(changes) == expected


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validate_section_gives_the_same_errors(changes: dict, expected: list) -> None:
    data = make_data(changes)
    section = expected[0][0].split(".")[0].split("[")[0]
    if section not in SECTION_KEYS or section not in data:
        return  # unknown and missing keys are document-level errors
    found = validate_section(
        section, data[section], completed_on=date(2026, 11, 2), patient_name=("Dana", "Reyes")
    )
    assert found == [e for e in expected if e[0].split(".")[0].split("[")[0] == section]


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"consent.signed_name": "dana  REYES"}, True),
        ({"consent.signed_name": "  Dana\tReyes "}, True),
        ({"consent.signed_name": "Reyes Dana"}, False),
        # Accents folded: a keyboard without accents can sign (issue 9).
        (
            {
                "patient.given_name": "Lucía",
                "patient.family_name": "Fernández",
                "consent.signed_name": "Lucia Fernandez",
            },
            True,
        ),
        (
            {
                "patient.given_name": "Lucia",
                "patient.family_name": "Fernandez",
                "consent.signed_name": "LUCÍA  fernández",
            },
            True,
        ),
        (
            {
                "patient.given_name": "Lucía",
                "patient.family_name": "Fernández",
                "consent.signed_name": "Lucia Hernandez",
            },
            False,
        ),
        ({"patient.given_name": "Zoë", "consent.signed_name": "ZOE REYES"}, True),
        ({"patient.given_name": "ﬁona", "consent.signed_name": "Fiona Reyes"}, True),
        ({"patient.given_name": "Mary  Ann", "consent.signed_name": "mary ann reyes"}, True),
        ({"patient.date_of_birth": "2014-11-02"}, True),  # 12 today
        ({"patient.date_of_birth": "1906-11-03"}, True),  # 120, 121 tomorrow
        ({"blood_pressure.measured_on": "2026-11-02"}, True),
        ({"procedures": [{"treatment": "ect", "year": 2026, "response": "none"}]}, True),
        ({"suicide_screen.method": True}, True),  # Q3 may be answered when Q2 is no
        ({"blood_pressure": DELETE, "external_id": DELETE}, True),
        ({"depression.gad7": DELETE}, True),
        ({"antidepressant_trials": [trial("a", 150.5, 6.5)]}, True),
        ({"antidepressant_trials": [trial("a", None, 0)]}, True),
        ({"consent.signed_at": "2026-11-02T15:15:00Z"}, True),
        ({"consent.signed_at": "2026-11-02T10:15-05:00"}, True),
        ({"patient.email": "dana@mail.example.org", "patient.preferred_language": "es-MX"}, True),
    ],
)
def test_valid_variants(changes: dict, ok: bool) -> None:
    if ok:
        make_doc(changes)
    else:
        assert errors_for(changes)


def test_every_error_is_reported_at_once() -> None:
    errors = errors_for(
        {
            "format": "x",
            "depression.phq9[0]": 9,
            "medical_history.pregnant": 1,
            "extra": True,
            "consent.signed_name": "Someone Else",
        }
    )
    assert errors == [
        ("format", 'must be "clinic-intake/1"'),
        ("depression.phq9[0]", PHQ_ITEM),
        ("medical_history.pregnant", "must be true or false"),
        ("consent.signed_name", "signed name must match the patient's name"),
        ("extra", "unknown key"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid JSON: Expecting value at line 1 column 1"),
        ('{"format": "clinic-intake/1",', "invalid JSON: "),
        ('{"a": NaN}', "invalid JSON: NaN is not a JSON number"),
        ('{"a": Infinity}', "invalid JSON: Infinity is not a JSON number"),
        ('{"a": 1, "a": 2}', "invalid JSON: duplicate key 'a'"),
        (b"\xff\xfe\x00", "invalid JSON: "),
        (b"\x80abc", "invalid JSON: "),
        ("[" * 50_000, "invalid JSON: nested too deeply"),
        ("[]", "must be a JSON object (a clinic-intake/1 document)"),
        ("null", "must be a JSON object (a clinic-intake/1 document)"),
        ('"clinic-intake/1"', "must be a JSON object (a clinic-intake/1 document)"),
    ],
)
def test_unreadable_documents(text: str | bytes, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(text)
    ((path, found),) = caught.value.errors
    assert path == "$"
    assert found.startswith(message)


def test_huge_number_and_nul_in_text() -> None:
    text = json.dumps(make_data({"depression.current_episode_months": 12345}))
    text = text.replace("12345", "9" * 5000)
    with pytest.raises(DocumentError):
        parse_document(text)
    text = json.dumps(make_data({"patient.phone": "555\u00000100"}))
    with pytest.raises(DocumentError) as caught:
        parse_document(text)
    assert caught.value.errors[0][0] == "patient.phone"
    text = json.dumps(make_data({"patient.phone": "\ud800"}))
    with pytest.raises(DocumentError):
        parse_document(text)
    with pytest.raises(DocumentError):
        parse_document(make_data({"antidepressant_trials": [trial("a", float("inf"), 8)]}))


def test_document_error_is_readable() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(make_data({"depression.phq9[8]": 7}))
    assert "depression.phq9[8]: must be an integer between 0 and 3" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_model_validate_applies_the_cross_checks_too() -> None:
    IntakeDocument.model_validate(make_data())
    with pytest.raises(ValidationError) as caught:
        IntakeDocument.model_validate(make_data({"consent.signed_name": "Someone"}))
    assert translate_errors(caught.value) == [
        ("consent.signed_name", "signed name must match the patient's name")
    ]
    with pytest.raises(ValidationError) as caught:
        IntakeDocument.model_validate(make_data({"medical_history.extra": 1}))
    assert translate_errors(caught.value) == [("medical_history.extra", "unknown key")]


def test_round_trip_through_json() -> None:
    doc = make_doc(
        {
            "antidepressant_trials": [trial("Zoloft", 150.5, 8)],
            "blood_pressure.measured_on": "2026-11-01",
        }
    )
    data = doc.to_json_dict()
    assert data["completed_on"] == "2026-11-02"
    assert data["antidepressant_trials"][0]["max_daily_dose_mg"] == 150.5
    assert data["consent"]["signed_at"] == "2026-11-02T10:15:00-05:00"
    assert parse_document(json.dumps(data)) == doc


def test_parse_accepts_a_parsed_document() -> None:
    doc = make_doc()
    assert parse_document(doc) is doc


def test_section_keys_are_the_top_level_keys_in_order() -> None:
    assert SECTION_KEYS == tuple(BASE) == tuple(IntakeDocument.model_fields)


def test_validate_section_without_context() -> None:
    assert validate_section("depression", {"current_episode_months": 3, "phq9": [0] * 9}) == []
    assert validate_section("blood_pressure", None) == []
    assert (
        validate_section(
            "consent",
            {"agreed": True, "signed_name": "Anyone", "signed_at": "2026-11-02T10:15:00Z"},
        )
        == []
    )
    assert validate_section(
        "consent",
        {"agreed": True, "signed_name": "Anyone", "signed_at": "2026-11-02T10:15:00Z"},
        patient_name=("Dana", "Reyes"),
    ) == [("consent.signed_name", "signed name must match the patient's name")]
    future = {**BASE["patient"], "date_of_birth": "2999-01-01"}
    assert validate_section("patient", future) == [
        ("patient.date_of_birth", "date must not be in the future")
    ]
    assert validate_section(
        "suicide_screen",
        {"wish_to_be_dead": False, "suicidal_thoughts": True, "behavior_lifetime": False},
    ) == [
        ("suicide_screen.method", UNANSWERED),
        ("suicide_screen.intent", UNANSWERED),
        ("suicide_screen.plan", UNANSWERED),
    ]
    assert validate_section("antidepressant_trials", [trial("a", 1, 600)]) == [
        ("antidepressant_trials[0].duration_weeks", "must be between 0 and 520")
    ]
    assert validate_section("format", "clinic-intake/1") == []
    assert validate_section("completed_on", "2026-13-01") == [
        ("completed_on", "must be a date YYYY-MM-DD")
    ]
    with pytest.raises(ValueError, match="unknown section"):
        validate_section("nonsense", {})


@pytest.mark.parametrize(
    ("signed", "name", "ok"),
    [
        ("Lucia Fernandez", ("Lucía", "Fernández"), True),
        ("  lucía\tFERNANDEZ ", ("Lucía", "Fernández"), True),
        ("Lucia Fernandes", ("Lucía", "Fernández"), False),
        ("Fernandez Lucia", ("Lucía", "Fernández"), False),
        ("Jose Nunez", ("José", "Núñez"), True),
        ("Dana Reyes", ("Dana", "Reyes"), True),
    ],
)
def test_signature_matches_folds_case_accents_and_spacing(signed, name, ok) -> None:
    from screening.engine import signature_matches

    assert signature_matches(signed, name) is ok
    errors = validate_section(
        "consent",
        {"agreed": True, "signed_name": signed, "signed_at": "2026-11-02T10:15:00-05:00"},
        completed_on=date(2026, 11, 2),
        patient_name=name,
    )
    assert (errors == []) is ok
