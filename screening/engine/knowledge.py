"""Medication knowledge: the dose table, brand names and drug classes.

The single data source is ``data/medications.json``: a JSON list of records

    {"generic": "sertraline", "brands": ["Zoloft"], "classes": ["antidepressant"],
     "min_dose_mg": 50, "min_dose_older_mg": 25,
     "max_dose_mg": 200, "max_dose_source": "Zoloft (sertraline) US prescribing information, 2.1"}

``classes`` are among :data:`CLASSES`. ``antidepressant_class`` (optional, a
separate column from ``classes``) is the pharmacological class of an
antidepressant, among :data:`ANTIDEPRESSANT_CLASSES` (SSRI, SNRI, ...): payer
criteria such as "trials from at least two different classes" are computed
from it. A record is *in the dose table* when
``min_dose_mg`` is not null; ``min_dose_older_mg`` is the 65-and-over column
(null means "same as min_dose_mg"). ``max_dose_mg`` is the highest daily dose
the product label gives for adults (any indication or formulation), with the
label it comes from in ``max_dose_source`` (required with it); null: none
recorded. A dose typed above it is asked about again (mg? per day?), never
refused: see :meth:`MedicationKnowledge.above_label_maximum`.

A Django migration seeds the database from this file, and
:meth:`MedicationKnowledge.from_records` builds the knowledge back from
(possibly edited) rows.

Names match case-insensitively on whole words after trimming and collapsing
spaces: "Sertraline HCl" and "zoloft" are sertraline, "Xanax XR" is alprazolam,
"methylene blue" is a two-word name.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLASSES: tuple[str, ...] = (
    "antidepressant",
    "benzodiazepine",
    "stimulant",
    "maoi",
    "seizure_threshold_lowering",
)

# Pharmacological classes of antidepressants (the ``antidepressant_class``
# column), with the label shown to clinicians and payers.
ANTIDEPRESSANT_CLASSES: dict[str, str] = {
    "ssri": "SSRI",
    "snri": "SNRI",
    "tca": "tricyclic (TCA)",
    "maoi": "MAOI",
    "serotonin_modulator": "serotonin modulator",
    "atypical": "atypical antidepressant",
}

DATA_FILE = Path(__file__).resolve().parent / "data" / "medications.json"
RECORD_KEYS: tuple[str, ...] = (
    "generic",
    "brands",
    "classes",
    "min_dose_mg",
    "min_dose_older_mg",
    "antidepressant_class",
    "max_dose_mg",
    "max_dose_source",
)

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
_CACHE_LIMIT = 50_000


def normalise_name(name: str) -> str:
    """Lower-case, trimmed, with runs of white space collapsed to one space."""
    return _SPACES.sub(" ", name).strip().casefold()


def _words(name: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(name.casefold()))


@dataclass(frozen=True, slots=True)
class MedicationRecord:
    generic: str
    brands: tuple[str, ...]
    classes: frozenset[str]
    min_dose_mg: float | None
    min_dose_older_mg: float | None
    antidepressant_class: str | None = None
    max_dose_mg: float | None = None
    max_dose_source: str | None = None

    @property
    def in_dose_table(self) -> bool:
        return self.min_dose_mg is not None

    def min_dose_for_age(self, age: int, older_adult_age: int) -> float | None:
        """The minimum adequate daily dose for this age (under 18 uses the 18-64 column)."""
        if self.min_dose_mg is None:
            return None
        if age >= older_adult_age and self.min_dose_older_mg is not None:
            return self.min_dose_older_mg
        return self.min_dose_mg

    @property
    def antidepressant_class_label(self) -> str:
        """ "SSRI", "SNRI", ...; "" when the record has no antidepressant class."""
        return ANTIDEPRESSANT_CLASSES.get(self.antidepressant_class or "", "")

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "generic": self.generic,
            "brands": list(self.brands),
            "classes": [c for c in CLASSES if c in self.classes],
            "min_dose_mg": self.min_dose_mg,
            "min_dose_older_mg": self.min_dose_older_mg,
            "max_dose_mg": self.max_dose_mg,
            "max_dose_source": self.max_dose_source,
        }
        if self.antidepressant_class is not None:
            record["antidepressant_class"] = self.antidepressant_class
        return record


@dataclass(frozen=True, slots=True)
class MedicationMatch:
    """What a free-text medication name resolves to.

    ``key`` is what per-medication counting uses: the first matched generic name,
    or the normalised text when nothing in the knowledge matches.
    """

    name: str
    key: str
    generics: tuple[str, ...]
    classes: frozenset[str]
    record: MedicationRecord | None
    generic: str | None  # the first matched generic name
    label: str  # for evidence: "sertraline", "Effexor XR (venlafaxine)", "St John's wort"


def _dose(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: must be a number or null")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: must be a positive number")
    return value


def _record(raw: Mapping[str, Any], index: int) -> MedicationRecord:
    where = f"medications[{index}]"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: must be an object")
    unknown = set(raw) - set(RECORD_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    generic = raw.get("generic")
    if not isinstance(generic, str) or not _words(generic):
        raise ValueError(f"{where}.generic: must be a non-empty name")
    brands = raw.get("brands") or []
    if not isinstance(brands, (list, tuple)) or not all(
        isinstance(b, str) and _words(b) for b in brands
    ):
        raise ValueError(f"{where}.brands: must be a list of non-empty names")
    classes = raw.get("classes") or []
    if not isinstance(classes, (list, tuple)) or not all(c in CLASSES for c in classes):
        raise ValueError(f"{where}.classes: must be a list among {', '.join(CLASSES)}")
    min_dose = _dose(raw.get("min_dose_mg"), f"{where}.min_dose_mg")
    older = _dose(raw.get("min_dose_older_mg"), f"{where}.min_dose_older_mg")
    if older is not None and min_dose is None:
        raise ValueError(f"{where}.min_dose_older_mg: needs min_dose_mg as well")
    antidepressant_class = raw.get("antidepressant_class") or None
    if antidepressant_class is not None and antidepressant_class not in ANTIDEPRESSANT_CLASSES:
        raise ValueError(
            f"{where}.antidepressant_class: must be one of {', '.join(ANTIDEPRESSANT_CLASSES)}"
        )
    max_dose = _dose(raw.get("max_dose_mg"), f"{where}.max_dose_mg")
    source = raw.get("max_dose_source")
    if source is not None and not isinstance(source, str):
        raise ValueError(f"{where}.max_dose_source: must be text or null")
    source = " ".join((source or "").split()) or None
    if max_dose is not None and source is None:
        raise ValueError(f"{where}.max_dose_source: name the label the maximum comes from")
    if max_dose is not None and min_dose is not None and max_dose < min_dose:
        raise ValueError(f"{where}.max_dose_mg: must not be below min_dose_mg")
    return MedicationRecord(
        generic=normalise_name(generic),
        brands=tuple(_SPACES.sub(" ", b).strip() for b in brands),
        classes=frozenset(classes),
        min_dose_mg=min_dose,
        min_dose_older_mg=older,
        antidepressant_class=antidepressant_class,
        max_dose_mg=max_dose,
        max_dose_source=source if max_dose is not None else None,
    )


class MedicationKnowledge:
    """Name matching and drug facts, built from records (see module docstring)."""

    __slots__ = ("records", "_by_generic", "_index", "_max_words", "_cache")

    def __init__(self, records: Iterable[MedicationRecord]) -> None:
        self.records: tuple[MedicationRecord, ...] = tuple(records)
        self._by_generic: dict[str, MedicationRecord] = {}
        # first word -> list of (all words, record), longest names first
        self._index: dict[str, list[tuple[tuple[str, ...], MedicationRecord]]] = {}
        self._cache: dict[str, MedicationMatch] = {}
        seen: dict[tuple[str, ...], str] = {}
        for record in self.records:
            if record.generic in self._by_generic:
                raise ValueError(f"duplicate generic name: {record.generic}")
            self._by_generic[record.generic] = record
            for name in (record.generic, *record.brands):
                words = _words(name)
                if words in seen:
                    if seen[words] == record.generic:
                        continue
                    raise ValueError(
                        f"name {name!r} is given for both {seen[words]} and {record.generic}"
                    )
                seen[words] = record.generic
                self._index.setdefault(words[0], []).append((words, record))
        for entries in self._index.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        self._max_words = max((len(w) for w in seen), default=1)

    # -- construction -------------------------------------------------------

    @classmethod
    def from_records(cls, rows: Iterable[Mapping[str, Any]]) -> MedicationKnowledge:
        """Build from dict rows shaped like the records of data/medications.json.

        Raises ValueError naming the bad row when a row is malformed.
        """
        return cls(_record(row, i) for i, row in enumerate(rows))

    @classmethod
    def from_json_file(cls, path: str | Path = DATA_FILE) -> MedicationKnowledge:
        with open(path, encoding="utf-8") as fh:
            rows = json.load(fh)
        if not isinstance(rows, list):
            raise ValueError(f"{path}: must hold a JSON list of medication records")
        return cls.from_records(rows)

    def to_records(self) -> list[dict[str, Any]]:
        return [record.to_dict() for record in self.records]

    # -- look-ups -----------------------------------------------------------

    def get(self, generic: str) -> MedicationRecord | None:
        """The record for a generic name (normalised), or None."""
        return self._by_generic.get(normalise_name(generic))

    def match(self, name: str) -> MedicationMatch:
        """Resolve a free-text medication name (cached)."""
        found = self._cache.get(name)
        if found is None:
            found = self._match(name)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[name] = found
        return found

    def _match(self, name: str) -> MedicationMatch:
        words = _words(name)
        matched: list[MedicationRecord] = []
        i = 0
        while i < len(words):
            step = 1
            for candidate, record in self._index.get(words[i], ()):
                n = len(candidate)
                if words[i : i + n] == candidate:
                    if record not in matched:
                        matched.append(record)
                    step = n
                    break
            i += step
        classes: frozenset[str] = frozenset().union(*(r.classes for r in matched))
        first = matched[0] if matched else None
        shown = _SPACES.sub(" ", name).strip()
        if first is None:
            label = shown
        elif normalise_name(name) == first.generic:
            label = first.generic
        else:
            label = f"{shown} ({first.generic})"
        return MedicationMatch(
            name=name,
            key=first.generic if first is not None else normalise_name(name),
            generics=tuple(r.generic for r in matched),
            classes=classes,
            record=first,
            generic=first.generic if first is not None else None,
            label=label,
        )

    def generic(self, name: str) -> str | None:
        """The generic name a free-text name maps to (first match), or None."""
        return self.match(name).generic

    def above_label_maximum(self, name: str, dose_mg: float | None) -> MedicationRecord | None:
        """The record of the medicine named when `dose_mg` (a day) is above its
        labelled maximum daily dose, else None (no dose, no maximum, not known)."""
        if dose_mg is None:
            return None
        record = self.match(name).record
        if record is None or record.max_dose_mg is None or dose_mg <= record.max_dose_mg:
            return None
        return record

    def has_class(self, name: str, drug_class: str) -> bool:
        return drug_class in self.match(name).classes

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"<MedicationKnowledge: {len(self.records)} records>"


DEFAULT_KNOWLEDGE: MedicationKnowledge = MedicationKnowledge.from_json_file()
