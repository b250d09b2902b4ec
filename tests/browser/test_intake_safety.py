"""A high-risk safety answer in Chromium: the follow-up questions appear,
crisis resources show at once, and the worker emails the on-call staff."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

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
    assert mail.outbox[0].subject == "Urgent safety answer, please review"
    assert patient.given_name not in mail.outbox[0].body
