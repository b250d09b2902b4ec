"""A scheduler finds a case waiting for a consult, books it from the case
page, applies a TMS course and moves one session; the patient sees them and
downloads the .ics."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinic.scheduling.models import Appointment
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import consult_decided
from tests.factories.scheduling import RoomFactory, seed_types_and_plans, working_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consult_course_move_then_the_patient_sees_them(live_server, page, login_page):
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    working_week(doctor)
    room = RoomFactory(name="TMS room")
    scheduler = StaffFactory(role="scheduler")
    patient = PatientFactory(with_login=True, given_name="Dana", family_name="Reyes")
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday() + 7)

    # 1. The clinician decided "book a consult"; the scheduler finds the case
    # in Consults to book, opens it and books the consult from the case page.
    intake = consult_decided(patient=patient, by=doctor)
    login_page(scheduler)
    page.goto(f"{live_server.url}/schedule/")
    page.get_by_role("link", name="Consults to book").click()
    row = page.get_by_test_id("to-book-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Reyes, Dana")
    row.get_by_role("link", name="Case of Dana Reyes").click()
    expect(page).to_have_url(f"{live_server.url}/review/{intake.pk}/")
    expect(page.get_by_test_id("limited-case")).to_contain_text("Consult to book")
    page.get_by_role("link", name="Book a consult").click()
    page.get_by_label("Clinician").select_option(str(doctor.pk))
    page.get_by_label("Date").fill((monday - datetime.timedelta(days=3)).isoformat())
    page.get_by_label("Time").fill("15:00")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Booked: Consult for Dana Reyes")
    page.get_by_role("link", name="Consults to book").click()
    expect(page.get_by_test_id("to-book-empty")).to_be_visible()

    # 2. Apply a TMS course: propose, review, book all.
    page.goto(f"{live_server.url}/schedule/course/?patient={patient.pk}")
    page.get_by_label("Course").select_option("tms-course")
    page.get_by_label("Clinician").select_option(str(doctor.pk))
    page.get_by_label("Room").select_option(str(room.pk))
    page.get_by_label("First session on").fill(monday.isoformat())
    page.get_by_label("Preferred time").fill("09:00")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_test_id("proposal").locator("tbody tr")).to_have_count(36)
    page.get_by_role("button", name="Book all 36 appointments").click()
    expect(page.get_by_role("status")).to_contain_text("Booked 36 appointments: TMS course")
    assert Appointment.objects.filter(patient=patient).count() == 37

    # 3. Move the first session to the afternoon, this one only.
    page.get_by_label("Time").fill("14:00")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_contain_text("Moved: TMS session for Dana Reyes")
    expect(page.get_by_test_id("appointment-when")).to_contain_text("14:00")
    first = Appointment.objects.filter(course__isnull=False).order_by("start").first()
    assert timezone.localtime(first.start).time() == datetime.time(14)

    # 4. The patient sees the consult and the course, and downloads the .ics.
    login_page(patient.user)
    page.goto(f"{live_server.url}/appointments/")
    cards = page.get_by_test_id("upcoming-appointment")
    expect(cards).to_have_count(37)
    expect(cards.first).to_contain_text("Consult")
    expect(cards.nth(1)).to_contain_text("14:00")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"Add all 37 appointments.*\.ics")).click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    content = Path(download.path()).read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in content and "SUMMARY:Consult at" in content
