"""Submitted versions never change; an update is a new version pre-filled
from the last; a clinician can reopen steps; patients see only their own."""

from __future__ import annotations

import copy

import pytest

from screening.engine import DocumentError
from screening.models import Intake
from screening.services.intake import (
    COMPLETE,
    FORM_STEPS,
    IntakeError,
    intake_save_step,
    intake_start,
    intake_start_update,
    intake_submit,
)
from tests.factories.accounts import PatientFactory
from tests.factories.intake import (
    HYPERTENSION,
    LIKELY_TRD,
    IntakeFactory,
    document_for,
    sections_of,
    step_post,
)

pytestmark = pytest.mark.django_db


def submitted_intake(patient=None, example=LIKELY_TRD) -> Intake:
    intake = IntakeFactory(**({"patient": patient} if patient else {}))
    intake.document = sections_of(document_for(intake.patient, example))
    intake.step_state = dict.fromkeys(FORM_STEPS, COMPLETE)
    intake.save()
    return intake_submit(intake=intake)


def test_a_submitted_version_is_immutable():
    intake = submitted_intake()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.document["format"] == "clinic-intake/1"
    with pytest.raises(IntakeError):
        intake_save_step(intake=intake, step="history", sections={"psychiatric_history": {}})
    with pytest.raises(IntakeError):
        intake_submit(intake=intake)


def test_the_service_checks_sections_with_the_engine():
    intake = IntakeFactory()
    with pytest.raises(DocumentError) as exc:
        intake_save_step(
            intake=intake,
            step="physical",
            sections={
                "blood_pressure": {"systolic": 100, "diastolic": 120, "measured_on": "2020-01-01"},
                "medical_history": {},
            },
        )
    paths = [path for path, _ in exc.value.errors]
    assert "blood_pressure.diastolic" in paths
    assert "medical_history.hypertension" in paths


def test_patient_starts_an_update_prefilled_and_earlier_versions_stay(client):
    v1 = submitted_intake()
    patient = v1.patient
    before = copy.deepcopy(v1.document)
    client.force_login(patient.user)
    status = client.get("/intake/")
    assert status.status_code == 200 and "Start an update" in status.content.decode()

    response = client.post("/intake/update/")
    v2 = patient.intakes.get(status=Intake.Status.DRAFT)
    assert (v2.version, v2.previous) == (2, v1)
    assert response["Location"] == "/intake/step/consent/"  # only consent to sign again
    assert v2.document["antidepressant_trials"] == before["antidepressant_trials"]
    assert "consent" not in v2.document

    change = document_for(patient, HYPERTENSION)
    client.post("/intake/step/physical/", step_post("physical", change, patient))
    client.post("/intake/step/consent/", step_post("consent", change, patient))
    done = client.post("/intake/review/")
    assert done["Location"] == f"/intake/{v2.pk}/submitted/"
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.document == before
    assert v2.document["blood_pressure"]["systolic"] == 152
    assert v2.flags.filter(code="uncontrolled_hypertension", is_current=True).exists()
    assert not v1.flags.filter(code="uncontrolled_hypertension").exists()


def test_clinician_reopens_steps_and_the_patient_resumes_there(client):
    v1 = submitted_intake()
    draft = intake_start_update(patient=v1.patient, steps=["suicide_screen", "physical"])
    assert draft.reopened_steps == ["safety", "physical"]
    assert "safety" not in draft.step_state and draft.step_state["feeling"] == COMPLETE
    client.force_login(v1.patient.user)
    assert client.get("/intake/")["Location"] == "/intake/step/safety/"
    page = client.get("/intake/step/safety/").content.decode()
    assert "Your clinician has asked you to check and update this part." in page
    # Asking again reuses the same draft.
    again = intake_start_update(patient=v1.patient, steps=["medicines"])
    assert again.pk == draft.pk and again.reopened_steps == ["safety", "physical", "medicines"]
    with pytest.raises(IntakeError):
        intake_start_update(patient=v1.patient, steps=["nonsense"])


def test_update_without_a_submitted_version_is_refused():
    with pytest.raises(IntakeError):
        intake_start_update(patient=PatientFactory())


def test_one_draft_per_patient():
    patient = PatientFactory(with_login=True)
    assert intake_start(patient=patient).pk == intake_start(patient=patient).pk


def test_patients_see_only_their_own_intakes(client):
    mine, theirs = submitted_intake(), submitted_intake()
    client.force_login(mine.patient.user)
    assert client.get(f"/intake/{mine.pk}/").status_code == 200
    assert client.get(f"/intake/{theirs.pk}/").status_code == 404
    assert client.get(f"/intake/{theirs.pk}/submitted/").status_code == 404


@pytest.mark.parametrize("fixture", ["clinician", "scheduler", "clinic_admin"])
def test_staff_do_not_fill_intakes(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/intake/step/about/").status_code == 403


def test_print_page_shows_answers_and_no_flags(client):
    intake = submitted_intake(example=HYPERTENSION)
    client.force_login(intake.patient.user)
    page = client.get(f"/intake/{intake.pk}/").content.decode()
    assert "Your intake, version 1" in page
    assert "lorazepam" in page and "152" in page and "data-print" in page
    for flag in intake.flags.all():
        assert flag.code not in page and flag.summary not in page


@pytest.mark.parametrize("versions", [1, 3])
def test_the_list_of_sent_versions_queries_do_not_grow(client, versions, django_assert_num_queries):
    first = submitted_intake()
    patient = first.patient
    for _ in range(versions - 1):
        draft = intake_start_update(patient=patient)
        draft.document["consent"] = first.document["consent"]
        draft.step_state = dict.fromkeys(FORM_STEPS, COMPLETE)
        draft.save()
        intake_submit(intake=draft)
    client.force_login(patient.user)
    client.get("/intake/")
    with django_assert_num_queries(QUERIES_ON_STATUS_PAGE):
        page = client.get("/intake/").content.decode()
    assert page.count("view or print") == versions


QUERIES_ON_STATUS_PAGE = 6


def test_a_document_the_engine_refuses_is_not_submitted_and_says_where(client):
    intake = IntakeFactory()
    document = sections_of(document_for(intake.patient, LIKELY_TRD))
    document["patient"]["date_of_birth"] = "2020-01-01"  # too young at completed_on
    intake.document = document
    intake.step_state = dict.fromkeys(FORM_STEPS, COMPLETE)
    intake.save()
    client.force_login(intake.patient.user)
    response = client.post("/intake/review/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some answers need checking before you can send them" in page
    assert "the age must be between 12 and 120" in page
    assert 'href="/intake/step/about/"' in page
    intake.refresh_from_db()
    assert intake.status == Intake.Status.DRAFT
    assert intake.step_state["about"] == "attention"
    assert not intake.results.exists()
