"""axe-core scans of the pages every visitor and every role sees first."""

import pytest

from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_has_no_serious_accessibility_violations(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)


def test_login_errors_are_accessible_and_keep_the_email(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("someone@example.org")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_label("Email").input_value() == "someone@example.org"
    assert "not correct" in page.content()
    assert_accessible(page)


def test_patient_home_has_no_serious_accessibility_violations(
    live_server, login_page, patient_user
):
    page = login_page(patient_user)
    page.goto(f"{live_server.url}/me/")
    assert_accessible(page)


def test_language_switcher_shows_spanish_lang_attribute(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
