"""A whole esketamine session at tablet size (1024x768) in Chromium: the
nurse starts it from today's list, charts the pre-dose checks, closes the
tab half-way (nothing is lost), records the 40-minute BP, marks the
dissociation resolved, discharges at 2 hours; the clinician signs; the REMS
form shows what was charted. The pages pass axe."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from clinic.treatment.models import TreatmentSession
from tests.browser.axe import serious_violations
from tests.factories.accounts import StaffFactory
from tests.factories.scheduling import RoomFactory
from tests.factories.treatment import (
    RemsCertificationFactory,
    RemsEnrollmentFactory,
    treatment_appointment,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1024, "height": 768}


def _saved(page, *needles):
    """Wait for an autosave POST that carries what was just typed (each
    needle in its body) to be answered: an earlier save still in flight
    does not count."""

    def carries(response):
        request = response.request
        body = request.post_data or ""
        return (
            "/sessions/" in response.url
            and request.method == "POST"
            and response.status == 200
            and all(needle in body for needle in needles)
        )

    return page.expect_response(carries)


def _vitals(page, clock, phase, systolic, diastolic, hr="72", spo2="98"):
    form = page.get_by_test_id("vitals-form")
    form.get_by_label("Time").fill(clock)
    form.get_by_label("When").select_option(label=phase)
    form.get_by_label("Systolic (mmHg)").fill(systolic)
    form.get_by_label("Diastolic (mmHg)").fill(diastolic)
    form.get_by_label("Heart rate (/min)").fill(hr)
    form.get_by_label("SpO2 (%)").fill(spo2)
    form.get_by_label("Respiratory rate (/min)").fill("14")
    form.get_by_role("button", name="Add vitals").click()
    # The new row, not the message of the reading before: the page has reloaded.
    expect(page.get_by_test_id("vital-row").filter(has_text=clock)).to_have_count(1)
    expect(page.get_by_text("Vitals recorded.")).to_be_visible()


def _yes(page, name, value="yes"):
    page.locator(f"#f-{name}-{value}").check()


def test_a_whole_esketamine_session_on_a_tablet(live_server, login_page):
    nurse = StaffFactory(role="clinician", first_name="Nora", last_name="Patel")
    doctor = StaffFactory(role="clinician", first_name="Ada", last_name="Okafor")
    appointment = treatment_appointment(
        "esketamine",
        clock=datetime.time(9),
        room=RoomFactory(name="Infusion chair 1"),
        clinician=doctor,
    )
    RemsCertificationFactory(setting_identifier="HS-555111")
    RemsEnrollmentFactory(patient=appointment.patient, patient_identifier="PT-424242")
    page = login_page(nurse)
    page.set_viewport_size(TABLET)
    problems = {}

    # Today's list, by chair: start the session.
    page.goto(f"{live_server.url}/sessions/")
    expect(page.get_by_role("heading", name="Infusion chair 1")).to_be_visible()
    problems["today"] = serious_violations(page)
    page.get_by_role("button", name="Check in and start").click()
    expect(page.get_by_test_id("session-state")).to_have_text("In progress")
    session = TreatmentSession.objects.get()
    chart_url = f"{live_server.url}/sessions/{session.pk}/"

    # Pre-dose BP, then the checklist and the medicines.
    _vitals(page, "09:00", "Before dosing", "128", "82")
    for name in ("first_treatment",):
        _yes(page, name, "no")
    for name in ("no_food_2h", "no_liquids_30min", "ride_home", "meds_confirmed"):
        with _saved(page, f'name="{name}"'):
            _yes(page, name)
    _yes(page, "nasal_medicine", "none")
    for name in (
        "med_benzodiazepine",
        "med_sedative_hypnotic",
        "med_psychostimulant",
        "med_maoi",
        "med_opioid",
    ):
        _yes(page, name, "no")
    _yes(page, "dose", "56")
    page.locator("#f-devices").fill("2")
    page.locator("#f-lot_number").fill("LOT-7788")
    with _saved(page, "LOT-7788", "09:10"):
        page.locator("#f-first_device_time").fill("09:10")
    problems["chart"] = serious_violations(page)
    # The 40-minute BP is being typed when the tab is closed.
    vitals_form = page.get_by_test_id("vitals-form")
    vitals_form.get_by_label("Time").fill("09:50")
    with _saved(page, "138"):
        vitals_form.get_by_label("Systolic (mmHg)").fill("138")

    # The tab is closed in the middle; a new one shows everything typed.
    page.close()
    page = login_page(nurse).context.new_page()
    page.set_viewport_size(TABLET)
    page.goto(chart_url)
    expect(page.locator("#f-lot_number")).to_have_value("LOT-7788")
    expect(page.locator("#f-devices")).to_have_value("2")
    expect(page.locator("#f-first_device_time")).to_have_value("09:10")
    expect(page.locator("#f-no_food_2h-yes")).to_be_checked()
    expect(page.get_by_test_id("session-state")).to_have_text("Monitoring")
    expect(page.get_by_test_id("bp-due")).to_contain_text("Blood pressure due at 09:50")
    vitals_form = page.get_by_test_id("vitals-form")
    expect(vitals_form.get_by_label("Systolic (mmHg)")).to_have_value("138")
    expect(vitals_form.get_by_label("Time")).to_have_value("09:50")

    # The BP at 40 minutes; monitoring; dissociation resolved.
    _vitals(page, "09:50", "Scheduled check", "138", "86")
    _yes(page, "pulse_oximetry")
    page.locator("#f-lowest_spo2").fill("95")
    _yes(page, "sedation", "no")
    _yes(page, "dissociation")
    page.locator("#f-dissociation_onset").fill("09:20")
    page.locator("#f-dissociation_resolved").fill("10:15")
    _yes(page, "respiratory_depression", "no")
    with _saved(page, 'name="sae"', "10:15"):
        _yes(page, "sae", "no")

    # Discharge at 2 hours.
    _vitals(page, "11:05", "Before discharge", "124", "80")
    page.locator("#f-ready_time").fill("10:30")
    page.locator("#f-discharge_time").fill("11:10")
    for name in ("vitals_ok_before_dose", "vitals_ok_at_discharge", "responsible_adult"):
        _yes(page, name)
    with _saved(page, 'name="not_driving"', "11:10", 'name="responsible_adult"'):
        _yes(page, "not_driving")
    page.reload()
    expect(page.get_by_test_id("session-state")).to_have_text("Ready to sign")
    expect(page.get_by_test_id("sign-problems")).to_have_count(0)

    # The clinician signs.
    page = login_page(doctor).context.new_page()
    page.set_viewport_size(TABLET)
    page.goto(chart_url)
    page.get_by_role("button", name="Sign the session").click()
    expect(page.get_by_test_id("session-state")).to_have_text("Signed")
    expect(page.get_by_test_id("signed")).to_contain_text("Ada Okafor")
    problems["signed"] = serious_violations(page)

    # The REMS form shows what was charted; it is due.
    page.get_by_role("link", name="Patient Monitoring Form").click()
    form = page.get_by_test_id("rems-form")
    for text in (
        "PT-424242",
        "HS-555111",
        "56 mg",
        "LOT-7788",
        "128/82 mmHg",
        "138/86 mmHg",
        "124/80 mmHg",
        "10:15 (65 min after administration)",
        "Nora",
    ):
        expect(form).to_contain_text(text)
    expect(form.locator("tr", has_text="Treatment Duration")).to_contain_text("120")
    expect(form.locator("tr", has_text="REMS Evaluation")).to_contain_text("80")
    problems["rems_form"] = serious_violations(page)
    page.goto(f"{live_server.url}/sessions/rems-due/")
    expect(page.get_by_test_id("due-row")).to_have_count(1)
    problems["rems_due"] = serious_violations(page)

    # And on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(chart_url)
    expect(page.get_by_test_id("session-state")).to_have_text("Signed")
    problems["phone_chart"] = serious_violations(page)
    page.goto(f"{live_server.url}/sessions/")
    problems["phone_today"] = serious_violations(page)
    assert problems == {key: [] for key in problems}
