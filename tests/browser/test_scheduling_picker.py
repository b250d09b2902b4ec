"""The booking form's patient picker with htmx: matches appear as the
scheduler types; Enter in the search does not leave the half-filled form."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinic.scheduling.models import Appointment
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.scheduling import seed_types_and_plans, working_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_scheduler_finds_the_patient_by_typing(live_server, page, login_page):
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    working_week(doctor)
    dana = PatientFactory(given_name="Dana", family_name="Reyes")
    PatientFactory(given_name="Marco", family_name="Silva")
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday() + 7)

    login_page(StaffFactory(role="scheduler"))
    page.goto(f"{live_server.url}/schedule/book/?type=consult")
    page.get_by_label("Clinician").select_option(str(doctor.pk))
    page.get_by_label("Date").fill(monday.isoformat())
    page.get_by_label("Time").fill("10:00")
    search = page.get_by_label("Find a patient")
    search.press_sequentially("reye")
    choice = page.get_by_role("radio", name="Reyes, Dana")
    expect(choice).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(1)
    search.press("Enter")  # htmx handles the search form: the page stays
    expect(page.get_by_role("radio", name="Reyes, Dana")).to_be_visible()
    expect(page.get_by_label("Date")).to_have_value(monday.isoformat())
    page.get_by_role("radio", name="Reyes, Dana").check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Booked: Consult for Dana Reyes")
    assert Appointment.objects.get().patient == dana
