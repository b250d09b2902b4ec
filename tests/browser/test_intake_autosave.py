"""Autosave in Chromium: what is typed is on the server before the patient
presses anything, so closing the tab loses nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from screening.services.intake import TYPED_KEY, intake_start
from tests.factories.accounts import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_is_saved_without_pressing_save(live_server, login_page):
    patient = PatientFactory(with_login=True)
    intake = intake_start(patient=patient)
    page = login_page(patient.user)
    page.goto(f"{live_server.url}/intake/step/history/")
    page.get_by_label("How many times have you stayed in hospital").fill("3")
    page.get_by_role(
        "group", name="Have you ever been diagnosed with bipolar disorder"
    ).get_by_label("No").check()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()

    intake.refresh_from_db()
    typed = intake.step_state[TYPED_KEY]["history"]
    assert typed["psychiatric_hospitalizations"] == ["3"]
    assert typed["bipolar_disorder"] == ["no"]
    assert "history" not in intake.step_state  # not finished, not "needs attention"

    # The tab is closed; a new one shows what was typed.
    page.close()
    page = login_page(patient.user).context.new_page()
    page.goto(f"{live_server.url}/intake/step/history/")
    expect(page.get_by_label("How many times have you stayed in hospital")).to_have_value("3")
