"""The cadence admin refuses odd input with a message, never a 500; a
measurement's check-in opened at the scheduling app's address goes to its
own page; the check-in is only for the patient it was sent to."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.scheduling.models import CheckIn
from screening.outcomes.models import Measurement, MeasurementCadence
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.outcomes import cadence, make_course


@pytest.fixture
def admin_client(client, db):
    client.force_login(StaffFactory(role="admin"))
    return client


def _post(client, tms, **changes):
    data = {
        "treatment": "tms",
        "session_type": str(tms.session_type_id),
        "every_days": "7",
        "at_end": "on",
        "months_after": "[1, 3, 6]",
        "chart_by_week": "on",
    } | changes
    return client.post(reverse("admin:outcomes_measurementcadence_change", args=[tms.pk]), data)


def test_the_cadence_is_edited_in_the_admin(admin_client):
    tms = cadence("tms")
    response = _post(admin_client, tms, every_days="14", months_after="[2]")
    assert response.status_code == 302
    tms.refresh_from_db()
    assert (tms.every_days, tms.months_after) == (14, [2])
    response = _post(admin_client, tms, months_after="")
    assert response.status_code == 302
    tms.refresh_from_db()
    assert tms.months_after == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"months_after": "[0, 3]"}, "Give a list of whole months after the course"),
        ({"months_after": "[3, 3]"}, "Each month may appear only once."),
        ({"months_after": '"six"'}, "Give a list of whole months after the course"),
        ({"months_after": "{"}, "Enter a valid JSON."),
        ({"every_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"every_days": "99999999999"}, "Ensure this value is less than or equal to 90."),
        ({"treatment": "ect"}, "already exists"),
    ],
)
def test_odd_cadence_input_is_a_form_error(admin_client, changes, message):
    cadence("ect")
    tms = cadence("tms")
    response = _post(admin_client, tms, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert MeasurementCadence.objects.get(pk=tms.pk).every_days == 7


def test_a_measurement_checkin_at_the_scheduling_address_goes_to_its_page(client, db):
    patient = PatientFactory(with_login=True)
    course = make_course(patient=patient)
    checkin = CheckIn.objects.create(patient=patient)
    Measurement.objects.create(course=course, patient=patient, kind="interval", checkin=checkin)
    client.force_login(patient.user)
    response = client.get(reverse("scheduling:checkin", args=[checkin.token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:checkin", args=[checkin.token])
    page = client.get(response["Location"]).content.decode()
    assert "How you have been feeling" in page
    # Another patient, or staff, cannot open it.
    client.force_login(PatientFactory(with_login=True).user)
    assert client.get(reverse("outcomes:checkin", args=[checkin.token])).status_code == 404
    client.force_login(StaffFactory(role="clinician"))
    assert client.get(reverse("outcomes:checkin", args=[checkin.token])).status_code == 403


def test_a_course_appointment_links_clinicians_not_schedulers_to_the_course(client, db):
    course = make_course()
    appointment = course.appointments.first()
    link = reverse("outcomes:course", args=[course.pk])
    client.force_login(StaffFactory(role="clinician"))
    page = client.get(reverse("scheduling:appointment", args=[appointment.pk])).content.decode()
    assert link in page
    client.force_login(StaffFactory(role="scheduler"))
    page = client.get(reverse("scheduling:appointment", args=[appointment.pk])).content.decode()
    assert link not in page


def test_the_daily_command_plans_due_measurements_once(db):
    import datetime
    from io import StringIO

    import time_machine
    from django.core.management import call_command

    from clinic.scheduling.models import Appointment, AppointmentStatus
    from tests.factories.scheduling import local_dt

    with time_machine.travel(local_dt(2026, 3, 2, 8), tick=False):
        course = make_course(treatment="ect", first=datetime.date(2026, 3, 4), sessions=3)
        Appointment.objects.filter(course=course).update(status=AppointmentStatus.BOOKED)
        out = StringIO()
        call_command("plan_measurements", stdout=out)
        assert out.getvalue().strip() == "3 measurements planned."  # baseline, 2 sessions
        call_command("plan_measurements", stdout=out)
        assert out.getvalue().strip().endswith("0 measurements planned.")


def test_schedulers_cannot_record_or_correct_scores(client, db):
    course = make_course()
    client.force_login(StaffFactory(role="scheduler"))
    response = client.post(
        reverse("outcomes:record", args=[course.pk]),
        {"instrument": "phq9", "score": "5", "item9": "0", "taken_on": "2026-01-10"},
    )
    assert response.status_code == 403
    assert not Measurement.objects.filter(course=course).exists()


def test_the_patients_data_download_holds_their_measurements(client, db):
    import json

    patient = PatientFactory(with_login=True)
    course = make_course(patient=patient)
    checkin = CheckIn.objects.create(patient=patient)  # a course's check-in: no appointment
    Measurement.objects.create(
        course=course, patient=patient, kind="interval", checkin=checkin, score=None
    )
    Measurement.objects.create(course=course, patient=patient, kind="clinic", score=11)
    client.force_login(patient.user)
    response = client.get("/me/data.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["check_ins"][0]["appointment_start"] is None
    assert sorted((m["kind"], m["score"]) for m in data["outcome_measurements"]) == [
        ("clinic", 11),
        ("interval", None),
    ]
