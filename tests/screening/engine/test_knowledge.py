"""Medication knowledge: the data file, name matching and records from the database."""

from __future__ import annotations

import json

import pytest

from screening.engine import DEFAULT_KNOWLEDGE, MedicationKnowledge, assess_trials, screen
from screening.engine.knowledge import CLASSES, DATA_FILE, normalise_name

from .builders import make_doc, trial

# screening-rules.md, "Medication knowledge"
DOSE_TABLE = {
    "citalopram": (20, 10, ["Celexa"]),
    "escitalopram": (10, 5, ["Lexapro"]),
    "fluoxetine": (20, 10, ["Prozac"]),
    "paroxetine": (20, 10, ["Paxil"]),
    "sertraline": (50, 25, ["Zoloft"]),
    "fluvoxamine": (50, 25, ["Luvox"]),
    "venlafaxine": (150, 75, ["Effexor"]),
    "desvenlafaxine": (50, 50, ["Pristiq"]),
    "duloxetine": (60, 30, ["Cymbalta"]),
    "levomilnacipran": (40, 20, ["Fetzima"]),
    "mirtazapine": (15, 7.5, ["Remeron"]),
    "vortioxetine": (10, 5, ["Trintellix"]),
    "vilazodone": (40, 30, ["Viibryd"]),
    "trazodone": (300, 200, ["Desyrel"]),
    "nefazodone": (300, 300, []),
    "bupropion": (300, 150, ["Wellbutrin", "Zyban"]),
    "amitriptyline": (150, 100, ["Elavil"]),
    "clomipramine": (150, 100, ["Anafranil"]),
    "desipramine": (150, 100, ["Norpramin"]),
    "doxepin": (150, 100, ["Sinequan"]),
    "imipramine": (150, 100, ["Tofranil"]),
    "nortriptyline": (75, 50, ["Pamelor"]),
}
CLASS_MEMBERS = {
    "benzodiazepine": [
        "alprazolam",
        "chlordiazepoxide",
        "clobazam",
        "clonazepam",
        "clorazepate",
        "diazepam",
        "estazolam",
        "flurazepam",
        "lorazepam",
        "midazolam",
        "oxazepam",
        "temazepam",
        "triazolam",
    ],
    "stimulant": [
        "amphetamine",
        "dextroamphetamine",
        "lisdexamfetamine",
        "methamphetamine",
        "methylphenidate",
        "dexmethylphenidate",
        "modafinil",
        "armodafinil",
        "solriamfetol",
        "phentermine",
    ],
    "maoi": [
        "phenelzine",
        "tranylcypromine",
        "isocarboxazid",
        "selegiline",
        "rasagiline",
        "moclobemide",
        "linezolid",
        "methylene blue",
    ],
    "seizure_threshold_lowering": ["bupropion", "clozapine"],
    "antidepressant": list(DOSE_TABLE),
}


def _records() -> list[dict]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def test_data_file_is_a_clean_list_of_records() -> None:
    records = _records()
    assert isinstance(records, list) and records
    for record in records:
        required = {
            "generic",
            "brands",
            "classes",
            "min_dose_mg",
            "min_dose_older_mg",
            "max_dose_mg",
            "max_dose_source",
        }
        assert required <= set(record) <= required | {"antidepressant_class"}
        assert record["generic"] == normalise_name(record["generic"])
        assert set(record["classes"]) <= set(CLASSES)
    generics = [r["generic"] for r in records]
    assert len(generics) == len(set(generics))


def test_dose_table_matches_the_spec() -> None:
    table = {
        r["generic"]: (r["min_dose_mg"], r["min_dose_older_mg"], r["brands"])
        for r in _records()
        if r["min_dose_mg"] is not None
    }
    assert table == DOSE_TABLE


@pytest.mark.parametrize("drug_class", list(CLASS_MEMBERS))
def test_class_members_match_the_spec(drug_class: str) -> None:
    members = sorted(r["generic"] for r in _records() if drug_class in r["classes"])
    assert members == sorted(CLASS_MEMBERS[drug_class])


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("sertraline", "sertraline"),
        ("Sertraline HCl", "sertraline"),
        ("  SERTRALINE   hcl ", "sertraline"),
        ("zoloft", "sertraline"),
        ("Effexor XR", "venlafaxine"),
        ("Xanax XR", "alprazolam"),
        ("Wellbutrin XL 300", "bupropion"),
        ("Methylene Blue", "methylene blue"),
        ("methylene   blue injection", "methylene blue"),
        ("Sertraline-HCl", "sertraline"),
        ("Concerta", "methylphenidate"),
        ("dexmethylphenidate", "dexmethylphenidate"),
        ("Dextroamphetamine", "dextroamphetamine"),
        ("lisdexamfetamine (Vyvanse)", "lisdexamfetamine"),
        ("Spravato", None),
        ("sertralin", None),
        ("blue", None),
        ("methylene", None),
        ("zoloftish", None),
        ("", None),
    ],
)
def test_name_matching(name: str, generic: str | None) -> None:
    assert DEFAULT_KNOWLEDGE.generic(name) == generic


def test_unknown_name_keeps_its_normalised_form_as_key() -> None:
    assert DEFAULT_KNOWLEDGE.match("  St  John's   Wort ").key == "st john's wort"
    assert DEFAULT_KNOWLEDGE.match("Zoloft").key == "sertraline"


def test_combination_names_carry_every_class() -> None:
    found = DEFAULT_KNOWLEDGE.match("bupropion + phentermine")
    assert found.generics == ("bupropion", "phentermine")
    assert {"stimulant", "seizure_threshold_lowering"} <= found.classes


def test_matching_is_cached() -> None:
    assert DEFAULT_KNOWLEDGE.match("Effexor XR") is DEFAULT_KNOWLEDGE.match("Effexor XR")


def test_round_trip_through_records() -> None:
    rebuilt = MedicationKnowledge.from_records(DEFAULT_KNOWLEDGE.to_records())
    assert rebuilt.to_records() == DEFAULT_KNOWLEDGE.to_records() == _records()


def test_records_from_the_database_change_screening() -> None:
    rows = _records()
    for row in rows:
        if row["generic"] == "sertraline":
            row["min_dose_mg"] = 200.0  # the database holds floats
            row["brands"] = ["Zoloft", "Lustral"]
    rows.append(
        {
            "generic": "lithium",
            "brands": ["Priadel"],
            "classes": ["antidepressant"],
            "min_dose_mg": 600,
            "min_dose_older_mg": None,
        }
    )
    knowledge = MedicationKnowledge.from_records(rows)
    doc = make_doc(
        {"antidepressant_trials": [trial("Lustral", 150, 10), trial("Priadel", 900, 10)]}
    )
    default = assess_trials(doc)
    edited = assess_trials(doc, knowledge=knowledge)
    assert [a.generic for a in default] == [None, None]
    assert [a.generic for a in edited] == ["sertraline", "lithium"]
    assert [a.adequate for a in edited] == [False, True]
    assert edited[0].reason == "dose below minimum (200 mg/day for sertraline)"
    assert screen(doc, knowledge=knowledge)["scores"]["adequate_failed_trials"] == 1


@pytest.mark.parametrize(
    "rows",
    [
        [{"generic": ""}],
        [{"generic": "x", "classes": ["sedative"]}],
        [{"generic": "x", "min_dose_mg": -1}],
        [{"generic": "x", "min_dose_mg": True}],
        [{"generic": "x", "min_dose_older_mg": 5}],
        [{"generic": "x", "colour": "blue"}],
        [{"generic": "x"}, {"generic": "X"}],
        [{"generic": "x", "brands": ["Same"]}, {"generic": "y", "brands": ["same"]}],
        ["sertraline"],
    ],
)
def test_bad_records_are_rejected(rows: list) -> None:
    with pytest.raises(ValueError, match=r"medications\[|duplicate|both"):
        MedicationKnowledge.from_records(rows)
