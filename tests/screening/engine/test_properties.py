"""Property tests: valid documents always screen, deterministically; any other input gives a
DocumentError with path-named errors, never another exception."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.engine import (
    MODALITIES,
    SECTION_KEYS,
    SEVERITIES,
    DocumentError,
    parse_document,
    screen,
    validate_section,
)
from screening.engine.document import DEVICES, PSYCHOTHERAPIES, RESPONSES, SEXES, TREATMENTS
from screening.engine.scores import SCORE_KEYS

from .builders import make_data

# ENGINE_HYPOTHESIS_EXAMPLES=5000 for a longer run; 200 keeps the suite quick.
SETTINGS = settings(
    max_examples=int(os.environ.get("ENGINE_HYPOTHESIS_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MEDICATION_NAMES = [
    "sertraline",
    "Sertraline HCl",
    "Zoloft",
    "Effexor XR",
    "venlafaxine",
    "bupropion",
    "Wellbutrin XL",
    "fluoxetine",
    "Prozac",
    "mirtazapine",
    "Remeron SolTab",
    "Xanax XR",
    "lorazepam",
    "Adderall",
    "methylene blue",
    "Nardil",
    "clozapine",
    "lithium",
    "aripiprazole",
    "St John's wort",
    "nortriptyline",
    "Trintellix",
]
ALLERGIES = ["penicillin", "ketamine", "Spravato", "latex", "sulfa", "Ketalar (rash)"]

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
    min_size=1,
    max_size=25,
).filter(lambda s: s.strip() != "")
name = st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=20)
bools = st.booleans()
maybe_bool = st.none() | st.booleans()
responses = st.sampled_from(RESPONSES)
dose = st.none() | st.integers(1, 1000) | st.floats(0.1, 2000, allow_nan=False)
weeks = st.integers(0, 520) | st.floats(0, 520, allow_nan=False)
medication = st.sampled_from(MEDICATION_NAMES) | text


def _spacing_and_case(draw: Any, value: str) -> str:
    words = value.split()
    sep = draw(st.sampled_from([" ", "  ", "\t"]))
    result = sep.join(words)
    if draw(bools):
        result = result.upper()
    return draw(st.sampled_from(["", " "])) + result


@st.composite
def trials(draw: Any) -> dict:
    item = {
        "medication": draw(medication),
        "max_daily_dose_mg": draw(dose),
        "duration_weeks": draw(weeks),
        "current_episode": draw(bools),
        "response": draw(responses),
    }
    if draw(bools):
        item["stopped_for_side_effects"] = draw(maybe_bool)
    return item


@st.composite
def documents(draw: Any) -> dict:
    completed = draw(st.dates(date(2000, 1, 1), date(2035, 12, 31)))
    born = completed - timedelta(days=draw(st.integers(12 * 366, 120 * 365)))
    given, family = draw(name), draw(name)
    thoughts, lifetime = draw(bools), draw(bools)
    systolic = draw(st.integers(61, 300))
    bp = draw(
        st.none()
        | st.fixed_dictionaries(
            {
                "systolic": st.just(systolic),
                "diastolic": st.integers(30, min(200, systolic - 1)),
                "measured_on": st.dates(completed - timedelta(days=400), completed).map(
                    date.isoformat
                ),
            }
        )
    )
    return {
        "format": "clinic-intake/1",
        "external_id": draw(st.none() | text),
        "completed_on": completed.isoformat(),
        "patient": {
            "given_name": given,
            "family_name": family,
            "date_of_birth": born.isoformat(),
            "sex_at_birth": draw(st.sampled_from(SEXES)),
            "email": draw(st.none() | st.just("someone@example.org")),
        },
        "depression": {
            "current_episode_months": draw(st.integers(0, 600)),
            "phq9": draw(st.lists(st.integers(0, 3), min_size=9, max_size=9)),
            "gad7": draw(st.none() | st.lists(st.integers(0, 3), min_size=7, max_size=7)),
        },
        "suicide_screen": {
            "wish_to_be_dead": draw(bools),
            "suicidal_thoughts": thoughts,
            "method": draw(bools if thoughts else maybe_bool),
            "intent": draw(bools if thoughts else maybe_bool),
            "plan": draw(bools if thoughts else maybe_bool),
            "behavior_lifetime": lifetime,
            "behavior_past_3_months": draw(bools if lifetime else maybe_bool),
        },
        "antidepressant_trials": draw(st.lists(trials(), max_size=6)),
        "augmentation_trials": draw(st.lists(trials(), max_size=2)),
        "psychotherapy": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "modality": st.sampled_from(PSYCHOTHERAPIES),
                        "sessions": st.integers(0, 1000),
                        "current_episode": bools,
                        "response": responses,
                    }
                ),
                max_size=2,
            )
        ),
        "procedures": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "treatment": st.sampled_from(TREATMENTS),
                        "response": responses,
                        "sessions": st.none() | st.integers(0, 1000),
                        "year": st.none() | st.integers(1900, completed.year),
                    }
                ),
                max_size=3,
            )
        ),
        "psychiatric_history": {
            "bipolar_disorder": draw(bools),
            "psychotic_disorder": draw(bools),
            "psychotic_symptoms_current": draw(bools),
            "psychiatric_hospitalizations": draw(st.integers(0, 100)),
        },
        "blood_pressure": bp,
        "medical_history": {
            **{
                key: draw(bools)
                for key in (
                    "hypertension",
                    "hypertension_medication",
                    "aneurysmal_vascular_disease",
                    "arteriovenous_malformation",
                    "intracerebral_hemorrhage",
                    "unstable_heart_disease",
                    "raised_intracranial_pressure",
                    "seizure_disorder",
                    "head_injury_with_loss_of_consciousness",
                    "metal_in_head",
                    "glaucoma",
                    "interstitial_cystitis",
                    "liver_disease",
                    "pregnant",
                    "breastfeeding",
                )
            },
            "myocardial_infarction_months_ago": draw(st.none() | st.integers(0, 400)),
            "stroke_months_ago": draw(st.none() | st.integers(0, 400)),
            "implanted_devices": draw(st.lists(st.sampled_from(DEVICES), max_size=3)),
        },
        "substance_use": {
            "audit_c": draw(st.lists(st.integers(0, 4), min_size=3, max_size=3)),
            "dast10": draw(st.lists(bools, min_size=10, max_size=10)),
            "ketamine_or_pcp_nonmedical_use": draw(bools),
            "substance_use_disorder_history": draw(bools),
        },
        "current_medications": draw(
            st.lists(
                st.fixed_dictionaries({"name": medication}, optional={"daily_dose_mg": dose}),
                max_size=4,
            )
        ),
        "allergies": draw(st.lists(st.sampled_from(ALLERGIES) | text, max_size=3)),
        "consent": {
            "agreed": True,
            "signed_name": _spacing_and_case(draw, f"{given} {family}"),
            "signed_at": f"{completed.isoformat()}T10:15:00-05:00",
        },
    }


def _check_result(result: dict) -> None:
    assert tuple(result["scores"]) == SCORE_KEYS
    order = [(SEVERITIES.index(f["severity"]), f["code"]) for f in result["flags"]]
    assert order == sorted(order)
    codes = [f["code"] for f in result["flags"]]
    assert len(codes) == len(set(codes))
    assert (codes.count("trd_likely") + codes.count("trd_unconfirmed")) == 1
    for f in result["flags"]:
        assert f["evidence"] and f["summary"] and f["source"]
        assert set(f["modalities"]) <= set(MODALITIES)
    assert list(result["modalities"]) == list(MODALITIES)
    for modality, entry in result["modalities"].items():
        mine = [f for f in result["flags"] if modality in f["modalities"]]
        assert entry["flags"] == [f["code"] for f in mine]
        assert entry["highest_severity"] == (mine[0]["severity"] if mine else None)
    urgent_suicide = any(
        f["code"] == "suicide_risk" and f["severity"] == "urgent" for f in result["flags"]
    )
    assert urgent_suicide == (result["scores"]["cssrs_risk"] == "high")


@SETTINGS
@given(documents())
def test_valid_documents_screen_deterministically(data: dict) -> None:
    doc = parse_document(data)
    first = screen(doc)
    assert screen(doc) == first
    _check_result(first)
    text_form = json.dumps(first)
    assert json.loads(text_form) == first
    again = parse_document(json.dumps(doc.to_json_dict()))
    assert screen(again) == first


@SETTINGS
@given(documents())
def test_each_section_of_a_valid_document_validates_alone(data: dict) -> None:
    completed = date.fromisoformat(data["completed_on"])
    patient = (data["patient"]["given_name"], data["patient"]["family_name"])
    for key in SECTION_KEYS:
        assert validate_section(key, data[key], completed_on=completed, patient_name=patient) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def _assert_document_error(value: Any) -> list[tuple[str, str]]:
    try:
        parse_document(value)
    except DocumentError as exc:
        assert exc.errors
        for path, message in exc.errors:
            assert isinstance(path, str) and path
            assert isinstance(message, str) and message
        return exc.errors
    raise AssertionError("expected a DocumentError")


@SETTINGS
@given(json_values)
def test_random_json_values_raise_document_error(value: Any) -> None:
    _assert_document_error(value)
    _assert_document_error(json.dumps(value))


@SETTINGS
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_random_text_and_bytes_raise_document_error(value: str | bytes) -> None:
    _assert_document_error(value)


@SETTINGS
@given(documents(), st.data())
def test_truncated_json_text_raises_document_error(data: dict, draw: Any) -> None:
    text = json.dumps(data, indent=draw.draw(st.sampled_from([None, 2])))
    cut = draw.draw(st.integers(0, len(text) - 1))
    errors = _assert_document_error(text[:cut])
    assert errors[0][0] == "$" and errors[0][1].startswith("invalid JSON")
    errors = _assert_document_error(text[:cut].encode())
    assert errors[0][0] == "$"


def _leaf_paths(value: Any, path: tuple = ()) -> list[tuple]:
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            paths.extend(_leaf_paths(child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths.extend(_leaf_paths(child, (*path, index)))
    return paths


def _set(doc: dict, path: tuple, value: Any) -> None:
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@SETTINGS
@given(documents(), st.data())
def test_mutated_documents_never_raise_anything_else(data: dict, draw: Any) -> None:
    paths = _leaf_paths(data)
    for _ in range(draw.draw(st.integers(1, 3))):
        path = draw.draw(st.sampled_from(paths))
        try:
            _set(data, path, draw.draw(json_values))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced a parent
    try:
        doc = parse_document(data)
    except DocumentError as exc:
        assert all(isinstance(p, str) and p and isinstance(m, str) and m for p, m in exc.errors)
        known_roots = set(SECTION_KEYS) | {"$"}
        for path_text, _ in exc.errors:
            root = path_text.split(".")[0].split("[")[0]
            assert root in known_roots or root not in SECTION_KEYS
    else:
        _check_result(screen(doc))


@SETTINGS
@given(st.sampled_from([k for k in SECTION_KEYS if k not in ("external_id", "blood_pressure")]))
def test_missing_required_section_is_named(key: str) -> None:
    data = make_data()
    del data[key]
    assert (key, "required") in _assert_document_error(data)
