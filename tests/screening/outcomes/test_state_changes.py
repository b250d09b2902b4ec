"""The checklist of every outcomes view that changes state (as healthchecks
does per view): a GET is refused (the check-in's GET shows its form and
changes nothing), a role that may not use it is refused (a scheduler never
records a score, staff never answer a patient's check-in), a bad id is a 404,
another course's score or another patient's check-in is refused, and the
effect on the database is what the view says."""

from __future__ import annotations

import datetime

import pytest

from clinic.scheduling.models import CheckIn, Course
from screening.intake.instruments import CSSRS_QUESTIONS
from screening.outcomes.models import Measurement
from tests.factories.accounts import PatientFactory
from tests.factories.outcomes import add_scores, make_course

pytestmark = pytest.mark.django_db

RECORD = {"instrument": "phq9", "score": "7", "item9": "0", "taken_on": "2026-01-10"}


def correction(measurement: Measurement) -> dict[str, str]:
    prefix = f"c{measurement.pk}"
    return {f"{prefix}-score": "11", f"{prefix}-item9": "0", f"{prefix}-reason": "Misread"}


def scored_course() -> tuple[Course, Measurement]:
    course = make_course(patient=PatientFactory(with_login=True))
    add_scores(course, [(datetime.date(2026, 1, 5), 18)])
    return course, course.measurements.get()


def state() -> list[tuple]:
    return list(
        Measurement.objects.order_by("pk").values_list(
            "pk", "course", "score", "item9", "correction_reason", "recorded_by"
        )
    )


# -- the staff views: record a score, correct one ------------------------------------------


@pytest.mark.parametrize("name", ["record", "correct"])
def test_a_get_is_refused_and_changes_nothing(client, clinician, name):
    course, measurement = scored_course()
    before = state()
    client.force_login(clinician)
    tail = "" if name == "record" else f"{measurement.pk}/"
    assert client.get(f"/outcomes/courses/{course.pk}/scores/{tail}").status_code == 405
    assert state() == before


@pytest.mark.parametrize("name", ["record", "correct"])
@pytest.mark.parametrize("role", ["scheduler", "patient_user", "the_patient"])
def test_a_role_that_may_not_use_it_is_refused(client, request, name, role):
    course, measurement = scored_course()
    user = course.patient.user if role == "the_patient" else request.getfixturevalue(role)
    before = state()
    client.force_login(user)
    if name == "record":
        response = client.post(f"/outcomes/courses/{course.pk}/scores/", RECORD)
    else:
        response = client.post(
            f"/outcomes/courses/{course.pk}/scores/{measurement.pk}/", correction(measurement)
        )
    assert response.status_code == 403
    assert state() == before


def test_a_bad_id_is_a_404(client, clinician):
    course, measurement = scored_course()
    before = state()
    client.force_login(clinician)
    assert client.post("/outcomes/courses/999999/scores/", RECORD).status_code == 404
    data = correction(measurement)
    assert (
        client.post(f"/outcomes/courses/999999/scores/{measurement.pk}/", data).status_code == 404
    )
    assert client.post(f"/outcomes/courses/{course.pk}/scores/999999/", data).status_code == 404
    assert state() == before


def test_another_courses_score_is_a_404_and_unchanged(client, clinician):
    course, _mine = scored_course()
    _other, theirs = scored_course()
    before = state()
    client.force_login(clinician)
    url = f"/outcomes/courses/{course.pk}/scores/{theirs.pk}/"
    assert client.post(url, correction(theirs)).status_code == 404
    assert state() == before


@pytest.mark.parametrize("role", ["clinician", "clinic_admin"])
def test_a_score_is_recorded(client, request, role):
    user = request.getfixturevalue(role)
    course, _first = scored_course()
    client.force_login(user)
    response = client.post(f"/outcomes/courses/{course.pk}/scores/", RECORD)
    assert response.status_code == 302 and response["Location"] == f"/outcomes/courses/{course.pk}/"
    added = course.measurements.exclude(pk=_first.pk).get()
    assert (added.instrument, added.score, added.item9, added.recorded_by) == ("phq9", 7, 0, user)
    assert added.patient == course.patient


@pytest.mark.parametrize("role", ["clinician", "clinic_admin"])
def test_a_score_is_corrected(client, request, role):
    user = request.getfixturevalue(role)
    course, measurement = scored_course()
    client.force_login(user)
    url = f"/outcomes/courses/{course.pk}/scores/{measurement.pk}/"
    assert client.post(url, correction(measurement)).status_code == 302
    measurement.refresh_from_db()
    assert (measurement.score, measurement.correction_reason) == (11, "Misread")
    assert measurement.corrected_at is not None


# -- the patient's check-in ----------------------------------------------------------------


def answers() -> dict[str, str]:
    safety = {f"cssrs_{key}": "no" for key in CSSRS_QUESTIONS}
    return {**safety, **{f"phq9_{n}": "1" for n in range(1, 10)}, "phq9_9": "0"}


def a_checkin() -> Measurement:
    patient = PatientFactory(with_login=True)
    course = make_course(patient=patient)
    checkin = CheckIn.objects.create(patient=patient)
    return Measurement.objects.create(
        course=course, patient=patient, kind="interval", checkin=checkin
    )


def checkin_state() -> list[tuple]:
    return [
        *state(),
        *CheckIn.objects.order_by("pk").values_list(
            "pk", "completed_at", "phq9_answers", "safety_answers"
        ),
    ]


def test_the_checkins_get_shows_the_form_and_changes_nothing(client):
    measurement = a_checkin()
    before = checkin_state()
    client.force_login(measurement.patient.user)
    response = client.get(f"/outcomes/check-in/{measurement.checkin.token}/")
    assert response.status_code == 200 and "phq9_1" in response.content.decode()
    assert checkin_state() == before


@pytest.mark.parametrize("role", ["clinician", "scheduler"])
def test_staff_cannot_answer_a_patients_checkin(client, request, role):
    measurement = a_checkin()
    before = checkin_state()
    client.force_login(request.getfixturevalue(role))
    response = client.post(f"/outcomes/check-in/{measurement.checkin.token}/", answers())
    assert response.status_code == 403
    assert checkin_state() == before


def test_another_patients_checkin_is_a_404_and_unchanged(client):
    theirs = a_checkin()
    before = checkin_state()
    client.force_login(PatientFactory(with_login=True).user)
    response = client.post(f"/outcomes/check-in/{theirs.checkin.token}/", answers())
    assert response.status_code == 404
    assert checkin_state() == before


def test_a_bad_checkin_token_is_a_404(client, patient_user):
    a_checkin()
    before = checkin_state()
    client.force_login(patient_user)
    assert client.post("/outcomes/check-in/no-such-token/", answers()).status_code == 404
    assert checkin_state() == before


def test_the_checkin_is_answered(client):
    measurement = a_checkin()
    client.force_login(measurement.patient.user)
    response = client.post(f"/outcomes/check-in/{measurement.checkin.token}/", answers())
    assert response.status_code == 200
    assert 'data-testid="checkin-done"' in response.content.decode()
    measurement.refresh_from_db()
    assert (measurement.score, measurement.item9) == (8, 0)
    assert measurement.checkin.completed_at is not None
