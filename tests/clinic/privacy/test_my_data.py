"""A patient downloads everything the clinic holds about them, from /me/: as
JSON (intakes in the clinic-intake/1 format) and as a printable page. Their
own data only."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from clinic.safety import crisis_alert_raise
from screening.engine import parse_document
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for
from tests.factories.scheduling import AppointmentFactory, CheckInFactory, ReminderFactory
from tests.factories.screening import IntakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana():
    patient = PatientFactory(
        with_login=True, given_name="Dana", family_name="Quill", phone="+1 555 0100"
    )
    document = document_for(patient, LIKELY_TRD)
    IntakeFactory(patient=patient, document=document)
    appointment = AppointmentFactory(patient=patient)
    CheckInFactory(
        appointment=appointment,
        patient=patient,
        completed_at=timezone.now(),
        phq9_answers=[1, 2, 1, 0, 1, 2, 1, 0, 0],
        phq9_total=8,
    )
    ReminderFactory(appointment=appointment, sent_at=timezone.now())
    crisis_alert_raise(patient=patient, source="intake", link="http://x/")
    return patient


@pytest.fixture
def other():
    patient = PatientFactory(with_login=True, given_name="Orla", family_name="Otherton")
    IntakeFactory(patient=patient, document=document_for(patient, LIKELY_TRD))
    AppointmentFactory(patient=patient)
    return patient


def test_the_json_download_holds_everything_about_the_patient_and_nobody_else(
    client, dana, other, django_assert_max_num_queries
):
    client.force_login(dana.user)
    with django_assert_max_num_queries(14):
        response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-clinic-data-')
    data = json.loads(response.content)
    assert data["format"] == "clinic-patient-export/1"
    assert data["patient"]["given_name"] == "Dana"
    assert data["patient"]["phone"] == "+1 555 0100"
    assert data["account"]["email"] == dana.user.email
    (intake,) = data["intakes"]
    assert intake["status"] == "submitted"
    # The intake is a clinic-intake/1 document, importable as it is.
    assert parse_document(intake["document"]).patient.family_name == "Quill"
    assert len(data["appointments"]) == 1 and data["appointments"][0]["status"] == "booked"
    assert data["check_ins"][0]["phq9_total"] == 8
    assert len(data["reminders_sent"]) == 1
    assert data["safety_alerts"][0]["source"] == "intake"
    text = response.content.decode()
    assert "Orla" not in text and "Otherton" not in text and other.email not in text


def test_the_page_is_readable_and_printable_with_the_same_data(client, dana, other):
    client.force_login(dana.user)
    home = client.get("/me/").content.decode()
    assert 'href="/me/data/"' in home and 'href="/me/data.json"' in home
    response = client.get("/me/data/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Everything the clinic holds about you" in page
    for text in ("Dana", "Quill", "+1 555 0100", "Phq9 total", "Antidepressant trials"):
        assert text in page, text
    assert "Orla" not in page and "Otherton" not in page
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_the_page_query_count_does_not_grow_with_the_records(client, dana):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(dana.user)
    counts = []
    for size in (1, 4):
        while dana.appointments.count() < size:
            n = dana.appointments.count()
            appointment = AppointmentFactory(
                patient=dana, start=timezone.now() + datetime.timedelta(days=9 + n)
            )
            ReminderFactory(appointment=appointment, sent_at=timezone.now())
        for url in ("/me/data/", "/me/data.json"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append((url, len(queries)))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert counts[0][1] <= 12, counts


@pytest.mark.parametrize("fixture", ["clinician", "scheduler", "clinic_admin"])
@pytest.mark.parametrize("url", ["/me/data/", "/me/data.json"])
def test_staff_have_no_my_data_page(client, request, fixture, url):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/me/data/", "/me/data.json"])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/me/data/", "/me/data.json"])
def test_post_is_refused(client, dana, url):
    client.force_login(dana.user)
    assert client.post(url).status_code == 405
