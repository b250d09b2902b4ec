"""Logging in through the real page in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.login import sign_in_with_second_factor
from tests.factories.accounts import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clinician_logs_in_and_lands_on_the_review_queue(live_server, page, clinician):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in_with_second_factor(page, live_server, clinician)
    expect(page).to_have_url(f"{live_server.url}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    expect(page.get_by_test_id("current-user")).to_have_text(clinician.email)
    # The role's navigation: the queue and schedule, no patient pages.
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Review queue")).to_be_visible()
    expect(nav.get_by_role("link", name="My intake")).to_have_count(0)


def test_patient_logs_in_and_lands_on_their_page(live_server, page, patient_user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(patient_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/me/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
