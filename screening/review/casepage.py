"""What the case page shows, assembled from the intake, its screening result
and the review records: flags by severity, the treatment grid, the trial
table, the answers by step, the versions and their differences, the PHQ-9
trend. Reads only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_date

from clinic.scheduling.selectors import phq9_checkins as scheduling_phq9_checkins
from screening.engine import DocumentError, assess_trials, parse_document
from screening.engine.vocabulary import (
    INTAKE_STEPS,
    MODALITIES,
    NO_FLAG_RANK,
    SEVERITY_BY_RANK,
)
from screening.labels import modality_label, step_title
from screening.models import Flag, Intake, Severity
from screening.outcomes.selectors import patient_course_results
from screening.services.policy import current_knowledge, current_policy


def words(code: Any) -> str:
    """`moderately_severe` -> `moderately severe`."""
    return "" if code is None else str(code).replace("_", " ")


# -- Flags ------------------------------------------------------------------


@dataclass
class FlagGroup:
    severity: str
    label: str
    flags: list[Flag]


def flags_by_severity(flags: list[Flag]) -> list[FlagGroup]:
    groups = []
    for value, label in Severity.choices:
        members = [f for f in flags if f.severity == value]
        if members:
            groups.append(FlagGroup(value, str(label), members))
    return groups


@dataclass
class GridRow:
    flag: Flag
    cells: list[str]  # per modality: the flag's severity, or "" when it does not bear on it


@dataclass
class TreatmentGrid:
    modalities: list[tuple[str, str]]  # (key, label)
    rows: list[GridRow]
    highest: list[str]  # per modality: the highest severity, "" for none


def treatment_grid(flags: list[Flag]) -> TreatmentGrid:
    rows = []
    top = dict.fromkeys(MODALITIES, NO_FLAG_RANK)
    for flag in flags:
        cells = []
        for modality in MODALITIES:
            if getattr(flag, f"for_{modality}"):
                cells.append(flag.severity)
                top[modality] = max(top[modality], flag.severity_rank)
            else:
                cells.append("")
        rows.append(GridRow(flag, cells))
    return TreatmentGrid(
        modalities=[(m, modality_label(m)) for m in MODALITIES],
        rows=rows,
        highest=[SEVERITY_BY_RANK.get(top[m], "") for m in MODALITIES],
    )


# -- Treatment history --------------------------------------------------------


def trial_assessments(document: dict) -> tuple[list, str]:
    """(assessments, error): each antidepressant trial, adequate or not and why."""
    try:
        doc = parse_document(document)
    except DocumentError as exc:
        return [], "; ".join(f"{path}: {message}" for path, message in exc.errors[:5])
    policy, _version = current_policy()
    return assess_trials(doc, policy, current_knowledge()), ""


# -- Answers --------------------------------------------------------------------


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def flatten(value: Any, path: str = "", label: str = "") -> list[tuple[str, str, str]]:
    """(path, label, shown value) for every leaf; lists of plain values stay one line."""
    if isinstance(value, dict):
        rows = []
        if not value:
            return [(path, label, "—")]
        for key, inner in value.items():
            inner_path = f"{path}.{key}" if path else key
            inner_label = f"{label} › {_label(key)}" if label else _label(key)
            rows.extend(flatten(inner, inner_path, inner_label))
        return rows
    if isinstance(value, list):
        if not value:
            return [(path, label, "none")]
        if all(isinstance(item, str) for item in value):
            # One entry a line, as the patient typed them (allergies, devices).
            return [(path, label, "\n".join(value))]
        if all(not isinstance(item, dict | list) for item in value):
            return [(path, label, ", ".join(_scalar(item) for item in value))]
        rows = []
        for index, item in enumerate(value):
            rows.extend(flatten(item, f"{path}[{index}]", f"{label} {index + 1}"))
        return rows
    return [(path, label, _scalar(value))]


@dataclass
class AnswerStep:
    key: str
    label: str
    rows: list[tuple[str, str, str]]


def answers_by_step(document: dict) -> list[AnswerStep]:
    steps = []
    for key, _title, sections in INTAKE_STEPS:
        rows = []
        for section in sections:
            if section in document:
                rows.extend(flatten(document[section], section, _label(section)))
        steps.append(AnswerStep(key, step_title(key), rows))
    known = {section for _key, _title, sections in INTAKE_STEPS for section in sections}
    other = [
        row
        for section, value in document.items()
        if section not in known
        for row in flatten(value, section, _label(section))
    ]
    if other:
        steps.insert(0, AnswerStep("document", "Document", other))
    return steps


# -- Versions ---------------------------------------------------------------------


@dataclass
class Change:
    label: str
    before: str | None  # None: added
    after: str | None  # None: removed


@dataclass
class VersionDiff:
    older: Intake
    newer: Intake
    changes: list[Change]


def document_changes(older: dict, newer: dict) -> list[Change]:
    before = {path: (label, shown) for path, label, shown in flatten(older)}
    after = {path: (label, shown) for path, label, shown in flatten(newer)}
    changes = []
    for path, (label, shown) in after.items():
        if path not in before:
            changes.append(Change(label, None, shown))
        elif before[path][1] != shown:
            changes.append(Change(label, before[path][1], shown))
    for path, (label, shown) in before.items():
        if path not in after:
            changes.append(Change(label, shown, None))
    return changes


def version_diffs(versions: list[Intake]) -> list[VersionDiff]:
    """What changed from each submitted version to the next, newest first."""
    diffs = [
        VersionDiff(older, newer, document_changes(older.document, newer.document))
        for older, newer in zip(versions, versions[1:], strict=False)
    ]
    return list(reversed(diffs))


# -- Header -----------------------------------------------------------------------


def _phq9_total(intake: Intake) -> int | None:
    if intake.phq9_total is not None:
        return intake.phq9_total
    items = (intake.document.get("depression") or {}).get("phq9")
    if isinstance(items, list) and all(isinstance(i, int) for i in items):
        return sum(items)
    return None


def intake_date(intake: Intake) -> datetime.date:
    completed = parse_date(str(intake.document.get("completed_on") or ""))
    return completed or intake.submitted_at.date()


def phq9_points(versions: list[Intake], checkins: list[tuple[datetime.date, int]]) -> list:
    """(date, total, kind) for the trend chart, oldest first."""
    points = [
        (intake_date(v), total, "intake") for v in versions if (total := _phq9_total(v)) is not None
    ]
    points += [(day, total, "check-in") for day, total in checkins]
    return sorted(points, key=lambda p: (p[0], p[2]))


def phq9_checkins(patient) -> list[tuple[datetime.date, int]]:
    """The patient's follow-up PHQ-9 check-ins (scheduling's)."""
    return list(scheduling_phq9_checkins(patient))


def course_results(patient) -> list:
    """The patient's treatment courses with their measured results (the
    outcomes app's), newest first."""
    return patient_course_results(patient)
