"""Course results and the clinic's results page: recomputed when a score is
added or corrected; the 10-course threshold; the CSV's columns and
pseudonyms; who may see what; query counts at 1 and 3 courses."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse

from screening.outcomes.models import CourseResult, Measurement, OutcomesSecret
from screening.outcomes.selectors import EXPORT_COLUMNS, Filters, clinic_results, phq9_trends
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.outcomes import add_scores, make_course

FIRST = datetime.date(2026, 1, 5)


def day(n: int) -> datetime.date:
    return FIRST + datetime.timedelta(days=n)


@pytest.fixture
def clinician(db):
    return StaffFactory(role="clinician", first_name="Ada", last_name="Okafor")


@pytest.fixture
def staff_client(client, clinician):
    client.force_login(clinician)
    return client


def responding_course(treatment="tms", clinician=None, patient=None, final=8):
    """10 sessions every 2 days from 5 January; baseline 20, end score `final`."""
    course = make_course(treatment=treatment, clinician=clinician, patient=patient)
    add_scores(course, [(day(-2), 20), (day(10), 14), (day(19), final)])
    return course


def test_a_course_result_from_its_scores(db, clinician):
    course = responding_course(clinician=clinician)
    result = CourseResult.objects.get(course=course)
    assert (result.treatment, result.status, result.sessions_held) == ("tms", "completed", 10)
    assert (result.baseline_score, result.final_score, result.change) == (20, 8, -12)
    assert (result.responded, result.remitted) == (True, False)
    assert result.response_on == day(19)
    assert (result.intent_to_treat, result.completer) == (True, True)
    assert result.baseline_band == "severe"
    assert result.clinician == clinician
    weeks = list(
        Measurement.objects.filter(course=course)
        .order_by("taken_at")
        .values_list("week", flat=True)
    )
    assert weeks == [0, 2, 3]


def test_a_stopped_course_counts_in_intent_to_treat_only(db):
    course = make_course(sessions=10, held=4)
    add_scores(course, [(day(-1), 18), (day(5), 12)])
    result = CourseResult.objects.get(course=course)
    assert result.status == "stopped"
    assert (result.intent_to_treat, result.completer) == (True, False)


def test_recording_and_correcting_a_score_recomputes_the_result(staff_client, clinician):
    course = make_course(clinician=clinician)
    add_scores(course, [(day(-1), 20)])
    assert CourseResult.objects.get(course=course).excluded_reason == "no_later_score"
    url = reverse("outcomes:record", args=[course.pk])
    response = staff_client.post(
        url, {"instrument": "phq9", "score": "4", "item9": "0", "taken_on": day(19).isoformat()}
    )
    assert response.status_code == 302
    result = CourseResult.objects.get(course=course)
    assert (result.final_score, result.remitted, result.responded) == (4, True, True)
    measurement = Measurement.objects.get(course=course, score=4)
    assert measurement.recorded_by == clinician

    response = staff_client.post(
        reverse("outcomes:correct", args=[course.pk, measurement.pk]),
        {
            f"c{measurement.pk}-score": "5",
            f"c{measurement.pk}-item9": "0",
            f"c{measurement.pk}-reason": "Typed 4 for 5",
        },
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert (result.final_score, result.remitted) == (5, False)  # 5 is not remission
    measurement.refresh_from_db()
    assert measurement.correction_reason == "Typed 4 for 5"


def test_a_bad_score_is_refused_where_it_was_typed(staff_client, clinician):
    course = make_course(clinician=clinician)
    response = staff_client.post(
        reverse("outcomes:record", args=[course.pk]),
        {"instrument": "gad7", "score": "40", "taken_on": day(3).isoformat()},
    )
    assert response.status_code == 400
    assert "A GAD-7 score is between 0 and 21." in response.content.decode()
    assert 'value="40"' in response.content.decode()  # nothing typed is lost
    response = staff_client.post(
        reverse("outcomes:record", args=[course.pk]),
        {"instrument": "phq9", "score": "12", "taken_on": day(3).isoformat()},
    )
    assert "Give the answer to PHQ-9 item 9 (0 to 3)." in response.content.decode()
    assert not Measurement.objects.filter(course=course).exists()


@pytest.mark.django_db(transaction=True)
def test_an_item_9_above_0_recorded_in_clinic_alerts_on_call(staff_client, clinician):
    StaffFactory(role="clinician", is_on_call=True, email="oncall@example.org")
    course = make_course(clinician=clinician)
    staff_client.post(
        reverse("outcomes:record", args=[course.pk]),
        {"instrument": "phq9", "score": "12", "item9": "2", "taken_on": day(3).isoformat()},
    )
    from tests.worker import run_worker

    run_worker()
    assert [m.to for m in mail.outbox] == [["oncall@example.org"]]
    assert CourseResult.objects.get(course=course).crisis_answers == 1


def test_numbers_are_shown_only_for_groups_of_at_least_ten(db):
    for _ in range(9):
        responding_course("ect")
    for _ in range(10):
        responding_course("tms")
    results = clinic_results(Filters())
    rows, total = results.rows, results.total
    by = {row.treatment: row for row in rows}
    assert by["ect"].started == 9
    assert not by["ect"].shown and by["ect"].itt_response is None
    assert by["tms"].shown
    assert by["tms"].itt_response.successes == 10
    assert (round(by["tms"].itt_response.low, 4), round(by["tms"].itt_response.high, 4)) == (
        0.7225,
        1.0,
    )
    assert by["tms"].median_change == -12
    assert total.started == 19 and total.itt_response.total == 19


def test_quarters_completeness_and_trends_are_summed_from_one_pass(db):
    """Per quarter of the course's start (per treatment and for all), the
    share of due measurements answered, and the weekly PHQ-9 means: the
    figures the page's charts and completeness table show."""
    april = datetime.date(2026, 4, 6)
    for _ in range(10):
        responding_course("tms")  # Q1: responds (20 to 8), no remission
    for _ in range(10):
        course = make_course(treatment="tms", first=april)
        spring = [april + datetime.timedelta(days=n) for n in (-2, 10, 19)]
        add_scores(course, list(zip(spring, (20, 14, 4), strict=True)))  # Q2: remits
    # Due and answered check-ins as the cadence's recompute stores them.
    CourseResult.objects.filter(treatment="tms", started_on__lt=april).update(
        measurements_due=4, measurements_answered=3
    )
    CourseResult.objects.filter(treatment="tms", started_on__gte=april).update(
        measurements_due=4, measurements_answered=1
    )
    results = clinic_results(Filters())
    tms = [
        (p.label, p.n, p.response.successes, p.remission.successes)
        for p in results.quarterly["tms"]
    ]
    assert tms == [("2026 Q1", 10, 10, 0), ("2026 Q2", 10, 10, 10)]
    every = [(p.label, p.n, p.response.successes) for p in results.quarterly["all"]]
    assert every == [("2026 Q1", 10, 10), ("2026 Q2", 10, 10)]
    assert "ect" not in results.quarterly
    by = {c.treatment: c for c in results.completeness}
    assert (by["tms"].due, by["tms"].answered, by["tms"].rate.successes) == (80, 40, 40)
    assert (by["ect"].due, by["ect"].answered, by["ect"].rate) == (0, 0, None)
    assert results.total.started == 20 and results.total.itt_remission.successes == 10
    trends = {t.treatment: t for t in phq9_trends(Filters())}
    assert trends["tms"].by_week
    points = [(p.x, p.n, round(p.mean, 2)) for p in trends["tms"].points]
    assert points == [(0, 20, 20.0), (2, 20, 14.0), (3, 20, 6.0)]
    assert trends["ect"].points == []


def test_the_page_hides_small_groups(staff_client):
    for _ in range(9):
        responding_course("ect")
    for _ in range(10):
        responding_course("tms")
    page = staff_client.get(reverse("outcomes:outcomes"), {"period": "all"}).content.decode()
    ect = page.split('data-testid="row-ect"')[1].split("</tr>")[0]
    assert "Fewer than 10 courses: not shown." in ect
    assert "9" not in ect.replace("</th>", "").split("<td")[-1]  # no count of the small group
    tms = page.split('data-testid="row-tms"')[1].split("</tr>")[0]
    assert "100% (72–100%)" in tms


def test_filters_narrow_the_courses(staff_client, clinician):
    young = PatientFactory(date_of_birth=datetime.date(2000, 1, 1))
    for _ in range(10):
        responding_course("tms", clinician=clinician)
    responding_course("tms", patient=young)
    rows = clinic_results(Filters(clinician=clinician.pk)).rows
    assert rows[2].treatment == "tms" and rows[2].started == 10
    rows = clinic_results(Filters(age_band="18_29")).rows
    assert rows[2].started == 1
    rows = clinic_results(Filters(baseline_band="severe", start=day(0), end=day(0))).rows
    assert rows[2].started == 11
    rows = clinic_results(Filters(start=day(1))).rows
    assert rows[2].started == 0


def test_bad_filter_values_are_errors_not_500s(staff_client):
    response = staff_client.get(
        reverse("outcomes:outcomes"),
        {"period": "custom", "start": "2026-02-01", "end": "2026-01-01", "treatment": "x\x00"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The end date is before the start date." in page
    assert "Select a valid choice." in page


def test_the_csv_has_one_row_per_course_with_stable_pseudonyms_and_no_names(staff_client):
    patient = PatientFactory(given_name="Harriet", family_name="Quimby")
    first = responding_course("tms", patient=patient)
    responding_course("ect", patient=patient)
    add_scores(make_course(treatment="esketamine"), [])  # no scores: a row, with its reason
    response = staff_client.get(reverse("outcomes:export"), {"period": "all"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == 4
    assert "Harriet" not in body and "Quimby" not in body and patient.email not in body
    by_treatment = {row[2]: dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_treatment["tms"]["patient_pseudonym"] == by_treatment["ect"]["patient_pseudonym"]
    assert (
        by_treatment["tms"]["patient_pseudonym"] != by_treatment["esketamine"]["patient_pseudonym"]
    )
    assert by_treatment["tms"]["patient_pseudonym"].startswith("P-")
    assert len(by_treatment["tms"]["patient_pseudonym"]) == 18
    assert by_treatment["tms"]["baseline_phq9"] == "20"
    assert by_treatment["tms"]["change"] == "-12"
    assert by_treatment["esketamine"]["excluded_reason"] == "no_baseline"
    assert str(first.pk) not in by_treatment["tms"]["course_pseudonym"][2:3]
    # Stable: the same on a second export; keyed by the installation's secret.
    again = b"".join(
        staff_client.get(reverse("outcomes:export"), {"period": "all"}).streaming_content
    )
    assert again.decode() == body
    assert OutcomesSecret.objects.count() == 1
    OutcomesSecret.objects.update(key="another-installation")
    other = b"".join(
        staff_client.get(reverse("outcomes:export"), {"period": "all"}).streaming_content
    )
    assert by_treatment["tms"]["patient_pseudonym"] not in other.decode()


def test_who_may_see_the_outcomes(client, db):
    course = responding_course()
    for role, status in (("scheduler", 403), ("clinician", 200), ("admin", 200)):
        client.force_login(StaffFactory(role=role))
        assert client.get(reverse("outcomes:outcomes")).status_code == status
        assert client.get(reverse("outcomes:export")).status_code == status
        expected = 200 if status == 200 else 403
        assert client.get(reverse("outcomes:course", args=[course.pk])).status_code == expected
    client.force_login(PatientFactory(with_login=True).user)
    assert client.get(reverse("outcomes:outcomes")).status_code == 403
    client.logout()
    assert client.get(reverse("outcomes:outcomes")).status_code == 302


def test_the_intake_gives_the_baseline_and_bands_and_the_case_page_shows_the_course(
    staff_client,
):
    from tests.factories.review import case
    from tests.factories.scheduling import local_dt

    intake = case("info", submitted_at=local_dt(2026, 1, 1, 10))  # 4 days before the course
    course = make_course(patient=intake.patient)
    add_scores(course, [(day(19), 3)])
    result = CourseResult.objects.get(course=course)
    screening = intake.results.get(is_current=True).scores
    assert result.baseline_score == intake.phq9_total == screening["phq9_total"]
    assert result.baseline_on == datetime.date(2026, 1, 1)
    assert result.trd_band == screening["msm_band"]
    assert result.remitted is True
    page = staff_client.get(reverse("review:case", args=[intake.pk])).content.decode()
    courses = page.split('data-testid="case-courses"')[1].split("</section>")[0]
    assert "Treatment courses" in page
    assert reverse("outcomes:course", args=[course.pk]) in courses
    assert f"{intake.phq9_total} (2026-01-01)" in courses
    assert "3 (2026-01-24)" in courses


@pytest.mark.parametrize("size", [1, 3])
def test_outcomes_page_query_count_does_not_grow(staff_client, django_assert_num_queries, size):
    for treatment in ("tms", "ect", "esketamine")[:size]:
        responding_course(treatment)
    staff_client.get(reverse("outcomes:outcomes"))  # warm the session
    with django_assert_num_queries(11):
        response = staff_client.get(reverse("outcomes:outcomes"), {"period": "all"})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 3])
def test_course_page_query_count_does_not_grow(staff_client, django_assert_num_queries, size):
    course = make_course()
    add_scores(course, [(day(-1), 20)] + [(day(i), 15) for i in range(1, size)])
    staff_client.get(reverse("outcomes:course", args=[course.pk]))
    with django_assert_num_queries(8):
        response = staff_client.get(reverse("outcomes:course", args=[course.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="measurement-') == size


def test_the_filters_name_the_vocabularys_bands_and_treatments(db):
    from screening.outcomes.forms import OutcomesFilterForm

    form = OutcomesFilterForm()
    assert dict(form.fields["baseline_band"].choices)["moderately_severe"] == (
        "Moderately severe (15-19)"
    )
    trd = dict(form.fields["trd_band"].choices)
    assert [str(trd[k]) for k in ("mild", "moderate", "severe")] == [
        "Mild (MSM 6 or less)",
        "Moderate (MSM 7-10)",
        "Severe (MSM 11 or more)",
    ]
    assert str(dict(form.fields["treatment"].choices)["esketamine"]) == "Esketamine"
