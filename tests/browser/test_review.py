"""A clinician's morning in Chromium: filter to urgent, open the case,
acknowledge its flags, ask for more information; send a second case to booking."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from screening.models import Intake
from screening.review.models import CaseDecision, FlagAcknowledgement
from tests.browser.login import sign_in_with_second_factor
from tests.factories.accounts import PatientFactory
from tests.factories.review import case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clinician_works_through_urgent_and_books_a_second_case(live_server, page, clinician):
    urgent = case("urgent", patient=PatientFactory(given_name="Dana", family_name="Reyes"))
    second = case("high", patient=PatientFactory(given_name="Priya", family_name="Natarajan"))
    case("moderate", patient=PatientFactory(given_name="Marco", family_name="Silva"))

    page.goto(f"{live_server.url}/accounts/login/")
    sign_in_with_second_factor(page, live_server, clinician)
    expect(page).to_have_url(f"{live_server.url}/review/")
    expect(page.get_by_test_id("urgent-count")).to_contain_text("1")

    # Filter to urgent: the filter applies on change and stays in the URL
    # (once the page's script has run).
    page.wait_for_load_state("load")
    page.get_by_label("Severity").select_option("urgent")
    expect(page).to_have_url(re.compile(r"severity=urgent"))
    expect(page.get_by_test_id("queue-row")).to_have_count(1)
    page.get_by_role("link", name="Reyes, Dana").click()
    expect(page).to_have_url(f"{live_server.url}/review/{urgent.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Reyes")
    expect(page.get_by_test_id("urgent-count")).to_have_count(0)

    # Acknowledge every flag, the first with a note.
    flags = urgent.flags.filter(is_current=True).count()
    page.locator("textarea[name=note]").first.fill("Phoned the patient; safe plan in place.")
    buttons = page.get_by_role("button", name="Acknowledge")
    for left in range(flags - 1, -1, -1):
        buttons.first.click()
        # Wait for the reloaded page before clicking the next one.
        expect(buttons).to_have_count(left)
        expect(page.get_by_role("status")).to_contain_text("acknowledged")
    expect(page.get_by_test_id("flag-acknowledged")).to_have_count(flags)
    assert FlagAcknowledgement.objects.filter(intake=urgent).count() == flags

    # Request more information.
    page.get_by_label("Request more information").check()
    page.get_by_label("Treatments you have tried").check()
    page.get_by_label("Message to the patient").fill("Please add the doses you took.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_test_id("review-status")).to_have_text("More information requested")
    expect(page.get_by_test_id("case-history")).to_contain_text("Request more information")
    assert len(mail.outbox) == 1
    assert "Please add the doses you took." in mail.outbox[0].body
    assert Intake.objects.get(patient=urgent.patient, status="draft").reopened_steps == [
        "treatments"
    ]

    # A second case goes straight to booking with patient and type chosen.
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name="Natarajan, Priya").click()
    page.get_by_label("Book a consult").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_url(re.compile(rf"/schedule/.*patient={second.patient.pk}"))
    second.refresh_from_db()
    assert second.review_status == Intake.ReviewStatus.CONSULT_TO_BOOK
    assert CaseDecision.objects.get(intake=second).kind == "book_consult"
