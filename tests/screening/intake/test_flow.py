"""The whole intake through the views: every step, submit, confirmation,
the stored version and its screening."""

from __future__ import annotations

import pytest
from django.core import mail

from screening.engine import DEFAULT_KNOWLEDGE, DEFAULT_POLICY, parse_document, screen
from screening.models import Intake
from screening.services.intake import FORM_STEPS
from tests.factories.accounts import PatientFactory
from tests.factories.intake import HYPERTENSION, LIKELY_TRD, URGENT_SAFETY, document_for, step_post

pytestmark = pytest.mark.django_db


def fill_all_steps(client, patient, document):
    for key in FORM_STEPS:
        response = client.post(f"/intake/step/{key}/", step_post(key, document, patient))
        assert response.status_code == 302, (key, response.content.decode()[:3000])


@pytest.mark.parametrize("example", [LIKELY_TRD, HYPERTENSION, URGENT_SAFETY])
def test_patient_completes_and_submits_the_intake(client, example):
    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    document = document_for(patient, example)

    start = client.get("/intake/")
    assert start.status_code == 302 and start["Location"] == "/intake/step/about/"
    fill_all_steps(client, patient, document)
    assert client.get("/intake/")["Location"] == "/intake/review/"

    review = client.get("/intake/review/")
    page = review.content.decode()
    assert "Send my answers" in page
    assert patient.given_name in page

    done = client.post("/intake/review/", follow=True)
    intake = Intake.objects.get(patient=patient)
    assert done.redirect_chain[-1][0] == f"/intake/{intake.pk}/submitted/"
    page = done.content.decode()
    assert "what happens next" in page.lower()
    assert "within 2 working days" in page
    assert intake.status == Intake.Status.SUBMITTED and intake.submitted_at is not None

    # The stored document validates, and screened it gives the engine's flags.
    parsed = parse_document(intake.document)
    direct = screen(parsed, DEFAULT_POLICY, DEFAULT_KNOWLEDGE)
    stored = intake.current_result
    assert stored is not None
    assert sorted((f.code, f.severity) for f in intake.flags.filter(is_current=True)) == sorted(
        (f["code"], f["severity"]) for f in direct["flags"]
    )
    expected = {k: v for k, v in document.items() if k not in ("consent", "completed_on")}
    for key in ("antidepressant_trials", "augmentation_trials"):
        for row in expected[key]:
            row.setdefault("stopped_for_side_effects", False)  # absent means false
    for key, value in expected.items():
        if key in ("format", "external_id"):
            continue
        assert intake.document[key] == value, key
    # Flags are never shown to the patient.
    for flag in direct["flags"]:
        assert flag["code"] not in page
    detail = client.get(f"/intake/{intake.pk}/").content.decode()
    for flag in direct["flags"]:
        assert flag["code"] not in detail and flag["summary"] not in detail
    assert "Sertraline" in detail or "fluoxetine" in detail


def test_urgent_answer_alerts_once(client, django_capture_on_commit_callbacks):
    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    document = document_for(patient, URGENT_SAFETY)
    client.get("/intake/")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post("/intake/step/safety/", step_post("safety", document, patient))
    assert len(callbacks) == 1
    assert mail.outbox == []  # queued, the worker sends it
