"""The worked examples of the spec give exactly their expected scores and flags."""

from __future__ import annotations

import json

import pytest

from screening.engine import (
    MODALITIES,
    RULES_VERSION,
    SEVERITIES,
    parse_document,
    screen,
)
from screening.engine.scores import SCORE_KEYS

from .builders import COPIED_EXAMPLES, SHARED_EXAMPLES, example_pairs

COPIED = example_pairs(COPIED_EXAMPLES)


def _check(document: dict, expected: dict) -> None:
    result = screen(parse_document(document))
    assert result["scores"] == expected["scores"]
    got = [
        {"code": f["code"], "severity": f["severity"], "modalities": f["modalities"]}
        for f in result["flags"]
    ]
    assert got == expected["flags"]


def test_the_copies_hold_three_examples() -> None:
    assert len(COPIED) == 3


@pytest.mark.parametrize(("name", "document", "expected"), COPIED, ids=[c[0] for c in COPIED])
def test_copied_example(name: str, document: dict, expected: dict) -> None:
    _check(document, expected)


@pytest.mark.skipif(not SHARED_EXAMPLES.is_dir(), reason="the shared spec is not beside the repo")
def test_shared_examples() -> None:
    shared = example_pairs(SHARED_EXAMPLES)
    assert len(shared) >= 3
    for _name, document, expected in shared:
        _check(document, expected)


@pytest.mark.skipif(not SHARED_EXAMPLES.is_dir(), reason="the shared spec is not beside the repo")
def test_copies_match_the_shared_examples() -> None:
    for path in COPIED_EXAMPLES.glob("*.json"):
        assert (SHARED_EXAMPLES / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(("name", "document", "expected"), COPIED, ids=[c[0] for c in COPIED])
def test_examples_parse_from_json_text_and_bytes(name: str, document: dict, expected: dict) -> None:
    text = json.dumps(document)
    assert screen(parse_document(text)) == screen(parse_document(text.encode()))
    assert screen(parse_document(text)) == screen(parse_document(document))


@pytest.mark.parametrize(("name", "document", "expected"), COPIED, ids=[c[0] for c in COPIED])
def test_result_shape(name: str, document: dict, expected: dict) -> None:
    result = screen(parse_document(document))
    assert list(result) == ["format", "rules_version", "scores", "flags", "modalities"]
    assert result["format"] == "clinic-screening/1"
    assert result["rules_version"] == RULES_VERSION == "1"
    assert tuple(result["scores"]) == SCORE_KEYS
    for f in result["flags"]:
        assert list(f) == ["code", "severity", "modalities", "summary", "evidence", "source"]
        assert f["evidence"] and all(isinstance(e, str) and e for e in f["evidence"])
        assert f["summary"].endswith(".") and f["source"]
    assert list(result["modalities"]) == list(MODALITIES)
    for modality, entry in result["modalities"].items():
        codes = [f["code"] for f in result["flags"] if modality in f["modalities"]]
        assert entry["flags"] == codes
        severities = [f["severity"] for f in result["flags"] if modality in f["modalities"]]
        highest = min(severities, key=SEVERITIES.index) if severities else None
        assert entry["highest_severity"] == highest
    json.dumps(result)  # JSON-ready


def test_example_2_evidence_and_summary_wording() -> None:
    document = next(d for n, d, _ in COPIED if n.startswith("02"))
    result = screen(parse_document(document))
    bp = result["flags"][0]
    assert bp["code"] == "uncontrolled_hypertension"
    assert bp["evidence"] == ["blood_pressure: 152/94 (2026-10-30), 3 days before intake"]
    assert "152/94" in bp["summary"] and "at or above 140/90" in bp["summary"]
    assert result["modalities"]["tms"] == {
        "highest_severity": "info",
        "flags": ["benzodiazepine_use", "trd_likely"],
    }


def test_example_1_trial_evidence() -> None:
    document = next(d for n, d, _ in COPIED if n.startswith("01"))
    trd = screen(parse_document(document))["flags"][0]
    assert trd["evidence"] == [
        "sertraline 150 mg/day for 10 weeks, no response: adequate",
        "Effexor XR (venlafaxine) 225 mg/day for 8 weeks, partial response: adequate",
    ]
