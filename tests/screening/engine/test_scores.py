"""Every score and band of the spec, with its boundaries."""

from __future__ import annotations

import pytest

from screening.engine import DEFAULT_POLICY, Policy, assess_trials, screen

from .builders import make_doc, run, trial

# -- age ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_of_birth", "completed_on", "age"),
    [
        ("1982-03-14", "2026-11-02", 44),
        ("1982-11-02", "2026-11-02", 44),  # birthday on the day
        ("1982-11-03", "2026-11-02", 43),  # birthday tomorrow
        ("2008-02-29", "2026-02-28", 17),  # leap-day birthday, not yet
        ("2008-02-29", "2026-03-01", 18),
    ],
)
def test_age_in_whole_years(date_of_birth: str, completed_on: str, age: int) -> None:
    result = run(
        {
            "patient.date_of_birth": date_of_birth,
            "completed_on": completed_on,
            "blood_pressure": None,
            "consent.signed_at": "2026-01-01T00:00:00Z",
        }
    )
    assert result["scores"]["age"] == age


# -- PHQ-9 / GAD-7 ----------------------------------------------------------------------


def _items(total: int, n: int, top: int = 3) -> list[int]:
    items = []
    for _ in range(n):
        value = min(top, total)
        items.append(value)
        total -= value
    assert total == 0
    return items


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(total: int, band: str) -> None:
    items = _items(total, 9)
    items.reverse()  # keep item 9 low where possible
    scores = run({"depression.phq9": items})["scores"]
    assert (scores["phq9_total"], scores["phq9_band"]) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands(total: int, band: str) -> None:
    scores = run({"depression.gad7": _items(total, 7)})["scores"]
    assert (scores["gad7_total"], scores["gad7_band"]) == (total, band)


def test_gad7_absent_gives_null() -> None:
    scores = run({"depression.gad7": None})["scores"]
    assert scores["gad7_total"] is None and scores["gad7_band"] is None


# -- C-SSRS ---------------------------------------------------------------------------


def _cssrs(**answers: bool | None) -> dict:
    base = {"wish_to_be_dead": False, "suicidal_thoughts": False, "behavior_lifetime": False}
    base.update(answers)
    if base.get("behavior_lifetime") and "behavior_past_3_months" not in answers:
        base["behavior_past_3_months"] = False
    return {"suicide_screen": base}


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        ({}, "none"),
        ({"wish_to_be_dead": True}, "low"),
        ({"suicidal_thoughts": True, "method": False, "intent": False, "plan": False}, "low"),
        ({"suicidal_thoughts": True, "method": True, "intent": False, "plan": False}, "moderate"),
        ({"behavior_lifetime": True}, "moderate"),
        ({"suicidal_thoughts": True, "method": False, "intent": True, "plan": False}, "high"),
        ({"suicidal_thoughts": True, "method": False, "intent": False, "plan": True}, "high"),
        ({"behavior_lifetime": True, "behavior_past_3_months": True}, "high"),
        # a positive answer is never dropped
        ({"behavior_lifetime": False, "behavior_past_3_months": True}, "high"),
        ({"suicidal_thoughts": False, "intent": True}, "high"),
        ({"suicidal_thoughts": False, "method": True}, "moderate"),
        ({"wish_to_be_dead": True, "suicidal_thoughts": False, "plan": False}, "low"),
    ],
)
def test_cssrs_risk(answers: dict, risk: str) -> None:
    assert run(_cssrs(**answers))["scores"]["cssrs_risk"] == risk


# -- blood pressure category -------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "category"),
    [
        (119, 79, "normal"),
        (120, 79, "elevated"),
        (129, 79, "elevated"),
        (130, 79, "stage_1"),
        (119, 80, "stage_1"),
        (139, 89, "stage_1"),
        (140, 89, "stage_2"),
        (139, 90, "stage_2"),
        (180, 110, "stage_2"),
        (180, 120, "stage_2"),
        (181, 110, "crisis"),
        (150, 121, "crisis"),
        (125, 85, "stage_1"),  # the higher of the two numbers decides
    ],
)
def test_bp_category(systolic: int, diastolic: int, category: str) -> None:
    scores = run({"blood_pressure.systolic": systolic, "blood_pressure.diastolic": diastolic})
    assert scores["scores"]["bp_category"] == category


def test_bp_category_uses_an_old_reading_and_is_null_without_one() -> None:
    old = run({"blood_pressure": {"systolic": 150, "diastolic": 95, "measured_on": "2020-01-01"}})
    assert old["scores"]["bp_category"] == "stage_2"
    assert run({"blood_pressure": None})["scores"]["bp_category"] is None


# -- AUDIT-C and DAST-10 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "items", "positive"),
    [
        ("female", [1, 1, 1], True),
        ("female", [1, 1, 0], False),
        ("male", [1, 1, 1], False),
        ("male", [2, 1, 1], True),
        ("intersex", [1, 1, 1], True),
        ("unknown", [3, 0, 0], True),
        ("unknown", [2, 0, 0], False),
    ],
)
def test_audit_c_positive_by_sex(sex: str, items: list[int], positive: bool) -> None:
    scores = run({"patient.sex_at_birth": sex, "substance_use.audit_c": items})["scores"]
    assert scores["audit_c_total"] == sum(items)
    assert scores["audit_c_positive"] is positive


def _dast(yes: set[int], item3_yes: bool = True) -> list[bool]:
    answers = [i in yes for i in range(10)]
    answers[2] = item3_yes
    return answers


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        (_dast(set()), 0, "none"),
        (_dast(set(), item3_yes=False), 1, "low"),  # item 3 is reverse-scored
        (_dast({0}), 1, "low"),
        (_dast({0, 1}), 2, "low"),
        (_dast({0, 1, 3}), 3, "moderate"),
        (_dast({0, 1, 3, 4, 5}), 5, "moderate"),
        (_dast({0, 1, 3, 4, 5, 6}), 6, "substantial"),
        (_dast({0, 1, 3, 4, 5, 6, 7, 8}), 8, "substantial"),
        (_dast({0, 1, 3, 4, 5, 6, 7, 8, 9}), 9, "severe"),
        (_dast({0, 1, 3, 4, 5, 6, 7, 8, 9}, item3_yes=False), 10, "severe"),
    ],
)
def test_dast10(answers: list[bool], total: int, band: str) -> None:
    scores = run({"substance_use.dast10": answers})["scores"]
    assert (scores["dast10_total"], scores["dast10_band"]) == (total, band)


# -- antidepressant trials -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("trials", "age_dob", "adequate_failed", "failed"),
    [
        ([trial("sertraline", 50, 6)], "1982-03-14", 1, 1),  # 6 weeks can be adequate
        ([trial("sertraline", 50, 5.9)], "1982-03-14", 0, 1),  # 5.9 cannot
        ([trial("sertraline", 49.9, 8)], "1982-03-14", 0, 1),
        ([trial("sertraline", None, 8)], "1982-03-14", 0, 1),  # no dose: never adequate
        ([trial("St John's wort", 900, 8)], "1982-03-14", 0, 1),  # not in the table
        ([trial("sertraline", 100, 8, current=False)], "1982-03-14", 0, 0),  # past episode
        ([trial("sertraline", 100, 8, response="unknown")], "1982-03-14", 0, 0),
        ([trial("sertraline", 100, 8, response="response")], "1982-03-14", 0, 0),
        ([trial("sertraline", 100, 8, response="remission")], "1982-03-14", 0, 0),
        ([trial("sertraline", 100, 8, response="partial")], "1982-03-14", 1, 1),
        # per medication: two sertraline trials are one medication, brands included
        ([trial("sertraline", 100, 8), trial("Zoloft", 150, 8)], "1982-03-14", 1, 1),
        ([trial("sertraline", 100, 3), trial("Zoloft", 150, 8)], "1982-03-14", 1, 1),
        ([trial("Effexor XR", 150, 8), trial("venlafaxine", 75, 8)], "1982-03-14", 1, 1),
        # a name not in the table is compared case- and spacing-insensitively
        ([trial("Herbal  Tea", 1, 8), trial(" herbal tea ", 1, 8)], "1982-03-14", 0, 1),
        (
            [trial("sertraline", 100, 8), trial("Effexor XR", 225, 8), trial("bupropion", 300, 8)],
            "1982-03-14",
            3,
            3,
        ),
        # older-adult column from 65; the day before the 65th birthday still uses 18-64
        ([trial("venlafaxine", 75, 8)], "1961-11-02", 1, 1),
        ([trial("venlafaxine", 75, 8)], "1961-11-03", 0, 1),
        ([trial("venlafaxine", 74, 8)], "1950-01-01", 0, 1),
        # under 18 uses the 18-64 column
        ([trial("fluoxetine", 10, 8)], "2010-01-01", 0, 1),
        ([trial("fluoxetine", 20, 8)], "2010-01-01", 1, 1),
        ([trial("mirtazapine", 7.5, 8)], "1950-01-01", 1, 1),
        ([trial("desvenlafaxine", 49, 8)], "1950-01-01", 0, 1),
    ],
)
def test_trial_counting(trials: list, age_dob: str, adequate_failed: int, failed: int) -> None:
    scores = run({"antidepressant_trials": trials, "patient.date_of_birth": age_dob})["scores"]
    assert (scores["adequate_failed_trials"], scores["failed_trials"]) == (adequate_failed, failed)


def test_augmentation_trials_never_count_as_failed_antidepressants() -> None:
    augmentation = [trial("aripiprazole", 10, 8), trial("sertraline", 200, 8)]
    scores = run({"augmentation_trials": augmentation})
    assert scores["scores"]["adequate_failed_trials"] == 0
    assert scores["scores"]["failed_trials"] == 0


@pytest.mark.parametrize(
    ("t", "dob", "generic", "adequate", "reason"),
    [
        (trial("Sertraline HCl", 150, 10), "1982-03-14", "sertraline", True, "adequate"),
        (
            trial("Effexor XR", 75, 10),
            "1982-03-14",
            "venlafaxine",
            False,
            "dose below minimum (150 mg/day for venlafaxine)",
        ),
        (
            trial("Effexor XR", 50, 10),
            "1950-01-01",
            "venlafaxine",
            False,
            "dose below minimum (75 mg/day for venlafaxine at 65 and over)",
        ),
        (trial("fluoxetine", 20, 5.9), "1982-03-14", "fluoxetine", False, "under 6 weeks"),
        (
            trial("fluoxetine", 10, 2),
            "1982-03-14",
            "fluoxetine",
            False,
            "dose below minimum (20 mg/day for fluoxetine); under 6 weeks",
        ),
        (
            trial("lithium", 900, 10),
            "1982-03-14",
            None,
            False,
            "drug not in the dose table: adequacy not rated",
        ),
        (
            trial("Nardil", 60, 10),
            "1982-03-14",
            "phenelzine",
            False,
            "drug not in the dose table: adequacy not rated",
        ),
        (
            trial("sertraline", None, 10),
            "1982-03-14",
            "sertraline",
            False,
            "no dose reported: adequacy not rated",
        ),
    ],
)
def test_assess_trials_reasons(
    t: dict, dob: str, generic: str | None, adequate: bool, reason: str
) -> None:
    doc = make_doc({"antidepressant_trials": [t], "patient.date_of_birth": dob})
    (assessment,) = assess_trials(doc, DEFAULT_POLICY)
    assert assessment.medication == t["medication"]
    assert assessment.generic == generic
    assert assessment.adequate is adequate
    assert assessment.failed is True
    assert assessment.reason == reason
    assert assessment.evidence.endswith(": " + reason)


def test_trial_evidence_wording() -> None:
    doc = make_doc(
        {
            "antidepressant_trials": [
                trial("sertraline", 150, 10),
                trial("Zoloft", 100.5, 1, current=False, response="remission"),
                trial("  Lithium ", None, 12, response="unknown"),
            ]
        }
    )
    assert [a.evidence for a in assess_trials(doc)] == [
        "sertraline 150 mg/day for 10 weeks, no response: adequate",
        "Zoloft (sertraline) 100.5 mg/day for 1 week, remission, past episode: under 6 weeks",
        "Lithium (no dose reported) for 12 weeks, response unknown: "
        "drug not in the dose table: adequacy not rated",
    ]


def test_min_trial_weeks_comes_from_the_policy() -> None:
    trials = [trial("sertraline", 100, 5), trial("citalopram", 20, 5)]
    doc = make_doc({"antidepressant_trials": trials})
    assert screen(doc)["scores"]["adequate_failed_trials"] == 0
    policy = Policy(min_trial_weeks=4)
    assert screen(doc, policy)["scores"]["adequate_failed_trials"] == 2
    assert assess_trials(doc, Policy(min_trial_weeks=8))[0].reason == "under 8 weeks"


def test_older_adult_age_comes_from_the_policy() -> None:
    doc = make_doc(
        {
            "antidepressant_trials": [trial("venlafaxine", 75, 8)],
            "patient.date_of_birth": "1966-01-01",
        }
    )  # 60
    assert screen(doc)["scores"]["adequate_failed_trials"] == 0
    assert screen(doc, Policy(older_adult_age=60))["scores"]["adequate_failed_trials"] == 1


# -- Maudsley Staging Method ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "total", "band"),
    [
        # months: <=12 / 13-24 / >24 -> 1 / 2 / 3 ; base PHQ-9 8 -> 2 points
        ({"depression.current_episode_months": 12}, 3, "mild"),
        ({"depression.current_episode_months": 13}, 4, "mild"),
        ({"depression.current_episode_months": 24}, 4, "mild"),
        ({"depression.current_episode_months": 25}, 5, "mild"),
        # severity
        ({"depression.phq9": [0, 0, 0, 0, 0, 0, 0, 0, 0]}, 2, "mild"),
        ({"depression.phq9": [1, 1, 1, 1, 0, 0, 0, 0, 0]}, 2, "mild"),
        ({"depression.phq9": [1, 1, 1, 1, 1, 0, 0, 0, 0]}, 3, "mild"),
        ({"depression.phq9": [2, 2, 2, 2, 2, 0, 0, 0, 0]}, 4, "mild"),
        ({"depression.phq9": [3, 3, 3, 3, 3, 3, 1, 0, 0]}, 4, "mild"),
        ({"depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0]}, 5, "mild"),
        (
            {
                "depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0],
                "psychiatric_history.psychotic_symptoms_current": True,
            },
            6,
            "mild",
        ),
        # treatment failures 1-2 / 3-4 -> 1 / 2
        ({"antidepressant_trials": [trial("sertraline", 100, 8)]}, 4, "mild"),
        (
            {
                "antidepressant_trials": [
                    trial(n, 400, 8) for n in ("sertraline", "citalopram", "fluoxetine")
                ]
            },
            5,
            "mild",
        ),
        # augmentation in the current episode, prior ECT
        ({"augmentation_trials": [trial("lithium", 900, 8)]}, 4, "mild"),
        ({"augmentation_trials": [trial("lithium", 900, 8, current=False)]}, 3, "mild"),
        ({"procedures": [{"treatment": "ect", "response": "none"}]}, 4, "mild"),
        ({"procedures": [{"treatment": "tms", "response": "none"}]}, 3, "mild"),
        # bands: <=6 mild, 7-10 moderate, >=11 severe
        (
            {
                "depression.current_episode_months": 30,
                "depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0],
                "antidepressant_trials": [trial("sertraline", 100, 8)],
            },
            8,
            "moderate",
        ),
        (
            {
                "depression.current_episode_months": 30,
                "depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0],
                "antidepressant_trials": [trial("sertraline", 100, 8)],
                "procedures": [{"treatment": "ect", "response": "none"}],
            },
            9,
            "moderate",
        ),
    ],
)
def test_msm(changes: dict, total: int, band: str) -> None:
    scores = run(changes)["scores"]
    assert (scores["msm_total"], scores["msm_band"]) == (total, band)


@pytest.mark.parametrize(
    ("n", "points"),
    [(0, 0), (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (10, 4), (11, 5), (13, 5)],
)
def test_msm_failure_points(n: int, points: int) -> None:
    names = [
        "citalopram",
        "escitalopram",
        "fluoxetine",
        "paroxetine",
        "sertraline",
        "fluvoxamine",
        "venlafaxine",
        "desvenlafaxine",
        "duloxetine",
        "levomilnacipran",
        "mirtazapine",
        "vortioxetine",
        "vilazodone",
    ][:n]
    scores = run(
        {
            "antidepressant_trials": [trial(name, 400, 8) for name in names],
            "depression.current_episode_months": 6,
        }
    )["scores"]
    assert scores["adequate_failed_trials"] == n
    assert scores["msm_total"] == 1 + 2 + points


def test_msm_severe_band() -> None:
    names = [
        "citalopram",
        "escitalopram",
        "fluoxetine",
        "paroxetine",
        "sertraline",
        "fluvoxamine",
        "venlafaxine",
        "desvenlafaxine",
        "duloxetine",
        "levomilnacipran",
        "mirtazapine",
    ]
    scores = run(
        {
            "antidepressant_trials": [trial(name, 400, 8) for name in names],
            "depression.current_episode_months": 30,
            "depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0],
            "psychiatric_history.psychotic_symptoms_current": True,
            "augmentation_trials": [trial("lithium", 900, 8)],
            "procedures": [{"treatment": "ect", "response": "none"}],
        }
    )["scores"]
    assert (scores["msm_total"], scores["msm_band"]) == (15, "severe")
    scores = run(
        {
            "antidepressant_trials": [trial(name, 400, 8) for name in names[:5]],
            "depression.current_episode_months": 30,
            "depression.phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0],
            "augmentation_trials": [trial("lithium", 900, 8)],
        }
    )["scores"]
    assert (scores["msm_total"], scores["msm_band"]) == (11, "severe")
