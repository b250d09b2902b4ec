"""The vocabulary is one scale and one list per idea; everything derives from it."""

from __future__ import annotations

from screening.engine import RULES
from screening.engine import vocabulary as v
from screening.engine.scores import dast10_band, gad7_band, msm_band, phq9_band

from .builders import run


def test_one_severity_scale_urgent_highest_and_zero_is_no_flag():
    ranks = [v.SEVERITY_RANK[s] for s in v.SEVERITIES]
    assert ranks == sorted(ranks, reverse=True)
    assert max(ranks) == v.URGENT_RANK and v.NO_FLAG_RANK == 0 < min(ranks)
    assert {v.SEVERITY_BY_RANK[r] for r in ranks} == set(v.SEVERITIES)


def test_every_rule_is_a_vocabulary_flag_code_with_a_human_title():
    assert [rule.code for rule in RULES] == list(v.FLAG_CODES)
    for code in v.FLAG_CODES:
        title = v.flag_title(code)
        assert title[0].isupper() and "_" not in title
    assert v.flag_title("uncontrolled_hypertension") == "Uncontrolled blood pressure"
    assert v.flag_title("stimulant_or_maoi_use") == "Takes a stimulant or an MAOI"


def test_bands_are_the_vocabulary_tables():
    assert [phq9_band(t) for t in (0, 4, 5, 9, 10, 14, 15, 19, 20, 27)] == [
        "minimal",
        "minimal",
        "mild",
        "mild",
        "moderate",
        "moderate",
        "moderately_severe",
        "moderately_severe",
        "severe",
        "severe",
    ]
    assert gad7_band(15) == "severe" and dast10_band(0) == "none" and dast10_band(9) == "severe"
    assert msm_band(6) == "mild" and msm_band(11) == "severe"
    assert v.band_floors(v.PHQ9_BANDS) == (
        (5, "mild"),
        (10, "moderate"),
        (15, "moderately_severe"),
        (20, "severe"),
    )
    for bands in (v.PHQ9_BANDS, v.GAD7_BANDS, v.DAST10_BANDS, v.MSM_BANDS):
        assert all(name in v.BAND_LABELS for _high, name in bands)


def test_steps_fill_every_answer_section_once():
    sections = [s for _key, _title, secs in v.INTAKE_STEPS for s in secs]
    assert len(sections) == len(set(sections))
    assert set(v.SECTION_STEP) == set(sections)
    assert v.STEP_KEYS[-1] == v.REVIEW_STEP and set(v.STEP_TITLES) == set(v.STEP_KEYS)


def test_the_engine_sorts_flags_most_severe_first():
    flags = run(
        {
            "suicide_screen.suicidal_thoughts": True,
            "suicide_screen.method": False,
            "suicide_screen.intent": True,
            "suicide_screen.plan": False,
        }
    )["flags"]
    ranks = [v.SEVERITY_RANK[f["severity"]] for f in flags]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] == v.URGENT_RANK


def test_every_category_the_scores_give_has_words():
    from screening.engine.scores import BP_CATEGORIES

    for category in (*BP_CATEGORIES, "none", "low", "moderate", "high"):
        assert category in v.BAND_LABELS
    assert v.BAND_LABELS["stage_2"] == "stage 2"
