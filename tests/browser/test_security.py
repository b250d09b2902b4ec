"""Security in the browser: staff without a second factor are sent to
enrolment; the idle-session warning appears and "Stay logged in" works."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.factories.accounts import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_without_a_second_factor_land_on_enrolment(live_server, login_page):
    page = login_page(StaffFactory(role="clinician", mfa=False))
    page.goto(f"{live_server.url}/review/")
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/")
    expect(page.get_by_text("Staff accounts need two-factor authentication")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Activate|Set up", re.I)).first).to_be_visible()
    assert_accessible(page)


@override_settings(SESSION_PATIENT_IDLE_SECONDS=64, SESSION_WARNING_SECONDS=62)
def test_the_idle_warning_shows_and_stay_logged_in_restarts_the_clock(
    live_server, login_page, patient_user
):
    page = login_page(patient_user)
    page.goto(f"{live_server.url}/me/")
    warning = page.get_by_role("alertdialog", name="Still there?")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=8000)
    expect(warning).to_contain_text("logged out soon")
    assert_accessible(page)
    with page.expect_response(re.compile(r"/session/keepalive/")) as answer:
        warning.get_by_role("button", name="Stay logged in").click()
    assert answer.value.status == 200
    expect(warning).to_be_hidden()
