"""Logging staff in through the real pages: password, then the second factor."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.factories.accounts import PASSWORD, totp


def sign_in_with_second_factor(page, live_server, user) -> None:
    """From the login page: email and password, then the TOTP code (staff
    factories enrol TOTP by default)."""
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    page.get_by_placeholder("Code").fill(totp())
    page.get_by_role("button", name="Sign In").click()
