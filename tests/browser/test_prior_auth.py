"""The prior-authorization checklist in a real browser: the case page's
checklists, the clinician's details changing a verdict, a form error kept
where it belongs, and axe-core on every page of it."""

from __future__ import annotations

import pytest

from screening.coverage.models import Authorization, AuthorizationStatus
from tests.browser.axe import serious_violations
from tests.factories.accounts import PatientFactory
from tests.factories.coverage import seed_policies, seeded_policy
from tests.factories.review import case
from tests.factories.screening import valid_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRIALS = [
    {
        "medication": "sertraline",
        "max_daily_dose_mg": 150,
        "duration_weeks": 10,
        "current_episode": True,
        "response": "none",
    },
    {
        "medication": "Lexapro",
        "max_daily_dose_mg": 20,
        "duration_weeks": 8,
        "current_episode": True,
        "response": "partial",
    },
    {
        "medication": "duloxetine",
        "max_daily_dose_mg": 90,
        "duration_weeks": 8,
        "current_episode": True,
        "response": "partial",
    },
]


@pytest.fixture
def elena():
    seed_policies()
    patient = PatientFactory(given_name="Elena", family_name="Park")
    return case(document=valid_document(antidepressant_trials=TRIALS), patient=patient)


def test_checklist_page_in_the_browser(live_server, login_page, clinician, elena):
    centene = seeded_policy("CP.BH.200")
    page = login_page(clinician)
    page.goto(f"{live_server.url}/review/{elena.pk}/")
    section = page.get_by_test_id("prior-auth")
    assert section.get_by_text("CP.BH.200").count() >= 1
    table = page.get_by_test_id(f"checklist-{centene.pk}-initial")
    assert not table.is_visible()  # each policy's checklist opens on demand
    section.locator("summary", has_text="CP.BH.200").click()
    table.scroll_into_view_if_needed()
    row = table.locator('tr[data-kind="trial_classes"]')
    assert row.get_attribute("data-status") == "met"  # SSRI and SNRI
    assert "SNRI: duloxetine" in row.inner_text()
    problems = {"case": serious_violations(page)}

    page.get_by_role("link", name="Add details and prepare the Centene (Ambetter) packet").click()
    page.wait_for_url(f"**/review/{elena.pk}/prior-auth/{centene.pk}/")
    psychiatrist = page.locator('tr[data-kind="psychiatrist_orders"]').first
    assert psychiatrist.get_attribute("data-status") == "missing"
    problems["prior-auth"] = serious_violations(page)

    page.get_by_label("Ordering psychiatrist").fill("Dr. Ada Okafor")
    page.get_by_label("Psychiatrist's NPI").fill("1234567890")
    page.get_by_role("button", name="Save details").click()
    error = page.get_by_text("This is not a valid NPI")
    error.wait_for()
    assert page.get_by_label("Ordering psychiatrist").input_value() == "Dr. Ada Okafor"
    problems["prior-auth with an error"] = serious_violations(page)

    page.get_by_label("Psychiatrist's NPI").fill("1234567893")
    page.get_by_label("Diagnosis (ICD-10)").fill("F33.2")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("Prior-authorization details saved.").wait_for()
    psychiatrist = page.locator('tr[data-kind="psychiatrist_orders"]').first
    assert psychiatrist.get_attribute("data-status") == "met"
    assert page.locator('tr[data-kind="diagnosis"]').first.get_attribute("data-status") == "met"
    assert problems == {name: [] for name in problems}


def test_scheduler_pages_with_sessions_left_are_accessible(live_server, login_page, scheduler):
    patient = PatientFactory(family_name="Park")
    Authorization.objects.create(
        patient=patient,
        treatment="tms",
        payer="Aetna",
        units_approved=3,
        status=AuthorizationStatus.APPROVED,
    )
    page = login_page(scheduler)
    problems = {}
    for path in (f"/schedule/course/?patient={patient.pk}", "/schedule/attention/"):
        page.goto(f"{live_server.url}{path}")
        problems[path] = serious_violations(page)
    assert "3 of 3 sessions left" in page.content()
    page.goto(f"{live_server.url}/schedule/course/?patient={patient.pk}")
    assert page.get_by_test_id("sessions-left").inner_text() == "3"
    assert problems == {path: [] for path in problems}
