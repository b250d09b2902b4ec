"""A patient's whole intake in Chromium: the invitation link, a password,
every step (two medication rows, a validation error that keeps what was
typed), logging out halfway and resuming, submitting, the confirmation."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from clinic.accounts.invitations import invitation_send
from screening.engine import parse_document, screen
from screening.models import Intake
from screening.services.policy import current_knowledge, current_policy
from tests.browser.intake_steps import (
    expect_step,
    fill_fields,
    invitation_path,
    save_and_continue,
)
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for, step_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "my-own-long-password-7"


def fill_trial(page, prefix: str, index: int, medication, dose, weeks, response):
    row = f"{prefix}-{index}"
    page.locator(f'[name="{row}-medication"]').fill(medication)
    page.locator(f'[name="{row}-max_daily_dose_mg"]').fill(dose)
    page.locator(f'[name="{row}-duration_weeks"]').fill(weeks)
    page.locator(f'[name="{row}-current_episode"][value="yes"]').check()
    page.locator(f'[name="{row}-response"]').select_option(response)


def test_invited_patient_completes_the_intake(live_server, page):
    url = live_server.url
    patient = PatientFactory(given_name="Ana", family_name="Torres")
    document = document_for(patient, LIKELY_TRD)
    invitation_send(patient=patient, by=None)
    assert len(mail.outbox) == 1

    # The link in the email: set a password, land on the first step.
    page.goto(url + invitation_path(mail.outbox[0]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ana")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Set password and start").click()
    expect_step(page, url, "about")
    expect(page.get_by_label("Given name")).to_have_value("Ana")

    for key in ("about", "feeling", "safety"):
        expect_step(page, url, key)
        fill_fields(page, step_post(key, document, patient))
        save_and_continue(page)

    # Treatments: two antidepressant rows, the second added with the button.
    expect_step(page, url, "treatments")
    fill_trial(page, "ad", 0, "Zoloft", "150", "10", "none")
    page.get_by_role("button", name="Add another antidepressant").click()
    expect(page.locator('[name="ad-1-medication"]')).to_be_focused()
    fill_trial(page, "ad", 1, "Effexor XR", "225", "8", "partial")
    page.locator('[name="pt-0-modality"]').select_option("cbt")
    page.locator('[name="pt-0-sessions"]').fill("16")
    page.locator('[name="pt-0-current_episode"][value="yes"]').check()
    page.locator('[name="pt-0-response"]').select_option("partial")
    save_and_continue(page)

    expect_step(page, url, "history")
    fill_fields(page, step_post("history", document, patient))
    save_and_continue(page)

    # Physical health: a validation error keeps everything typed.
    expect_step(page, url, "physical")
    fill_fields(page, step_post("physical", document, patient))
    page.get_by_label("Lower number (diastolic), mmHg").fill("130")
    page.get_by_label("Glaucoma or raised pressure in the eye").check()
    save_and_continue(page)
    expect_step(page, url, "physical")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_text("The lower number (diastolic) must be below").first).to_be_visible()
    expect(page.get_by_label("Lower number (diastolic), mmHg")).to_have_value("130")
    expect(page.get_by_label("Upper number (systolic), mmHg")).to_have_value("124")
    expect(page.get_by_label("Glaucoma or raised pressure in the eye")).to_be_checked()
    expect(page.get_by_label("Lower number (diastolic), mmHg")).to_have_attribute(
        "aria-invalid", "true"
    )
    page.get_by_label("Lower number (diastolic), mmHg").fill("78")
    page.get_by_label("Glaucoma or raised pressure in the eye").uncheck()
    save_and_continue(page)
    expect_step(page, url, "substances")

    # Log out halfway, log in again, and resume at the right step.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(patient.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{url}/me/")
    page.get_by_role("link", name="Go to my intake").click()
    expect_step(page, url, "substances")
    progress = page.get_by_role("navigation", name="Intake steps")
    expect(progress.get_by_text("complete")).to_have_count(6)

    for key in ("substances", "medicines", "consent"):
        expect_step(page, url, key)
        fill_fields(page, step_post(key, document, patient))
        save_and_continue(page)

    expect(page).to_have_url(f"{url}/intake/review/")
    expect(page.get_by_text("Effexor XR").first).to_be_visible()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your answers have been sent"
    )
    expect(
        page.get_by_text("A clinician reviews your answers within 2 working days.")
    ).to_be_visible()

    intake = Intake.objects.get(patient=patient)
    assert intake.status == Intake.Status.SUBMITTED
    assert [t["medication"] for t in intake.document["antidepressant_trials"]] == [
        "Zoloft",
        "Effexor XR",
    ]
    assert intake.document["blood_pressure"]["diastolic"] == 78
    parsed = parse_document(intake.document)
    policy, _version = current_policy()
    direct = screen(parsed, policy, current_knowledge())
    stored = sorted(intake.flags.filter(is_current=True).values_list("code", "severity"))
    assert stored == sorted((f["code"], f["severity"]) for f in direct["flags"])
    assert ("trd_likely", "info") in stored  # Zoloft maps to sertraline

    page.get_by_role("link", name="View or print what you sent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your intake, version 1")
    expect(page.get_by_text("trd_likely")).to_have_count(0)
