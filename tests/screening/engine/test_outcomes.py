"""Course outcomes without Django: baseline selection, response and remission
at their edges, the groups a course belongs to, Wilson intervals against
published values, medians from counts, and the measuring cadence.

Run alone with `pytest tests/screening/engine -p no:django`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from screening.engine import outcomes as engine
from screening.engine import vocabulary as v
from screening.engine.outcomes import (
    NO_BASELINE,
    NO_LATER_SCORE,
    Cadence,
    Score,
    age_band,
    baseline_band,
    course_outcome,
    is_remission,
    is_response,
    mean_and_sd,
    measurements_due,
    median_from_counts,
    quarter_label,
    quarter_start,
    rate,
    select_baseline,
    trd_band,
    wilson_interval,
)

FIRST = datetime(2026, 3, 2, 9, 0)
LAST = datetime(2026, 4, 10, 9, 0)


def at(days: float, hour: int = 9) -> datetime:
    return FIRST.replace(hour=hour) + timedelta(days=days)


# -- Baseline ------------------------------------------------------------------


def test_baseline_is_the_latest_score_in_the_14_days_before_the_first_session():
    scores = [Score(at(-20), 22), Score(at(-10), 19), Score(at(-2), 18), Score(at(3), 12)]
    assert select_baseline(FIRST, scores).total == 18


def test_a_score_exactly_14_days_before_counts_and_15_days_does_not():
    assert select_baseline(FIRST, [Score(FIRST - timedelta(days=14), 20)]).total == 20
    assert select_baseline(FIRST, [Score(FIRST - timedelta(days=15), 20)]) is None


def test_without_a_recent_score_a_checkin_sent_before_the_first_session_is_the_baseline():
    late_answer = Score(at(1), 17, sent_at=at(-1))
    sent_after = Score(at(2), 16, sent_at=at(1))
    old = Score(at(-30), 25)
    assert select_baseline(FIRST, [old, sent_after, late_answer]) is late_answer


def test_no_baseline_when_nothing_qualifies():
    assert select_baseline(FIRST, [Score(at(-30), 25), Score(at(5), 10, sent_at=at(4))]) is None


# -- Response and remission ------------------------------------------------------


def test_a_fall_of_exactly_50_percent_is_response():
    assert is_response(20, 10)
    assert is_response(19, 9)  # 52.6%
    assert not is_response(19, 10)  # 47.4%
    assert not is_response(0, 0)  # no fall is possible from 0


def test_phq9_of_5_is_not_remission_and_4_is():
    assert not is_remission(5)
    assert is_remission(4)


def test_a_course_with_response_and_remission_and_their_dates():
    scores = [
        Score(at(-3), 20),
        Score(at(7), 15),
        Score(at(14), 10),  # exactly 50%: response from here
        Score(at(21), 6),
        Score(at(35), 4),  # remission
        Score(LAST + timedelta(days=1), 5),  # end of course: 5 is not remission
    ]
    outcome = course_outcome(first_session=FIRST, last_session=LAST, completed=True, scores=scores)
    assert outcome.baseline.total == 20
    assert outcome.final.total == 5
    assert outcome.change == -15
    assert outcome.percent_change == -75.0
    assert outcome.responded is True
    assert outcome.remitted is False
    assert outcome.response_on == date(2026, 3, 16)
    assert outcome.remission_on == date(2026, 4, 6)
    assert outcome.days_to_response == 14
    assert outcome.later_scores == 5
    assert (outcome.intent_to_treat, outcome.completer) == (True, True)
    assert outcome.excluded_reason == ""


def test_follow_up_scores_after_the_end_window_do_not_change_the_outcome():
    scores = [Score(at(-1), 20), Score(LAST + timedelta(days=2), 8), Score(at(120), 22)]
    outcome = course_outcome(first_session=FIRST, last_session=LAST, completed=True, scores=scores)
    assert outcome.final.total == 8
    assert outcome.responded is True


def test_a_course_with_no_later_score_is_left_out_of_both_groups_with_the_reason():
    outcome = course_outcome(
        first_session=FIRST, last_session=LAST, completed=True, scores=[Score(at(-1), 18)]
    )
    assert outcome.baseline.total == 18
    assert (outcome.intent_to_treat, outcome.completer) == (False, False)
    assert outcome.excluded_reason == NO_LATER_SCORE
    assert outcome.change is None


def test_a_course_without_baseline_is_left_out_with_the_reason():
    outcome = course_outcome(
        first_session=FIRST, last_session=LAST, completed=True, scores=[Score(at(10), 9)]
    )
    assert (outcome.intent_to_treat, outcome.completer) == (False, False)
    assert outcome.excluded_reason == NO_BASELINE


def test_a_stopped_course_is_intent_to_treat_but_not_a_completer():
    scores = [Score(at(-1), 20), Score(at(7), 14)]
    outcome = course_outcome(
        first_session=FIRST, last_session=at(8), completed=False, scores=scores
    )
    assert (outcome.intent_to_treat, outcome.completer) == (True, False)


def test_a_completed_course_without_an_end_of_course_score_is_not_a_completer():
    scores = [Score(at(-1), 20), Score(at(7), 14)]  # last score a month before the end
    outcome = course_outcome(first_session=FIRST, last_session=LAST, completed=True, scores=scores)
    assert (outcome.intent_to_treat, outcome.completer) == (True, False)


# -- Bands -------------------------------------------------------------------------


def test_bands_come_from_the_screening_engine():
    assert [age_band(a) for a in (17, 18, 29, 30, 44, 45, 64, 65)] == [
        "under_18",
        "18_29",
        "18_29",
        "30_44",
        "30_44",
        "45_64",
        "45_64",
        "65_plus",
    ]
    assert baseline_band(14) == "moderate"
    assert baseline_band(None) == ""
    assert (trd_band(6), trd_band(7), trd_band(11), trd_band(None)) == (
        "mild",
        "moderate",
        "severe",
        "",
    )


# -- Statistics ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        # Newcombe, Statistics in Medicine 1998;17:857-872, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
    ],
)
def test_wilson_intervals_match_published_values(successes, total, low, high):
    got_low, got_high = wilson_interval(successes, total)
    assert round(got_low, 4) == low
    assert round(got_high, 4) == high


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_rates_are_only_given_for_groups_of_at_least_ten():
    assert rate(5, 9) is None
    ten = rate(5, 10)
    assert ten.proportion == 0.5
    assert (round(ten.low, 4), round(ten.high, 4)) == (0.2366, 0.7634)


def test_median_from_counts():
    assert median_from_counts({}) is None
    assert median_from_counts({-5: 1}) == -5
    assert median_from_counts({-10: 1, -4: 1}) == -7
    assert median_from_counts([(-10, 2), (-4, 1), (3, 1)]) == -7  # -10 -10 -4 3
    assert median_from_counts({1: 3, 2: 1, 9: 1}) == 1


def test_mean_and_sd_from_sums():
    values = [10, 12, 14, 20]
    mean, sd = mean_and_sd(len(values), sum(values), sum(v * v for v in values))
    assert mean == 14
    assert round(sd, 4) == 4.3205
    assert mean_and_sd(1, 7, 49) == (7, 0.0)


def test_quarters():
    assert quarter_start(date(2026, 5, 17)) == date(2026, 4, 1)
    assert quarter_label(date(2026, 12, 31)) == "2026 Q4"


# -- Cadence -------------------------------------------------------------------------


def test_weekly_cadence_with_end_and_follow_ups():
    sessions = [date(2026, 3, 2) + timedelta(days=d) for d in range(0, 22)]
    due = measurements_due(Cadence(every_days=7), sessions=sessions, ended_on=date(2026, 3, 23))
    assert [(d.kind, d.due_on.isoformat()) for d in due] == [
        ("baseline", "2026-03-01"),
        ("interval", "2026-03-09"),
        ("interval", "2026-03-16"),
        ("end", "2026-03-24"),
        ("follow_up", "2026-04-23"),
        ("follow_up", "2026-06-23"),
        ("follow_up", "2026-09-23"),
    ]


def test_before_each_session_cadence_while_the_course_runs():
    sessions = [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 9)]
    due = measurements_due(Cadence(before_each_session=True), sessions=sessions, ended_on=None)
    assert [(d.kind, d.due_on.isoformat(), d.session_index) for d in due] == [
        ("baseline", "2026-03-01", None),
        ("session", "2026-03-05", 1),
        ("session", "2026-03-09", 2),
    ]
    assert measurements_due(Cadence(), sessions=[], ended_on=None) == []


def test_follow_up_months_land_on_the_last_day_of_a_short_month():
    due = measurements_due(
        Cadence(at_end=False, months_after=(1,)),
        sessions=[date(2026, 1, 30)],
        ended_on=date(2026, 1, 30),
    )
    assert due[-1].due_on == date(2026, 2, 28)


def test_the_filter_bands_are_the_vocabularys_with_their_ranges():
    assert engine.band_ranges(v.PHQ9_BANDS, lowest=0) == (
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("moderately_severe", 15, 19),
        ("severe", 20, 27),
    )
    assert engine.band_ranges(v.MSM_BANDS, open_ended=True) == (
        ("mild", None, 6),
        ("moderate", 7, 10),
        ("severe", 11, None),
    )
    assert tuple(name for _top, name in v.PHQ9_BANDS) == engine.SEVERITY_BANDS
    assert engine.baseline_band(15) == "moderately_severe"
    assert engine.trd_band(11) == "severe"
