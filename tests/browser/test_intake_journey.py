"""The patient's real path in Chromium: typing slowly enough that autosave
runs between fields, rows added with the button and typed into, every way off
a step (Save and continue, Back, Save and finish later), a phone, Spanish.

What the patient last typed is what is stored: in the database, on the page
when the step is opened again, on the review page, and in the submitted
document."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from screening.models import Intake
from screening.services.intake import FORM_STEPS, intake_start
from tests.browser.intake_steps import autosave_quickly, fill_slowly, fill_step_slowly
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for, sections_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

TREATMENT_ROWS = {
    "ad-0-medication": "Zoloft",
    "ad-0-max_daily_dose_mg": "150",
    "ad-0-duration_weeks": "10",
    "ad-0-current_episode": "yes",
    "ad-0-response": "none",
}
SECOND_TRIAL = {
    "ad-1-medication": "Effexor XR",
    "ad-1-max_daily_dose_mg": "225",
    "ad-1-duration_weeks": "8",
    "ad-1-current_episode": "yes",
    "ad-1-response": "partial",
}
ADD_ON = {
    "aug-0-medication": "Aripiprazole",
    "aug-0-duration_weeks": "6",
    "aug-0-current_episode": "yes",
    "aug-0-response": "none",
}
THERAPY = {
    "pt-0-modality": "cbt",
    "pt-0-sessions": "16",
    "pt-0-current_episode": "yes",
    "pt-0-response": "partial",
}
PROCEDURE = {"proc-0-treatment": "tms", "proc-0-sessions": "30", "proc-0-response": "none"}
MEDICINES = {"med-0-name": "Lisinopril", "med-0-daily_dose_mg": "10"}
SECOND_MEDICINE = {"med-1-name": "Trintellix", "med-1-daily_dose_mg": "20"}


def _button(label: str, language: str) -> str:
    with translation.override(language):
        return gettext(label)


def _press(page, action: str, language: str) -> None:
    label = {"next": "Save and continue", "back": "Back", "later": "Save and finish later"}
    # The page may hold the press until an autosave in flight has landed:
    # wait for the navigation the press leads to, not just this page's load.
    with page.expect_navigation():
        page.get_by_role("button", name=_button(label[action], language), exact=True).click()


def _add_row(page, prefix: str, index: int) -> None:
    page.locator(f'[data-add-row="{prefix}"]').click()
    expect(
        page.locator(f'[name="{prefix}-{index}-{"name" if prefix == "med" else "medication"}"]')
    ).to_be_focused()


@pytest.mark.parametrize("action", ["next", "back", "later"])
@pytest.mark.parametrize(
    ("viewport", "language"), [(None, "en"), (PHONE, "es")], ids=["desktop-en", "phone-es"]
)
def test_every_typed_row_is_kept_whichever_button_is_pressed(
    live_server, login_page, action, viewport, language
):
    patient = PatientFactory(with_login=True, preferred_language=language)
    intake_start(patient=patient)
    page = login_page(patient.user)
    if viewport:
        page.set_viewport_size(viewport)
    url = live_server.url
    typed_rows = 0

    page.goto(f"{url}/intake/step/treatments/")
    autosave_quickly(page)
    fill_slowly(page, TREATMENT_ROWS)  # typed into the empty row the page shows
    _add_row(page, "ad", 1)
    fill_slowly(page, SECOND_TRIAL)
    fill_slowly(page, ADD_ON)
    fill_slowly(page, THERAPY)
    fill_slowly(page, PROCEDURE)
    typed_rows += 5
    saved_text = _button("Your answers are saved.", language)
    expect(page.locator("[data-autosave-status]")).to_have_text(saved_text)
    _press(page, action, language)

    page.goto(f"{url}/intake/step/medicines/")
    autosave_quickly(page)
    fill_slowly(page, MEDICINES)
    _add_row(page, "med", 1)
    fill_slowly(page, SECOND_MEDICINE)
    typed_rows += 2
    expect(page.locator("[data-autosave-status]")).to_have_text(saved_text)
    _press(page, action, language)

    intake = Intake.objects.get(patient=patient)
    document = intake.document
    assert [t["medication"] for t in document["antidepressant_trials"]] == ["Zoloft", "Effexor XR"]
    assert [t["medication"] for t in document["augmentation_trials"]] == ["Aripiprazole"]
    assert [t["modality"] for t in document["psychotherapy"]] == ["cbt"]
    assert [p["treatment"] for p in document["procedures"]] == ["tms"]
    assert document["current_medications"] == [
        {"name": "Lisinopril", "daily_dose_mg": 10},
        {"name": "Trintellix", "daily_dose_mg": 20},
    ]
    kept = sum(
        len(document[s])
        for s in (
            "antidepressant_trials",
            "augmentation_trials",
            "psychotherapy",
            "procedures",
            "current_medications",
        )
    )
    assert kept == typed_rows == 7
    assert intake.step_state["treatments"] == intake.step_state["medicines"] == "complete"

    # Reopened, the steps show every row; the review page lists them.
    page.goto(f"{url}/intake/step/treatments/")
    expect(page.locator('[name="ad-1-medication"]')).to_have_value("Effexor XR")
    expect(page.locator('[name="proc-0-sessions"]')).to_have_value("30")
    page.goto(f"{url}/intake/step/medicines/")
    expect(page.locator('[name="med-1-name"]')).to_have_value("Trintellix")
    page.goto(f"{url}/intake/review/")
    for text in ("Zoloft", "Effexor XR", "Aripiprazole", "Lisinopril", "Trintellix"):
        expect(page.get_by_text(text, exact=False).first).to_be_visible()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_whole_intake_typed_slowly_on_a_phone_is_submitted_as_typed(
    live_server, login_page, language
):
    patient = PatientFactory(
        with_login=True,
        preferred_language=language,
        given_name="Lucía",
        family_name="Fernández",
    )
    intake_start(patient=patient)
    document = document_for(patient, LIKELY_TRD)
    document["patient"]["preferred_language"] = language
    page = login_page(patient.user)
    page.set_viewport_size(PHONE)
    url = live_server.url
    saves = 0
    for key in FORM_STEPS:
        page.goto(f"{url}/intake/step/{key}/")
        saves += fill_step_slowly(page, key, document, patient)
        _press(page, "next", language)
    expect(page).to_have_url(f"{url}/intake/review/")
    page.get_by_role("button", name=_button("Send my answers", language)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        _button("Thank you, your answers have been sent", language)
    )

    intake = Intake.objects.get(patient=patient)
    assert intake.status == Intake.Status.SUBMITTED
    assert saves > 60  # the autosave ran between every two fields
    expected = sections_of(document)
    stored = sections_of(intake.document)
    signed_at = stored["consent"].pop("signed_at", None)
    expected["consent"].pop("signed_at", None)
    assert signed_at
    assert stored == expected
