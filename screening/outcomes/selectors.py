"""Reads of the clinic's results: a handful of GROUP BY queries over the
stored course results, whatever the number of courses. Medians come from
counts per value (at most a few hundred rows), never from a list of courses."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Sum, When
from django.db.models.functions import Cast

from screening.engine import MODALITIES
from screening.engine import outcomes as engine
from screening.labels import modality_label
from screening.outcomes.models import (
    CourseResult,
    Measurement,
    MeasurementCadence,
    OutcomesSecret,
)


def patient_course_results(patient) -> list[CourseResult]:
    """The patient's course results, newest first (the case page). One query."""
    return list(
        CourseResult.objects.filter(patient=patient)
        .select_related("course")
        .order_by("-started_on", "-pk")
    )


@dataclass
class Filters:
    treatment: str = ""
    clinician: int | None = None
    start: date | None = None
    end: date | None = None
    age_band: str = ""
    baseline_band: str = ""
    trd_band: str = ""


def results(filters: Filters) -> QuerySet[CourseResult]:
    """Course results of started courses matching the filters."""
    qs = CourseResult.objects.filter(started_on__isnull=False).exclude(treatment="")
    if filters.treatment:
        qs = qs.filter(treatment=filters.treatment)
    if filters.clinician:
        qs = qs.filter(clinician_id=filters.clinician)
    if filters.start:
        qs = qs.filter(started_on__gte=filters.start)
    if filters.end:
        qs = qs.filter(started_on__lte=filters.end)
    for name in ("age_band", "baseline_band", "trd_band"):
        if getattr(filters, name):
            qs = qs.filter(**{name: getattr(filters, name)})
    return qs


@dataclass
class TreatmentRow:
    treatment: str
    label: str
    started: int = 0
    completed: int = 0
    stopped: int = 0
    active: int = 0
    itt: int = 0
    completers: int = 0
    excluded: int = 0
    itt_response: engine.Rate | None = None
    itt_remission: engine.Rate | None = None
    completer_response: engine.Rate | None = None
    completer_remission: engine.Rate | None = None
    median_change: float | None = None
    median_days_to_response: float | None = None
    responders: int = 0

    @property
    def shown(self) -> bool:
        return self.started >= engine.MIN_GROUP


def _aggregates() -> dict:
    """The counts of one cell of the results (a treatment and quarter of
    start), from which every row, rate and completeness figure is summed."""
    return {
        "started": Count("pk"),
        "completed": Count("pk", filter=Q(status=CourseResult.Status.COMPLETED)),
        "stopped": Count("pk", filter=Q(status=CourseResult.Status.STOPPED)),
        "active": Count("pk", filter=Q(status=CourseResult.Status.ACTIVE)),
        "itt": Count("pk", filter=Q(intent_to_treat=True)),
        "itt_responded": Count("pk", filter=Q(intent_to_treat=True, responded=True)),
        "itt_remitted": Count("pk", filter=Q(intent_to_treat=True, remitted=True)),
        "completers": Count("pk", filter=Q(completer=True)),
        "completer_responded": Count("pk", filter=Q(completer=True, responded=True)),
        "completer_remitted": Count("pk", filter=Q(completer=True, remitted=True)),
        "responders": Count("pk", filter=Q(days_to_response__isnull=False)),
        "due": Sum("measurements_due"),
        "answered": Sum("measurements_answered"),
    }


COUNTS = tuple(_aggregates())


def _fill(row: TreatmentRow, c: dict) -> None:
    row.started, row.completed, row.stopped = c["started"], c["completed"], c["stopped"]
    row.active, row.itt, row.completers = c["active"], c["itt"], c["completers"]
    row.responders = c["responders"]
    row.excluded = row.started - row.itt
    row.itt_response = engine.rate(c["itt_responded"], c["itt"])
    row.itt_remission = engine.rate(c["itt_remitted"], c["itt"])
    row.completer_response = engine.rate(c["completer_responded"], c["completers"])
    row.completer_remission = engine.rate(c["completer_remitted"], c["completers"])


def _value_counts(qs: QuerySet, column: str, condition: Q) -> dict[str, dict[int, int]]:
    """How many courses of each treatment have each value of `column` (for
    a median): one GROUP BY, at most a few hundred rows."""
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for treatment, value, n in (
        qs.filter(condition).values_list("treatment", column).annotate(n=Count("pk")).order_by()
    ):
        counts[treatment][value] = n
    return counts


def _merged(per_treatment: dict[str, dict[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for per in per_treatment.values():
        for value, n in per.items():
            merged[value] += n
    return merged


@dataclass
class QuarterPoint:
    quarter: date
    label: str
    n: int
    response: engine.Rate | None
    remission: engine.Rate | None


@dataclass
class Completeness:
    treatment: str
    label: str
    due: int
    answered: int

    @property
    def rate(self) -> engine.Rate | None:
        return engine.rate(self.answered, self.due)


@dataclass
class Results:
    """The clinic's results for the filters: a row per treatment and one for
    all; intent-to-treat response and remission per quarter of the course's
    start (per treatment and under "all"); the share of due measurements
    answered per treatment."""

    rows: list[TreatmentRow]
    total: TreatmentRow
    quarterly: dict[str, list[QuarterPoint]]
    completeness: list[Completeness]


def _point(quarter: date, c: dict) -> QuarterPoint:
    return QuarterPoint(
        quarter,
        engine.quarter_label(quarter),
        c["itt"],
        engine.rate(c["itt_responded"], c["itt"]),
        engine.rate(c["itt_remitted"], c["itt"]),
    )


def clinic_results(filters: Filters) -> Results:
    """Counts, rates with Wilson intervals (intent-to-treat and completers),
    the median change among the intent-to-treat and the median days to first
    response among responders, per treatment and quarter. Three queries, each
    one pass over the period's course results: the counts per treatment and
    quarter (everything else is their sums), and the value counts of the two
    medians."""
    qs = results(filters)
    cells = (
        qs.values("treatment", "start_quarter")
        .annotate(**_aggregates())
        .order_by("treatment", "start_quarter")
    )
    by_treatment: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    overall = dict.fromkeys(COUNTS, 0)
    by_quarter: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    quarterly: dict[str, list[QuarterPoint]] = defaultdict(list)
    for cell in cells:
        for name in COUNTS:
            value = cell[name] or 0  # SUM over no row is NULL
            by_treatment[cell["treatment"]][name] += value
            overall[name] += value
            by_quarter[cell["start_quarter"]][name] += value
        if cell["itt"]:
            quarterly[cell["treatment"]].append(_point(cell["start_quarter"], cell))
    for quarter in sorted(q for q in by_quarter if by_quarter[q]["itt"]):
        quarterly["all"].append(_point(quarter, by_quarter[quarter]))
    changes = _value_counts(qs, "change", Q(intent_to_treat=True))
    days = _value_counts(qs, "days_to_response", Q(days_to_response__isnull=False))
    keys = [key for key in MODALITIES if not filters.treatment or key == filters.treatment]
    rows = []
    for key in keys:
        row = TreatmentRow(key, modality_label(key))
        if key in by_treatment:
            _fill(row, by_treatment[key])
            if row.itt >= engine.MIN_GROUP:
                row.median_change = engine.median_from_counts(changes.get(key, {}))
            if row.responders >= engine.MIN_GROUP:
                row.median_days_to_response = engine.median_from_counts(days.get(key, {}))
        rows.append(row)
    total = TreatmentRow("all", "")
    _fill(total, overall)
    if total.itt >= engine.MIN_GROUP:
        total.median_change = engine.median_from_counts(_merged(changes))
    if total.responders >= engine.MIN_GROUP:
        total.median_days_to_response = engine.median_from_counts(_merged(days))
    completeness = [
        Completeness(
            key, modality_label(key), by_treatment[key]["due"], by_treatment[key]["answered"]
        )
        for key in keys
    ]
    return Results(rows, total, dict(quarterly), completeness)


@dataclass
class TrendPoint:
    x: int
    n: int
    mean: float
    sd: float


@dataclass
class Trend:
    treatment: str
    label: str
    by_week: bool
    points: list[TrendPoint] = field(default_factory=list)


def _chart_axis(weekly: list[str], by_session: list[str]):
    """A measurement's place on its treatment's chart: the week of the
    course for the treatments charted by week, the session number for the
    others."""
    if not by_session:
        return F("week")
    if not weekly:
        return F("session_number")
    return Case(When(treatment__in=weekly, then=F("week")), default=F("session_number"))


def phq9_trends(filters: Filters) -> list[Trend]:
    """Mean PHQ-9 (and its standard deviation) by week or session number of
    the course, per treatment, over the intent-to-treat courses; a point is
    shown only where at least 10 courses were measured. Two queries: the
    charts' settings and one pass over the period's answered PHQ-9."""
    by_week = dict(MeasurementCadence.objects.values_list("treatment", "chart_by_week"))
    trends = {
        key: Trend(key, modality_label(key), by_week.get(key, False))
        for key in MODALITIES
        if not filters.treatment or key == filters.treatment
    }
    weekly = [key for key, trend in trends.items() if trend.by_week]
    by_session = [key for key in trends if key not in weekly]
    course_ids = results(filters).filter(intent_to_treat=True).values("course_id")
    score = Cast("score", FloatField())
    rows = (
        Measurement.objects.filter(
            course_id__in=course_ids,
            instrument="phq9",
            score__isnull=False,
            treatment__in=list(trends),
        )
        .annotate(x=_chart_axis(weekly, by_session))
        .filter(x__isnull=False)
        .values("treatment", "x")
        .annotate(
            n=Count("pk"),  # one score per course and week/session (the recompute's)
            total=Sum(score),
            squares=Sum(score * score),
        )
        .order_by("treatment", "x")
    )
    for r in rows:
        if r["n"] < engine.MIN_GROUP:
            continue
        mean, sd = engine.mean_and_sd(r["n"], r["total"], r["squares"])
        trends[r["treatment"]].points.append(TrendPoint(r["x"], r["n"], mean, sd))
    return list(trends.values())


def has_small_groups(rows: list[TreatmentRow]) -> bool:
    return any(0 < row.started < engine.MIN_GROUP for row in rows)


# -- Export ------------------------------------------------------------------------------


def export_key() -> bytes:
    """The installation's secret for pseudonyms, made on first use."""
    secret = OutcomesSecret.objects.order_by("pk").first()
    if secret is None:
        try:
            with transaction.atomic():
                secret = OutcomesSecret.objects.create()
        except IntegrityError:  # pragma: no cover - created by a concurrent export
            secret = OutcomesSecret.objects.order_by("pk").first()
    return secret.key.encode()


def pseudonym(key: bytes, patient_id: int) -> str:
    """A stable id for a patient in exports: HMAC-SHA256 of the patient's id
    under the installation's key, so it cannot be reversed without the key."""
    digest = hmac.new(key, f"patient:{patient_id}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:16]}"


# The export's columns after the two pseudonyms: (CSV header, CourseResult
# field), one list for the header and the query alike.
EXPORT_FIELDS = (
    ("treatment", "treatment"),
    ("status", "status"),
    ("started_on", "started_on"),
    ("ended_on", "ended_on"),
    ("sessions_held", "sessions_held"),
    ("age_band", "age_band"),
    ("baseline_band", "baseline_band"),
    ("trd_band", "trd_band"),
    ("baseline_phq9", "baseline_score"),
    ("baseline_on", "baseline_on"),
    ("final_phq9", "final_score"),
    ("final_on", "final_on"),
    ("change", "change"),
    ("percent_change", "percent_change"),
    ("intent_to_treat", "intent_to_treat"),
    ("completer", "completer"),
    ("responded", "responded"),
    ("remitted", "remitted"),
    ("response_on", "response_on"),
    ("remission_on", "remission_on"),
    ("days_to_response", "days_to_response"),
    ("excluded_reason", "excluded_reason"),
    ("measurements_due", "measurements_due"),
    ("measurements_answered", "measurements_answered"),
)
EXPORT_COLUMNS = ("patient_pseudonym", "course_pseudonym", *(c for c, _ in EXPORT_FIELDS))


def export_rows(filters: Filters, *, chunk_size: int = 2000):
    """One row per course, streamed from the database in chunks: no names,
    no dates of birth, no clinician; stable pseudonyms for patient and course."""
    key = export_key()
    qs = (
        results(filters)
        .order_by("started_on", "pk")
        .values_list("patient_id", "course_id", *(f for _, f in EXPORT_FIELDS))
    )
    for row in qs.iterator(chunk_size=chunk_size):
        patient_id, course_id, *rest = row
        course = hmac.new(key, f"course:{course_id}".encode(), hashlib.sha256).hexdigest()
        yield [pseudonym(key, patient_id), f"C-{course[:16]}", *rest]
