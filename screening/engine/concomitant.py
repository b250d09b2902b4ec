"""Concomitant medicines the SPRAVATO REMS asks about: which categories a
patient's current medicines fall in.

A separate mapping beside the medication knowledge (kept apart from the
knowledge's CLASSES on purpose): three categories come from the knowledge's
classes (benzodiazepine, stimulant, maoi), and two, non-benzodiazepine
sedative-hypnotics and opioids, from the names in
``data/rems_concomitant.json``, matched the knowledge's way (whole words,
case-insensitive, brand names too).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from screening.engine.knowledge import DEFAULT_KNOWLEDGE, MedicationKnowledge

BENZODIAZEPINE = "benzodiazepine"
SEDATIVE_HYPNOTIC = "sedative_hypnotic"
PSYCHOSTIMULANT = "psychostimulant"
MAOI = "maoi"
OPIOID = "opioid"
REMS_CATEGORIES: tuple[str, ...] = (
    BENZODIAZEPINE,
    SEDATIVE_HYPNOTIC,
    PSYCHOSTIMULANT,
    MAOI,
    OPIOID,
)

# Knowledge class -> REMS category.
FROM_KNOWLEDGE_CLASS: dict[str, str] = {
    "benzodiazepine": BENZODIAZEPINE,
    "stimulant": PSYCHOSTIMULANT,
    "maoi": MAOI,
}

DATA_FILE = Path(__file__).resolve().parent / "data" / "rems_concomitant.json"


def _load(path: Path = DATA_FILE) -> tuple[MedicationKnowledge, dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    records, category_of = [], {}
    for category, entries in raw.items():
        if category not in REMS_CATEGORIES:
            raise ValueError(f"{path}: unknown category {category!r}")
        for entry in entries:
            records.append(
                {"generic": entry["generic"], "brands": entry.get("brands", []), "classes": []}
            )
            category_of[entry["generic"]] = category
    return MedicationKnowledge.from_records(records), category_of


EXTRA_KNOWLEDGE, EXTRA_CATEGORY = _load()


def rems_categories(
    name: str, knowledge: MedicationKnowledge = DEFAULT_KNOWLEDGE
) -> frozenset[str]:
    """The REMS categories of one free-text medicine name."""
    found = {
        FROM_KNOWLEDGE_CLASS[k] for k in knowledge.match(name).classes if k in FROM_KNOWLEDGE_CLASS
    }
    found |= {EXTRA_CATEGORY[g] for g in EXTRA_KNOWLEDGE.match(name).generics}
    return frozenset(found)


def concomitant_medicines(
    names: Iterable[str], knowledge: MedicationKnowledge = DEFAULT_KNOWLEDGE
) -> dict[str, list[str]]:
    """Category -> the names that fall in it (every category present, maybe empty)."""
    out: dict[str, list[str]] = {category: [] for category in REMS_CATEGORIES}
    for name in names:
        for category in rems_categories(name, knowledge):
            out[category].append(name)
    return out
