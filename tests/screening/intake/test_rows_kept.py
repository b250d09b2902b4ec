"""Rows a patient typed are what is stored, whatever autosave did in between.

The bug these guard against: the autosave stored a new row; the next post
bound the formset with that row as `initial` while the page's management form
still said INITIAL_FORMS=0, so the row counted as an unchanged extra form and
was dropped ("Save and continue" marked the step complete with no rows).
"""

from __future__ import annotations

import pytest

from screening.intake.steps import STEP_BY_KEY
from screening.models import Intake
from screening.services.intake import COMPLETE
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for, step_post

pytestmark = pytest.mark.django_db

LIST_STEPS = [
    (step.key, spec.prefix, spec.section) for step in STEP_BY_KEY.values() for spec in step.lists
]


# How the review page names a row that has no free-text name.
REVIEW_TEXT = {
    "psychotherapy": "Cognitive behavioural therapy (CBT)",
    "procedures": "Transcranial magnetic stimulation (TMS)",
}


@pytest.fixture
def patient(client):
    patient = PatientFactory(with_login=True, given_name="Dana", family_name="Reyes")
    client.force_login(patient.user)
    client.get("/intake/")
    return patient


def _draft(patient) -> Intake:
    return patient.intakes.get(status=Intake.Status.DRAFT)


def _one_row_post(step_key, prefix, section, patient, action):
    """What the page posts after the patient typed one row into a page that
    loaded with no rows (INITIAL_FORMS=0)."""
    document = document_for(patient, LIKELY_TRD)
    rows = document.get(section) or []
    if not rows:
        rows = _sample_rows(section)
    only = dict(document)
    for spec in STEP_BY_KEY[step_key].lists:
        only[spec.section] = rows[:1] if spec.section == section else []
    data = step_post(step_key, only, patient, action=action)
    assert data[f"{prefix}-TOTAL_FORMS"] == "1"
    assert data[f"{prefix}-INITIAL_FORMS"] == "0"
    return data, rows[0]


def _sample_rows(section):
    return {
        "augmentation_trials": [
            {
                "medication": "Aripiprazole",
                "max_daily_dose_mg": 5,
                "duration_weeks": 8,
                "current_episode": True,
                "response": "none",
                "stopped_for_side_effects": False,
            }
        ],
        "psychotherapy": [
            {"modality": "cbt", "sessions": 12, "current_episode": True, "response": "partial"}
        ],
        "procedures": [{"treatment": "tms", "sessions": 30, "year": 2024, "response": "none"}],
        "current_medications": [{"name": "Lisinopril", "daily_dose_mg": 10}],
    }[section]


@pytest.mark.parametrize("action", ["next", "back", "later", "stay"])
@pytest.mark.parametrize(("step_key", "prefix", "section"), LIST_STEPS)
def test_a_row_stored_by_autosave_survives_the_next_save(
    client, patient, step_key, prefix, section, action
):
    data, row = _one_row_post(step_key, prefix, section, patient, action="stay")
    autosave = client.post(f"/intake/step/{step_key}/", data, HTTP_X_INTAKE_AUTOSAVE="1")
    assert autosave.json()["saved"] is True
    assert _draft(patient).document[section] == [row]

    data["action"] = action  # the same page, the same management form
    client.post(f"/intake/step/{step_key}/", data)

    intake = _draft(patient)
    assert intake.document[section] == [row]
    assert intake.step_state[step_key] == COMPLETE
    review = client.get("/intake/review/").content.decode()
    assert REVIEW_TEXT.get(section, row.get("medication") or row.get("name")) in review


@pytest.mark.parametrize(("step_key", "prefix", "section"), LIST_STEPS)
def test_a_row_emptied_by_the_patient_is_removed_not_an_error(
    client, patient, step_key, prefix, section
):
    data, row = _one_row_post(step_key, prefix, section, patient, action="next")
    client.post(f"/intake/step/{step_key}/", data)
    assert _draft(patient).document[section] == [row]
    page = client.get(f"/intake/step/{step_key}/").content.decode()
    assert f'name="{prefix}-INITIAL_FORMS" value="1"' in page
    data[f"{prefix}-INITIAL_FORMS"] = "1"
    for key in list(data):
        if key.startswith(f"{prefix}-0-"):
            data[key] = ""
    response = client.post(f"/intake/step/{step_key}/", data)
    assert response.status_code == 302
    assert _draft(patient).document[section] == []


def test_editing_an_autosaved_row_stores_the_edit(client, patient):
    data, _row = _one_row_post("medicines", "med", "current_medications", patient, "stay")
    client.post("/intake/step/medicines/", data, HTTP_X_INTAKE_AUTOSAVE="1")
    data["med-0-daily_dose_mg"] = "15"
    data["action"] = "next"
    client.post("/intake/step/medicines/", data)
    assert _draft(patient).document["current_medications"][0]["daily_dose_mg"] == 15
