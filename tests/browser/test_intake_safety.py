"""A high-risk safety answer in Chromium: the follow-up questions appear,
crisis resources show at once, and the worker emails the on-call staff."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from screening.models import Intake
from screening.services.intake import intake_start
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.worker import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_high_risk_answer_shows_crisis_resources_and_emails_on_call(
    live_server, login_page, settings
):
    settings.CLINIC_ONCALL_EMAILS = ["oncall@clinic.example"]
    StaffFactory(role="clinician", is_on_call=True, email="dr.on.call@example.org")
    patient = PatientFactory(with_login=True)
    intake_start(patient=patient)
    page = login_page(patient.user)
    page.goto(f"{live_server.url}/intake/step/safety/")

    q3 = page.get_by_role("group", name="3. Have you been thinking about how you might do this?")
    q6_follow_up = page.get_by_role("group", name="Was this within the past 3 months?")
    expect(q3).to_be_hidden()
    expect(q6_follow_up).to_be_hidden()
    page.get_by_role("group", name="1. Have you wished you were dead").get_by_label("Yes").check()
    page.get_by_role("group", name="2. Have you actually had").get_by_label("Yes").check()
    expect(q3).to_be_visible()
    q3.get_by_label("Yes").check()
    page.get_by_role("group", name="4. Have you had these thoughts").get_by_label("Yes").check()
    page.get_by_role("group", name="5. Have you started to work out").get_by_label("No").check()
    page.get_by_role("group", name="6. Have you ever done anything").get_by_label("No").check()
    expect(q6_follow_up).to_be_hidden()
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(f"{live_server.url}/intake/step/treatments/")
    crisis = page.get_by_test_id("crisis-resources")
    expect(crisis).to_be_visible()
    expect(crisis).to_contain_text("988")
    expect(crisis).to_contain_text("911")
    expect(crisis).to_contain_text(settings.CLINIC_PHONE)

    run_worker()
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["dr.on.call@example.org", "oncall@clinic.example"]
    assert mail.outbox[0].subject == "Crisis answer, please review today"
    assert patient.given_name not in mail.outbox[0].body


@pytest.mark.parametrize("language", ["en", "es"])
def test_intent_with_the_step_half_done_on_a_phone_then_the_tab_is_closed(
    live_server, login_page, settings, language
):
    """Intent "yes", question 5 still blank, nothing pressed: the resources are
    in view on a phone at once, and after the tab is closed the worker sends
    one on-call email."""
    settings.CLINIC_ONCALL_EMAILS = []
    StaffFactory(role="clinician", is_on_call=True, email="dr.on.call@example.org")
    patient = PatientFactory(with_login=True, preferred_language=language)
    intake_start(patient=patient)
    page = login_page(patient.user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/intake/step/safety/")
    crisis = page.get_by_test_id("crisis-resources")
    expect(crisis).to_be_hidden()

    page.locator('[name="wish_to_be_dead"][value="yes"]').check()
    page.locator('[name="suicidal_thoughts"][value="yes"]').check()
    page.locator('[name="intent"][value="yes"]').check()

    expect(crisis).to_be_visible()
    expect(crisis).to_be_in_viewport(ratio=0.99)
    expect(crisis).to_contain_text("988")
    expect(page.locator("#crisis-slot")).to_be_focused()
    # Next to the answer that raised it: the intent question comes just before.
    follows_intent = page.evaluate(
        """() => {
            const slot = document.getElementById("crisis-slot");
            const intent = document.querySelector('[name="intent"]');
            return Boolean(intent.compareDocumentPosition(slot) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert follows_intent
    page.close()

    run_worker()
    assert [m.to for m in mail.outbox] == [["dr.on.call@example.org"]]
    intake = Intake.objects.get(patient=patient)
    assert intake.safety_alerted_at is not None
    assert intake.step_state["_typed"]["safety"]["intent"] == ["yes"]


def test_without_javascript_the_resources_top_the_next_page(live_server, browser, settings):
    """No script: "Save and finish later" with the step half done lands on the
    patient's page with the resources at the top, in view on a phone."""
    from django.conf import settings as django_settings
    from django.test import Client

    settings.CLINIC_ONCALL_EMAILS = ["oncall@clinic.example"]
    patient = PatientFactory(with_login=True)
    intake_start(patient=patient)
    client = Client()
    client.force_login(patient.user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/intake/step/safety/")
    page.locator('[name="suicidal_thoughts"][value="yes"]').check()
    page.locator('[name="plan"][value="yes"]').check()
    page.get_by_role("button", name="Save and finish later").click()
    expect(page).to_have_url(f"{live_server.url}/me/")
    crisis = page.get_by_test_id("crisis-resources")
    expect(crisis).to_be_in_viewport()
    run_worker()
    assert len(mail.outbox) == 1
    context.close()
