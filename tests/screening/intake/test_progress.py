"""How far an intake is, said the same way everywhere (issue 9, section 3):
the step pages, the patient's home page, the message after "Save and finish
later", and the demo seed."""

from __future__ import annotations

import io
import re

import pytest

from clinic.accounts.demo import seed_people
from screening import demo
from screening.intake.steps import STEPS
from screening.models import Intake
from screening.services.intake import (
    ATTENTION,
    COMPLETE,
    STEP_KEYS,
    intake_progress,
)
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for, step_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(client):
    patient = PatientFactory(with_login=True, given_name="Dana", family_name="Reyes")
    client.force_login(patient.user)
    client.get("/intake/")
    return patient


@pytest.fixture
def document(patient):
    return document_for(patient, LIKELY_TRD)


def draft(patient) -> Intake:
    return patient.intakes.get(status=Intake.Status.DRAFT)


def test_one_step_count_in_the_seed_the_pages_and_the_progress():
    seed_people()
    out = io.StringIO()
    demo.seed(out)
    line = next(li for li in out.getvalue().splitlines() if "Marco Silva" in li)
    done, total = map(int, re.search(r"(\d+) of (\d+) steps", line).groups())
    assert (done, total) == (3, len(STEP_KEYS)) == (3, len(STEPS))
    marco = Intake.objects.get(patient__email="marco.silva@example.org")
    assert intake_progress(marco).total == total


def test_the_step_page_counts_the_same_steps(client, patient):
    page = client.get("/intake/step/feeling/").content.decode()
    assert f"Step 2 of {len(STEP_KEYS)}" in page
    page = client.get("/intake/review/").content.decode()
    assert f"Step {len(STEP_KEYS)} of {len(STEP_KEYS)}" in page


def test_finish_later_names_and_links_the_step_needing_attention(client, patient, document):
    data = step_post("history", document, patient, action="later")
    data["psychiatric_hospitalizations"] = "many"
    response = client.post("/intake/step/history/", data, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/me/"
    assert "That step needs your attention" not in page
    assert (
        '<a class="alert-link" href="/intake/step/history/">Mental health history</a> '
        "needs your attention" in page
    )


def test_back_with_a_step_needing_attention_names_it_too(client, patient, document):
    data = step_post("history", document, patient, action="back")
    data["psychiatric_hospitalizations"] = "many"
    page = client.post("/intake/step/history/", data, follow=True).content.decode()
    assert 'href="/intake/step/history/">Mental health history</a> needs your attention' in page


def test_home_page_shows_steps_done_and_which_need_attention(
    client, patient, document, django_assert_num_queries
):
    for key in ("about", "feeling", "safety"):
        client.post(f"/intake/step/{key}/", step_post(key, document, patient))
    data = step_post("history", document, patient, action="later")
    data["psychiatric_hospitalizations"] = "many"
    client.post("/intake/step/history/", data)
    intake = draft(patient)
    assert [intake.step_state[k] for k in ("about", "feeling", "safety", "history")] == [
        COMPLETE,
        COMPLETE,
        COMPLETE,
        ATTENTION,
    ]
    client.get("/me/")
    with django_assert_num_queries(QUERIES_ON_PATIENT_HOME):
        page = client.get("/me/").content.decode()
    block = page[page.index('data-testid="intake-progress"') :]
    block = block[: block.index("</div>")]
    assert "Version 1: In progress" in page
    assert f"3 of {len(STEP_KEYS)} steps done." in block
    assert "These steps need your attention:" in block
    assert '<a href="/intake/step/history/">Mental health history</a>' in block
    assert 'Next: <a href="/intake/step/treatments/">Treatments you have tried</a>' in block


def test_home_page_of_a_fresh_draft_has_nothing_to_attend_to(client, patient):
    page = client.get("/me/").content.decode()
    assert f"0 of {len(STEP_KEYS)} steps done." in page
    assert "need your attention" not in page
    assert 'Next: <a href="/intake/step/about/">About you</a>' in page


def test_progress_of_a_submitted_intake_is_every_step():
    intake = Intake(status=Intake.Status.SUBMITTED, step_state={})
    progress = intake_progress(intake)
    assert (progress.done, progress.total, progress.attention) == (
        len(STEP_KEYS),
        len(STEP_KEYS),
        (),
    )


QUERIES_ON_PATIENT_HOME = 6
