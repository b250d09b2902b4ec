"""What the case page shows, assembled from the intake, its screening result
and the review records: flags by severity, the treatment grid, the trial
table, the answers by step, the versions and their differences, the PHQ-9
trend. Reads only."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_date

from clinic.accounts.models import SexAtBirth
from clinic.scheduling.selectors import phq9_checkins as scheduling_phq9_checkins
from screening.engine.scores import RESPONSE_WORDS, dast10_item_score
from screening.engine.vocabulary import (
    MODALITIES,
    NO_FLAG_RANK,
    SEVERITY_BY_RANK,
)
from screening.intake.steps import STEPS as INTAKE_FORM_STEPS
from screening.intake.steps import answer_display
from screening.labels import flag_title, modality_label
from screening.models import Flag, Intake, Severity
from screening.outcomes.selectors import patient_course_results
from screening.review.models import CaseEvent


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


@dataclass
class PriorTreatment:
    """A talking therapy or a procedure (ECT, TMS, ketamine...) the patient had."""

    label: str  # the intake's wording, e.g. "Transcranial magnetic stimulation (TMS)"
    sessions: int | None
    year: int | None
    current_episode: bool | None
    response: str  # "no response", "partial response", ...


def _choice_label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def prior_treatments(document: dict) -> tuple[list[PriorTreatment], list[PriorTreatment]]:
    """(procedures, talking therapies) as the patient reported them."""
    from screening.intake.forms import PSYCHOTHERAPY_CHOICES, TREATMENT_CHOICES

    def rows(section: str, kind_key: str, choices) -> list[PriorTreatment]:
        found = []
        for row in document.get(section) or []:
            if not isinstance(row, dict):
                continue
            found.append(
                PriorTreatment(
                    label=_choice_label(choices, row.get(kind_key)),
                    sessions=row.get("sessions"),
                    year=row.get("year"),
                    current_episode=row.get("current_episode"),
                    response=RESPONSE_WORDS.get(row.get("response"), row.get("response") or ""),
                )
            )
        return found

    return (
        rows("procedures", "treatment", TREATMENT_CHOICES),
        rows("psychotherapy", "modality", PSYCHOTHERAPY_CHOICES),
    )


def augmentation_trials(document: dict) -> list[dict]:
    """Add-on medicines as reported (no adequacy rating in the rules)."""
    return [
        {
            "medication": row.get("medication") or "",
            "dose_mg": row.get("max_daily_dose_mg"),
            "weeks": row.get("duration_weeks"),
            "current_episode": row.get("current_episode"),
            "response": RESPONSE_WORDS.get(row.get("response"), row.get("response") or ""),
        }
        for row in document.get("augmentation_trials") or []
        if isinstance(row, dict)
    ]


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
class InstrumentTable:
    """A questionnaire as the patient answered it: each item, the option
    chosen and its score, and the total."""

    key: str
    name: str
    stem: str
    rows: list[tuple[str, str, int | None]]  # (question, answer, score)
    total: int | None
    band: str = ""


@dataclass
class AnswerList:
    legend: str
    columns: list[str]
    items: list[list[tuple[str, bool]]]  # (answer, dose above the label confirmed)


@dataclass
class AnswerStep:
    key: str
    label: str
    rows: list[tuple[str, str]]  # (question as asked, answer in the option's words)
    tables: list[InstrumentTable]
    lists: list[AnswerList]

    @property
    def empty(self) -> bool:
        return not (self.rows or self.tables or any(a.items for a in self.lists))


def _dast_score(index: int, value: Any) -> int | None:
    return None if value not in ("yes", "no") else dast10_item_score(index, value == "yes")


def _int_score(index: int, value: Any) -> int | None:
    return int(value) if str(value).isdigit() else None


# field prefix -> (key, name, form attribute holding the stem, item score, total and band keys)
INSTRUMENTS = (
    ("phq9_", "phq9", "PHQ-9", "PHQ9_STEM", _int_score, "phq9_total", "phq9_band"),
    ("gad7_", "gad7", "GAD-7", "GAD7_STEM", _int_score, "gad7_total", "gad7_band"),
    ("audit_", "audit_c", "AUDIT-C", "", _int_score, "audit_c_total", ""),
    ("dast_", "dast10", "DAST-10", "DAST10_STEM", _dast_score, "dast10_total", "dast10_band"),
)


def answers_by_step(
    document: dict, patient, scores: dict | None = None, *, confirmed: set[str] | None = None
) -> list[AnswerStep]:
    """Every answer, step by step, with the questions' own labels and the
    answers in the words of the options the patient chose (the intake's
    forms are the one definition of both); the questionnaires as item
    tables with each item's score and the total."""
    scores = scores or {}
    confirmed = confirmed or set()
    steps = []
    for step in INTAKE_FORM_STEPS:
        if not step.sections:
            continue
        rows: list[tuple[str, str]] = []
        tables: list[InstrumentTable] = []
        answered = any(section in document for section in step.sections)
        if step.form_class is not None and answered:
            form = step.form_class()
            initial = step.form_class.initial_from(document, patient)
            by_instrument: dict[str, InstrumentTable] = {}
            for name, field in form.fields.items():
                value = initial.get(name)
                spec = next((i for i in INSTRUMENTS if name.startswith(i[0])), None)
                if spec is None:
                    rows.append((str(field.label), answer_display(field, value)))
                    continue
                prefix, key, title, stem_attr, score, total_key, band_key = spec
                table = by_instrument.get(key)
                if table is None:
                    table = by_instrument[key] = InstrumentTable(
                        key,
                        title,
                        str(getattr(step.form_class, stem_attr, "")) if stem_attr else "",
                        [],
                        scores.get(total_key),
                        words(scores.get(band_key)) if band_key else "",
                    )
                    tables.append(table)
                index = int(name[len(prefix) :]) - 1
                table.rows.append(
                    (str(field.label), answer_display(field, value), score(index, value))
                )
            for table in tables:
                if table.total is None:
                    item_scores = [s for _q, _a, s in table.rows if s is not None]
                    table.total = sum(item_scores) if item_scores else None
        lists = []
        for spec in step.lists:
            form = spec.form_class()
            names = [n for n in form.fields if n != "DELETE"]
            items = []
            for index, row in enumerate(document.get(spec.section) or []):
                if not isinstance(row, dict):
                    continue
                initial = spec.form_class.initial_from_row(row)
                items.append(
                    [
                        (
                            answer_display(form.fields[n], initial.get(n)),
                            f"{spec.section}[{index}].{n}" in confirmed,
                        )
                        for n in names
                    ]
                )
            lists.append(
                AnswerList(str(spec.legend), [str(form.fields[n].label) for n in names], items)
            )
        steps.append(AnswerStep(step.key, str(step.title), rows, tables, lists))
    known = {section for step in INTAKE_FORM_STEPS for section in step.sections}
    other = [
        (label, shown)
        for section, value in document.items()
        if section not in known and section not in DOCUMENT_KEYS
        for _path, label, shown in flatten(value, section, _label(section))
    ]
    if other:
        steps.insert(0, AnswerStep("document", "Document", other, [], []))
    return steps


# The document's own bookkeeping, not answers.
DOCUMENT_KEYS = ("format", "external_id", "completed_on")


# -- History --------------------------------------------------------------------

REPEAT_WINDOW = datetime.timedelta(minutes=30)
# Actions shown once for repeats by one person within the window.
FOLDED_ACTIONS = ("viewed", "printed")


@dataclass
class HistoryLine:
    at: datetime.datetime  # the latest of the folded events
    first_at: datetime.datetime  # the earliest
    actor_id: int
    actor_name: str
    action: str
    label: str
    detail: str
    count: int = 1


ACKNOWLEDGED_DETAIL = re.compile(
    r"^Acknowledged (?P<code>\w+) \((?P<severity>\w+)\)(?P<note>: .*)?$", re.S
)


def history_detail(action: str, detail: str) -> str:
    """A flag acknowledgement is recorded as "Acknowledged suicide_risk
    (urgent)"; it reads with the flag's title and severity in the reader's
    language: "Suicidal thoughts or behaviour reported (Urgent)"."""
    found = ACKNOWLEDGED_DETAIL.match(detail or "") if action == "flag_acknowledged" else None
    if found is None or found["severity"] not in Severity.values:
        return detail
    title = flag_title(found["code"])
    return f"{title} ({Severity(found['severity']).label}){found['note'] or ''}"


def case_history(intake) -> list[HistoryLine]:
    """The case's history (`history_lines`) from one query of the columns
    it shows: a case opened hundreds of times reads no model per event."""
    return history_lines(
        intake.case_events.values_list(
            "at",
            "actor_id",
            "actor__first_name",
            "actor__last_name",
            "actor__email",
            "action",
            "detail",
        )
    )


def history_lines(events) -> list[HistoryLine]:
    """The case history, newest first, with repeated views (or prints) by one
    person within 30 minutes shown as one line. The access log keeps every
    event; this only shapes how they read. `events`: (at, actor id, actor's
    first name, last name, email, action, detail), newest first."""
    labels = {value: str(label) for value, label in CaseEvent.Action.choices}
    lines: list[HistoryLine] = []
    for at, actor_id, first, last_name, email, action, detail in events:
        last = lines[-1] if lines else None
        if (
            last is not None
            and action in FOLDED_ACTIONS
            and action == last.action
            and actor_id == last.actor_id
            and last.at - at <= REPEAT_WINDOW
        ):
            last.first_at = at
            last.count += 1
            continue
        lines.append(
            HistoryLine(
                at=at,
                first_at=at,
                actor_id=actor_id,
                actor_name=f"{first} {last_name}".strip() or email,
                action=action,
                label=labels.get(action, action),
                detail=history_detail(action, detail),
            )
        )
    return lines


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


@dataclass
class Contact:
    """Who the patient is and how to reach them, as they answered in this
    intake (the "About you" step), else as their record has it."""

    sex_at_birth: str  # the answer's own label, e.g. "Female"
    email: str
    phone: str
    phone_link: str  # for tel:, digits and a leading +
    language: str  # the language's name, e.g. "Spanish"
    language_code: str


def _language_name(code: str) -> str:
    names = {key: str(label) for key, label in settings.LANGUAGES}
    return names.get(code, code)


def patient_contact(intake: Intake) -> Contact:
    answered = intake.document.get("patient") or {}
    patient = intake.patient
    sex = answered.get("sex_at_birth") or patient.sex_at_birth
    phone = answered.get("phone") or patient.phone or ""
    language = answered.get("preferred_language") or patient.preferred_language or ""
    return Contact(
        sex_at_birth=str(dict(SexAtBirth.choices).get(sex, sex or "")),
        email=answered.get("email") or patient.email or "",
        phone=phone,
        phone_link="".join(ch for ch in phone if ch.isdigit() or ch == "+"),
        language=_language_name(language) if language else "",
        language_code=language,
    )


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
