"""Course outcomes, as pure functions: the baseline of a treatment course,
the change from it, response and remission with their dates, and the
statistics of the clinic's results (Wilson intervals, medians from counts).

No Django here. The outcomes app (`screening.outcomes`) feeds these the
scores of one course and stores what they return, so that the clinic's
results page aggregates stored rows in SQL.

Definitions (one place for each):
- Baseline: the latest PHQ-9 taken in the 14 days before the first session;
  else the earliest answer to a check-in that was sent before the first
  session (`BASELINE_WINDOW_DAYS`).
- Response: PHQ-9 fallen by 50% or more from a baseline above 0, i.e.
  2 x score <= baseline (exact in integers, so a fall of exactly 50% counts).
- Remission: PHQ-9 below 5 (`REMISSION_BELOW`); 5 itself is not remission.
- The course's outcome is its last PHQ-9 after the baseline up to the end of
  the acute course (the last session plus `END_WINDOW_AFTER_DAYS`); scores at
  the 1, 3 and 6 month follow-ups are shown but do not change it.
- Intent-to-treat: every course with a baseline and at least one later score.
- Completers: courses completed with an end-of-course score (a score from
  `END_WINDOW_BEFORE_DAYS` before the last session to `END_WINDOW_AFTER_DAYS`
  after it), the NeuroStar outcomes registry's convention.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .scores import msm_band, phq9_band
from .vocabulary import GAD7_BANDS, MSM_BANDS, PHQ9_BANDS, _

BASELINE_WINDOW_DAYS = 14
REMISSION_BELOW = 5
END_WINDOW_BEFORE_DAYS = 7
END_WINDOW_AFTER_DAYS = 14
MIN_GROUP = 10  # numbers are shown only for groups of at least this many courses
Z_95 = 1.959963984540054

# Instruments a clinician may record in clinic, with their score range.
INSTRUMENTS: dict[str, tuple[str, int]] = {
    "phq9": ("PHQ-9", PHQ9_BANDS[-1][0]),
    "madrs": ("MADRS", 60),
    "hamd17": ("HAM-D 17", 52),
    "gad7": ("GAD-7", GAD7_BANDS[-1][0]),
}

# Age at the start of the course: (lowest age, band key), with its label
# (marked for translation like the vocabulary's words; translated where shown).
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "under_18"),
    (18, "18_29"),
    (30, "30_44"),
    (45, "45_64"),
    (65, "65_plus"),
)
AGE_BAND_LABELS: dict[str, str] = {
    "under_18": _("Under 18"),
    "18_29": _("18-29"),
    "30_44": _("30-44"),
    "45_64": _("45-64"),
    "65_plus": _("65 and over"),
}
# Baseline severity is the PHQ-9 band, and TRD staging the Maudsley band,
# both the vocabulary's bands as the screening engine computes them
# (`scores.phq9_band`, `scores.msm_band`).
SEVERITY_BANDS: tuple[str, ...] = tuple(name for _highest, name in PHQ9_BANDS)
TRD_BANDS: tuple[str, ...] = tuple(name for _highest, name in MSM_BANDS)

# Why a course is left out of the rates.
NO_BASELINE = "no_baseline"
NO_LATER_SCORE = "no_later_score"
EXCLUSION_LABELS: dict[str, str] = {
    NO_BASELINE: _("No baseline PHQ-9"),
    NO_LATER_SCORE: _("No PHQ-9 after the baseline"),
}


def band_ranges(
    bands: tuple[tuple[int, str], ...], *, lowest: int | None = None, open_ended: bool = False
) -> tuple[tuple[str, int | None, int | None], ...]:
    """(band, lowest total, highest total) of each of a vocabulary's bands.
    The first band starts at `lowest` (None: "6 or less"); with `open_ended`
    the last band has no highest ("11 or more", where the vocabulary's bound
    only catches anything above)."""
    ranges: list[tuple[str, int | None, int | None]] = []
    for index, (top, name) in enumerate(bands):
        low = lowest if index == 0 else bands[index - 1][0] + 1
        high = None if open_ended and index == len(bands) - 1 else top
        ranges.append((name, low, high))
    return tuple(ranges)


def age_band(age: int) -> str:
    band = AGE_BANDS[0][1]
    for lowest, key in AGE_BANDS:
        if age >= lowest:
            band = key
    return band


def baseline_band(total: int | None) -> str:
    return "" if total is None else phq9_band(total)


def trd_band(msm_total: int | None) -> str:
    return "" if msm_total is None else msm_band(msm_total)


def is_response(baseline: int, score: int) -> bool:
    """A fall of 50% or more from a baseline above 0."""
    return baseline > 0 and 2 * score <= baseline


def is_remission(score: int) -> bool:
    return score < REMISSION_BELOW


@dataclass(frozen=True)
class Score:
    """One PHQ-9 total: when it was taken and, for a check-in, when it was sent."""

    taken_at: datetime
    total: int
    sent_at: datetime | None = None
    key: object = None  # the caller's id for the row, passed through


@dataclass(frozen=True)
class CourseOutcome:
    baseline: Score | None
    final: Score | None
    later_scores: int
    change: int | None  # final minus baseline (negative is better)
    percent_change: float | None
    responded: bool  # at the course's outcome
    remitted: bool
    response_on: date | None  # first score meeting response
    remission_on: date | None
    days_to_response: int | None  # from the first session
    intent_to_treat: bool
    completer: bool
    excluded_reason: str  # "" when in the intent-to-treat group


def select_baseline(first_session: datetime, scores: Iterable[Score]) -> Score | None:
    """The latest score in the 14 days before the first session; else the
    earliest answer to a check-in sent before it."""
    window_start = first_session - timedelta(days=BASELINE_WINDOW_DAYS)
    before = [s for s in scores if window_start <= s.taken_at < first_session]
    if before:
        return max(before, key=lambda s: s.taken_at)
    sent_before = [
        s for s in scores if s.sent_at is not None and s.sent_at < first_session <= s.taken_at
    ]
    if sent_before:
        return min(sent_before, key=lambda s: s.taken_at)
    return None


def is_end_of_course(taken_at: datetime, last_session: datetime) -> bool:
    return (
        last_session - timedelta(days=END_WINDOW_BEFORE_DAYS)
        <= taken_at
        <= last_session + timedelta(days=END_WINDOW_AFTER_DAYS)
    )


def course_outcome(
    *,
    first_session: datetime | None,
    last_session: datetime | None,
    completed: bool,
    scores: Sequence[Score],
) -> CourseOutcome:
    """The outcome of one course from its PHQ-9 scores (any order).

    `first_session`/`last_session`: the first and last completed sessions
    (None when none was held); `completed`: the course ran to its planned end.
    """
    baseline = select_baseline(first_session, scores) if first_session is not None else None
    if first_session is None or baseline is None:
        return _excluded(None, NO_BASELINE)
    end = (last_session or first_session) + timedelta(days=END_WINDOW_AFTER_DAYS)
    later = sorted(
        (s for s in scores if s is not baseline and baseline.taken_at < s.taken_at <= end),
        key=lambda s: s.taken_at,
    )
    if not later:
        return _excluded(baseline, NO_LATER_SCORE)
    final = later[-1]
    response_on = next(
        (s.taken_at.date() for s in later if is_response(baseline.total, s.total)), None
    )
    remission_on = next((s.taken_at.date() for s in later if is_remission(s.total)), None)
    change = final.total - baseline.total
    percent = round(100 * change / baseline.total, 1) if baseline.total else None
    days_to_response = None
    if response_on is not None and first_session is not None:
        days_to_response = max(0, (response_on - first_session.date()).days)
    has_end_score = last_session is not None and any(
        is_end_of_course(s.taken_at, last_session) for s in later
    )
    return CourseOutcome(
        baseline=baseline,
        final=final,
        later_scores=len(later),
        change=change,
        percent_change=percent,
        responded=is_response(baseline.total, final.total),
        remitted=is_remission(final.total),
        response_on=response_on,
        remission_on=remission_on,
        days_to_response=days_to_response,
        intent_to_treat=True,
        completer=completed and has_end_score,
        excluded_reason="",
    )


def _excluded(baseline: Score | None, reason: str) -> CourseOutcome:
    return CourseOutcome(
        baseline=baseline,
        final=None,
        later_scores=0,
        change=None,
        percent_change=None,
        responded=False,
        remitted=False,
        response_on=None,
        remission_on=None,
        days_to_response=None,
        intent_to_treat=False,
        completer=False,
        excluded_reason=reason,
    )


# -- Statistics -------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    successes: int
    total: int
    low: float  # Wilson 95% interval, as proportions
    high: float

    @property
    def proportion(self) -> float:
        return self.successes / self.total if self.total else 0.0


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (Wilson 1927; Newcombe 1998,
    method 3), without continuity correction."""
    if total <= 0:
        raise ValueError("The interval needs at least one observation.")
    if not 0 <= successes <= total:
        raise ValueError("Successes must be between 0 and the total.")
    p = successes / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: int, total: int, *, minimum: int = MIN_GROUP) -> Rate | None:
    """The proportion with its Wilson interval, or None for a group smaller
    than `minimum` (so no small group points to a person)."""
    if total < minimum or total <= 0:
        return None
    low, high = wilson_interval(successes, total)
    return Rate(successes, total, low, high)


def median_from_counts(counts: Mapping[int, int] | Iterable[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many) pairs, e.g. a GROUP BY
    of change scores: no list of every course is ever built."""
    pairs = sorted(counts.items() if isinstance(counts, Mapping) else counts)
    n = sum(count for _value, count in pairs)
    if n == 0:
        return None
    wanted = (n - 1) // 2, n // 2  # 0-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value, count in pairs:
        for position in wanted:
            if seen <= position < seen + count and len(found) < 2:
                found.append(value)
        seen += count
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def mean_and_sd(n: int, total: float, total_of_squares: float) -> tuple[float, float]:
    """Mean and sample standard deviation from n, sum and sum of squares
    (what SQL's COUNT, SUM and SUM of squares give on every database)."""
    if n <= 0:
        raise ValueError("No values.")
    mean = total / n
    if n == 1:
        return mean, 0.0
    variance = max(0.0, (total_of_squares - n * mean * mean) / (n - 1))
    return mean, math.sqrt(variance)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


# -- Measuring cadence --------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    """When a treatment's course is measured (edited in the admin)."""

    before_each_session: bool = False
    every_days: int | None = None  # e.g. 7: weekly from the first session
    at_end: bool = True
    months_after: tuple[int, ...] = (1, 3, 6)


@dataclass(frozen=True)
class Due:
    kind: str  # "baseline", "session", "interval", "end", "follow_up"
    due_on: date
    session_index: int | None = None  # for "session": 0-based among the sessions
    months: int | None = None  # for "follow_up"


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - unreachable


def measurements_due(
    cadence: Cadence,
    *,
    sessions: Sequence[date],
    ended_on: date | None,
) -> list[Due]:
    """Every measurement a course calls for, by the cadence: a baseline the
    day before the first session; the day of each session (before it), or
    every `every_days` days from the first session while sessions remain;
    the end of the course; and 1, 3, 6 months after it. `sessions`: the dates
    of the course's live and held sessions; `ended_on`: its last session's
    date once no session remains (None while it runs)."""
    if not sessions:
        return []
    ordered = sorted(sessions)
    first, last = ordered[0], ordered[-1]
    due = [Due("baseline", first - timedelta(days=1))]
    if cadence.before_each_session:
        seen: set[date] = set()
        for index, day in enumerate(ordered):
            if index == 0 or day in seen:
                continue  # the baseline stands for the first session
            seen.add(day)
            due.append(Due("session", day, session_index=index))
    if cadence.every_days:
        day = first + timedelta(days=cadence.every_days)
        while day < last:
            due.append(Due("interval", day))
            day += timedelta(days=cadence.every_days)
    if ended_on is not None:
        if cadence.at_end:
            due.append(Due("end", ended_on + timedelta(days=1)))
        for months in cadence.months_after:
            due.append(Due("follow_up", add_months(ended_on, months), months=months))
    return due
