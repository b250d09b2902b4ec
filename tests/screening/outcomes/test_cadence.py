"""The measuring cadence, run by the real worker (`db_worker --batch`): each
due check-in goes out once at its time, in the patient's language, with
reminders on the next 2 days that stop as soon as it is answered; an item 9
answer above 0 alerts the on-call clinicians."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from clinic.scheduling.models import Appointment, AppointmentStatus
from screening.intake.instruments import CSSRS_QUESTIONS
from screening.outcomes.models import CourseResult, Measurement, MeasurementNotice
from screening.outcomes.services import measurements_plan_due
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.outcomes import make_course
from tests.factories.scheduling import local_dt
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

PHQ9_MILD = {f"phq9_{n}": "1" for n in range(1, 10)} | {"phq9_9": "0"}


@pytest.fixture
def frozen_now():
    with time_machine.travel(local_dt(2026, 3, 2, 8), tick=True) as traveller:
        yield traveller


@pytest.fixture
def patient(db):
    return PatientFactory(with_login=True, email="robin@example.org", given_name="Robin")


@pytest.fixture
def tms_course(frozen_now, patient):
    """15 daily TMS sessions from Monday 9 March, booked."""
    import datetime

    course = make_course(
        treatment="tms", patient=patient, first=datetime.date(2026, 3, 9), sessions=15, every_days=1
    )
    Appointment.objects.filter(course=course).update(status=AppointmentStatus.BOOKED)
    return course


def _answer(patient, url: str, answers: dict) -> str:
    client = Client()
    client.force_login(patient.user)
    path = re.sub(r"^https?://[^/]+", "", url)
    safety = {f"cssrs_{key}": "no" for key in CSSRS_QUESTIONS}
    response = client.post(path, {**safety, **answers})
    assert response.status_code == 200
    return response.content.decode()


def test_due_checkins_go_out_once_with_two_reminders_that_stop_on_an_answer(
    frozen_now, tms_course, patient
):
    assert measurements_plan_due() == 2  # the baseline, and week 1 (the course runs 15 days)
    assert measurements_plan_due() == 0  # planning again adds nothing
    due = dict(Measurement.objects.filter(course=tms_course).values_list("kind", "due_on"))
    assert {k: d.isoformat() for k, d in due.items()} == {
        "baseline": "2026-03-08",
        "interval": "2026-03-16",
    }
    run_worker()
    assert mail.outbox == []  # nothing due yet

    frozen_now.move_to(local_dt(2026, 3, 6, 8, 1))  # 3 days before the first session
    run_worker()
    run_worker()  # a second worker run (or a restarted worker) sends nothing again
    assert len(mail.outbox) == 1
    first = mail.outbox[0]
    assert first.to == ["robin@example.org"]
    assert first.subject == "A short check-in about how you are feeling"
    link = re.search(r"https?://\S+/outcomes/check-in/\S+/", first.body).group(0)

    frozen_now.move_to(local_dt(2026, 3, 7, 8, 1))
    run_worker()
    run_worker()
    assert [m.subject for m in mail.outbox][1:] == [
        "Reminder: a short check-in about how you are feeling"
    ]
    assert link in mail.outbox[1].body  # the same check-in

    page = _answer(patient, link, PHQ9_MILD)
    assert 'data-testid="checkin-done"' in page
    baseline = Measurement.objects.get(course=tms_course, kind="baseline")
    assert (baseline.score, baseline.item9) == (8, 0)
    assert baseline.checkin.completed_at is not None

    frozen_now.move_to(local_dt(2026, 3, 8, 8, 1))
    run_worker()
    assert len(mail.outbox) == 2  # the third notice is not sent: answered
    notices = MeasurementNotice.objects.filter(measurement=baseline).order_by("number")
    assert [(n.sent_at is not None, n.skipped_at is not None) for n in notices] == [
        (True, False),
        (True, False),
        (False, True),
    ]
    # A second answer to the same check-in changes nothing.
    _answer(patient, link, {f"phq9_{n}": "3" for n in range(1, 10)})
    baseline.refresh_from_db()
    assert baseline.score == 8
    result = CourseResult.objects.get(course=tms_course)
    assert result.excluded_reason == "no_baseline"  # no session held yet


def test_the_checkin_goes_out_in_the_patients_language(frozen_now, tms_course, patient):
    patient.preferred_language = "es"
    patient.save()
    measurements_plan_due()
    frozen_now.move_to(local_dt(2026, 3, 6, 8, 1))
    run_worker()
    from django.utils import translation

    with translation.override("es"):
        from django.utils.translation import gettext

        expected = gettext("A short check-in about how you are feeling")
    assert mail.outbox[0].subject == expected


def test_an_item_9_answer_above_0_alerts_the_oncall_clinicians(frozen_now, tms_course, patient):
    StaffFactory(role="clinician", is_on_call=True, email="oncall@example.org")
    measurements_plan_due()
    frozen_now.move_to(local_dt(2026, 3, 6, 8, 1))
    run_worker()
    link = re.search(r"https?://\S+/outcomes/check-in/\S+/", mail.outbox[0].body).group(0)
    page = _answer(patient, link, {**PHQ9_MILD, "phq9_9": "1"})
    assert "988" in page  # crisis resources at once
    run_worker()
    alerts = [m for m in mail.outbox if m.to == ["oncall@example.org"]]
    assert len(alerts) == 1
    assert alerts[0].subject == "Crisis answer, please review today"
    assert f"/outcomes/courses/{tms_course.pk}/" in alerts[0].body
    assert "Robin" not in alerts[0].body


def test_a_crisis_answer_on_a_half_done_measurement_check_in_alerts_at_once(
    frozen_now, tms_course, patient
):
    """Item 9 answered, everything else blank: the crisis resources show on
    the page sent back and the on-call email goes once; the whole check-in
    sent later is stored and sends no second one (main's follow-up check-in
    rule, on the course's check-in too)."""
    StaffFactory(role="clinician", is_on_call=True, email="oncall@example.org")
    measurements_plan_due()
    frozen_now.move_to(local_dt(2026, 3, 6, 8, 1))
    run_worker()
    link = re.search(r"https?://\S+/outcomes/check-in/\S+/", mail.outbox[0].body).group(0)
    client = Client()
    client.force_login(patient.user)
    path = re.sub(r"^https?://[^/]+", "", link)
    response = client.post(path, {"phq9_9": "2"})
    assert response.status_code == 200
    assert 'data-testid="crisis-resources"' in response.content.decode()
    run_worker()
    alerts = [m for m in mail.outbox if m.to == ["oncall@example.org"]]
    assert len(alerts) == 1
    assert f"/outcomes/courses/{tms_course.pk}/" in alerts[0].body
    measurement = Measurement.objects.get(course=tms_course, kind=Measurement.Kind.BASELINE)
    assert measurement.score is None and measurement.checkin.completed_at is None

    _answer(patient, link, {**PHQ9_MILD, "phq9_9": "2"})
    run_worker()
    measurement.refresh_from_db()
    assert measurement.score == 10 and measurement.item9 == 2
    assert len([m for m in mail.outbox if m.to == ["oncall@example.org"]]) == 1


def test_a_cancelled_session_drops_its_unsent_measurement(frozen_now, patient):
    import datetime

    course = make_course(
        treatment="ect", patient=patient, first=datetime.date(2026, 3, 9), sessions=3, every_days=2
    )
    Appointment.objects.filter(course=course).update(status=AppointmentStatus.BOOKED)
    measurements_plan_due()
    assert Measurement.objects.filter(course=course, kind="session").count() == 2
    last = Appointment.objects.filter(course=course).order_by("start").last()
    last.status = AppointmentStatus.CANCELLED
    last.save()
    measurements_plan_due()
    assert list(
        Measurement.objects.filter(course=course, kind="session").values_list("due_on", flat=True)
    ) == [datetime.date(2026, 3, 11)]
