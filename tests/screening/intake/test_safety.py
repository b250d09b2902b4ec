"""A high-risk answer: crisis resources at once, and the on-call clinicians
emailed by the worker, once per intake, with no clinical details."""

from __future__ import annotations

import pytest
from django.core import mail

from clinic.safety import crisis_alert_raise, oncall_recipients
from screening.models import Intake
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.intake import LIKELY_TRD, URGENT_SAFETY, document_for, step_post
from tests.worker import run_worker

# The worker closes and reopens database connections, as in production, so
# these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def on_call(settings):
    settings.CLINIC_ONCALL_EMAILS = ["oncall@clinic.example"]
    doctor = StaffFactory(role="clinician", is_on_call=True, email="dr.on.call@example.org")
    StaffFactory(role="clinician", is_on_call=False, email="dr.off@example.org")
    StaffFactory(role="scheduler", is_on_call=True, email="sched@example.org")
    return doctor


@pytest.fixture
def patient(client):
    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    client.get("/intake/")
    return patient


def test_recipients_are_on_call_clinicians_and_the_configured_addresses(on_call):
    assert oncall_recipients() == ["dr.on.call@example.org", "oncall@clinic.example"]


def test_a_high_risk_safety_answer_alerts_on_call_once_and_shows_crisis_resources(
    client, patient, on_call
):
    document = document_for(patient, URGENT_SAFETY)  # intent: yes
    response = client.post(
        "/intake/step/safety/", step_post("safety", document, patient), follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/intake/step/treatments/"
    assert (
        'data-testid="crisis-resources"' in page
        and "hidden" not in page.split('data-testid="crisis-resources"')[0][-200:]
    )
    assert "988" in page and "911" in page and "+1 555 0199" in page
    assert mail.outbox == []
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["dr.on.call@example.org", "oncall@clinic.example"]
    assert message.subject == "Crisis answer, please review today"
    assert "http://" in message.body
    for detail in (patient.given_name, patient.family_name, "intent", "suicid", "PHQ"):
        assert detail not in message.body
    intake = patient.intakes.get()
    assert intake.safety_alerted_at is not None

    # Saving again, or PHQ-9 item 9, does not email a second time.
    client.post("/intake/step/safety/", step_post("safety", document, patient))
    client.post("/intake/step/feeling/", step_post("feeling", document, patient))
    run_worker()
    assert len(mail.outbox) == 1


def test_phq9_item_9_above_zero_alerts(client, patient, on_call):
    document = document_for(patient, LIKELY_TRD)
    document["depression"]["phq9"][8] = 1
    response = client.post(
        "/intake/step/feeling/", step_post("feeling", document, patient), follow=True
    )
    assert "Call or text <strong>988</strong>" in response.content.decode()
    run_worker()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "answers",
    [
        {
            "wish_to_be_dead": True,
            "suicidal_thoughts": True,
            "method": True,
            "intent": False,
            "plan": False,
            "behavior_lifetime": True,
            "behavior_past_3_months": False,
        },
        {
            "wish_to_be_dead": True,
            "suicidal_thoughts": False,
            "method": None,
            "intent": None,
            "plan": None,
            "behavior_lifetime": False,
            "behavior_past_3_months": None,
        },
    ],
    ids=["moderate", "low"],
)
def test_lower_risk_answers_do_not_alert(client, patient, on_call, answers):
    document = document_for(patient, LIKELY_TRD)
    document["suicide_screen"] = answers
    response = client.post(
        "/intake/step/safety/", step_post("safety", document, patient), follow=True
    )
    assert 'id="crisis-slot" hidden' in response.content.decode()
    assert patient.intakes.get().safety_alerted_at is None
    run_worker()
    assert mail.outbox == []


@pytest.mark.parametrize("key", ["plan", "behavior_past_3_months"])
def test_plan_or_recent_behaviour_alerts(client, patient, on_call, key):
    document = document_for(patient, LIKELY_TRD)
    screen = {
        "wish_to_be_dead": True,
        "suicidal_thoughts": True,
        "method": True,
        "intent": False,
        "plan": False,
        "behavior_lifetime": True,
        "behavior_past_3_months": False,
    }
    screen[key] = True
    document["suicide_screen"] = screen
    client.post("/intake/step/safety/", step_post("safety", document, patient))
    run_worker()
    assert len(mail.outbox) == 1


def test_autosave_of_a_high_risk_answer_alerts_and_tells_the_page(client, patient, on_call):
    document = document_for(patient, URGENT_SAFETY)
    response = client.post(
        "/intake/step/safety/",
        step_post("safety", document, patient, action="stay"),
        HTTP_X_INTAKE_AUTOSAVE="1",
    )
    assert response.json()["crisis"] is True
    run_worker()
    assert len(mail.outbox) == 1


def test_the_service_for_follow_up_check_ins(on_call):
    patient = PatientFactory()
    crisis_alert_raise(patient=patient, source="check-in", link="http://x/review/")
    run_worker()
    assert mail.outbox[0].body.count("http://x/review/") == 1


def test_submitted_urgent_intake_keeps_the_crisis_resources_on_the_confirmation(
    client, patient, on_call
):
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
    response = client.post("/intake/review/", follow=True)
    page = response.content.decode()
    assert "Thank you, your answers have been sent" in page
    assert 'data-testid="crisis-resources"' in page
    assert "suicide_risk" not in page and "urgent" not in page.lower().replace("urgently", "")
    intake = patient.intakes.get()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.flags.filter(code="suicide_risk", severity="urgent", is_current=True).exists()
    run_worker()
    assert len(mail.outbox) == 1
