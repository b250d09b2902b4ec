"""A crisis answer is acted on the moment it reaches the server:
whatever sent it (autosave, save, back, save and finish later, a post kept
after the session timed out), and whether or not the step is valid."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from screening.models import Intake
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.intake import URGENT_SAFETY, document_for, end_session_by_timeout, step_post
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = 'data-testid="crisis-resources"'


@pytest.fixture
def on_call(settings):
    settings.CLINIC_ONCALL_EMAILS = []
    return StaffFactory(role="clinician", is_on_call=True, email="dr.on.call@example.org")


@pytest.fixture
def patient(client):
    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    client.get("/intake/")
    return patient


def _draft(patient) -> Intake:
    return patient.intakes.get(status=Intake.Status.DRAFT)


# Intent "yes" after a yes to question 2, question 5 (plan) and question 6 still blank.
INTENT_ONLY = {"wish_to_be_dead": "yes", "suicidal_thoughts": "yes", "intent": "yes"}


def _crisis_visible(page: str) -> bool:
    """The resources are on the page and not inside the hidden slot."""
    return CRISIS in page and 'id="crisis-slot" hidden' not in page


@pytest.mark.parametrize("action", ["next", "back", "later", "stay"])
def test_intent_with_the_step_half_done_alerts_and_shows_the_resources(
    client, patient, on_call, action
):
    response = client.post("/intake/step/safety/", {**INTENT_ONLY, "action": action}, follow=True)
    assert _crisis_visible(response.content.decode())
    intake = _draft(patient)
    assert intake.safety_alerted_at is not None
    assert "safety" not in intake.step_state or intake.step_state["safety"] != "complete"
    run_worker()
    assert [m.to for m in mail.outbox] == [["dr.on.call@example.org"]]
    assert "Crisis answer" in mail.outbox[0].subject


def test_autosave_of_a_half_done_step_alerts_and_tells_the_page(client, patient, on_call):
    response = client.post(
        "/intake/step/safety/", {**INTENT_ONLY, "action": "stay"}, HTTP_X_INTAKE_AUTOSAVE="1"
    )
    assert response.json()["crisis"] is True
    run_worker()
    assert len(mail.outbox) == 1


def test_phq9_item_9_alone_alerts(client, patient, on_call):
    response = client.post(
        "/intake/step/feeling/",
        {"phq9_9": "1", "action": "stay"},
        HTTP_X_INTAKE_AUTOSAVE="1",
    )
    assert response.json()["crisis"] is True
    run_worker()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("answers", [{"phq9_9": "0"}, {"wish_to_be_dead": "yes"}, {}])
def test_answers_that_are_not_urgent_do_not_alert(client, patient, on_call, answers):
    step = "feeling" if "phq9_9" in answers else "safety"
    response = client.post(
        f"/intake/step/{step}/", {**answers, "action": "stay"}, HTTP_X_INTAKE_AUTOSAVE="1"
    )
    assert response.json()["crisis"] is False
    run_worker()
    assert mail.outbox == []


def test_once_per_intake_however_many_posts(client, patient, on_call):
    for action in ("stay", "next", "back", "later"):
        client.post("/intake/step/safety/", {**INTENT_ONLY, "action": action})
    document = document_for(patient, URGENT_SAFETY)
    client.post("/intake/step/safety/", step_post("safety", document, patient))
    run_worker()
    assert len(mail.outbox) == 1


def test_a_post_kept_after_the_session_timed_out_alerts(client, patient, on_call):
    page = client.get("/intake/step/safety/").content.decode()
    token = re.search(r'name="resume" value="([^"]+)"', page).group(1)
    end_session_by_timeout(client)
    response = client.post(
        "/intake/step/safety/",
        {**INTENT_ONLY, "resume": token, "action": "stay"},
        HTTP_X_INTAKE_AUTOSAVE="1",
    )
    assert response.json() == {"saved": True, "session": "ended", "crisis": True}
    run_worker()
    assert len(mail.outbox) == 1


def test_finish_later_lands_on_a_home_page_with_the_resources(client, patient, on_call):
    response = client.post("/intake/step/safety/", {**INTENT_ONLY, "action": "later"})
    assert response["Location"] == "/me/"
    page = client.get("/me/").content.decode()
    assert CRISIS in page
    assert page.index(CRISIS) < page.index("<h1")


def test_every_later_step_keeps_the_resources_at_the_top(client, patient, on_call):
    client.post("/intake/step/safety/", {**INTENT_ONLY, "action": "stay"})
    page = client.get("/intake/step/history/").content.decode()
    assert _crisis_visible(page)
    assert page.index(CRISIS) < page.index("<h1")


def test_the_confirmation_of_an_urgent_intake_says_the_clinic_was_told(client, patient, on_call):
    document = document_for(patient, URGENT_SAFETY)
    for key in (
        "about",
        "feeling",
        "safety",
        "treatments",
        "history",
        "physical",
        "substances",
        "medicines",
        "consent",
    ):
        client.post(f"/intake/step/{key}/", step_post(key, document, patient))
    page = client.post("/intake/review/", follow=True).content.decode()
    assert "Thank you, your answers have been sent" in page
    assert CRISIS in page
    assert "988" in page
    assert "on-call team has been told" in page
    assert "You can carry on with the form" not in page
    run_worker()
    assert len(mail.outbox) == 1
