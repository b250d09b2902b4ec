"""Keyboard only: the safety step (with its follow-up questions) answered
and saved with Tab, Space, arrow keys and Enter."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from screening.services.intake import intake_start
from tests.factories.accounts import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_safety_step_by_keyboard_only(live_server, login_page):
    patient = PatientFactory(with_login=True)
    intake = intake_start(patient=patient)
    page = login_page(patient.user)
    page.goto(f"{live_server.url}/intake/step/safety/")

    tab_to(page, '[name="wish_to_be_dead"]')
    page.keyboard.press("Space")  # yes
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # question 2: yes, so 3 to 5 appear
    for name in ("method", "intent", "plan", "behavior_lifetime"):
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.name") == name
        page.keyboard.press("ArrowDown")  # no
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/intake/step/treatments/")
    intake.refresh_from_db()
    assert intake.document["suicide_screen"] == {
        "wish_to_be_dead": True,
        "suicidal_thoughts": True,
        "method": False,
        "intent": False,
        "plan": False,
        "behavior_lifetime": False,
        "behavior_past_3_months": None,
    }
