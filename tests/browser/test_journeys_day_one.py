"""Issue 12's three journeys in Chromium: a clinician reads the case
header and the treatment history; a scheduler books a course across a
closure day and moves one session, and the patient is emailed each change
with its .ics; the patient's appointments page, 40 appointments on a phone,
passes axe and each card's form is its own."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from clinic.scheduling.models import Appointment, ClosureDay
from clinic.scheduling.services.booking import appointment_book
from clinic.scheduling.services.courses import course_book
from tests.browser.axe import assert_accessible
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import case
from tests.factories.scheduling import (
    AppointmentFactory,
    RoomFactory,
    appointment_type,
    seed_types_and_plans,
    working_week,
)
from tests.factories.screening import valid_document
from tests.worker import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_monday(weeks_ahead: int = 2) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday() + 7 * (weeks_ahead - 1))


def test_a_clinician_reads_the_case_header_and_treatment_history(live_server, page, login_page):
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    patient = PatientFactory(given_name="Lucía", family_name="Prieto", phone="", sex_at_birth="")
    intake = case(
        "info",
        patient=patient,
        document=valid_document(
            patient__phone="+1 555 0100",
            patient__preferred_language="es",
            patient__sex_at_birth="female",
            procedures=[{"treatment": "tms", "sessions": 30, "year": 2024, "response": "none"}],
        ),
    )
    login_page(doctor)
    page.goto(f"{live_server.url}/review/{intake.pk}/")
    phone = page.get_by_test_id("contact-phone").get_by_role("link", name="+1 555 0100")
    expect(phone).to_be_visible()
    expect(phone).to_have_attribute("href", "tel:+15550100")
    expect(page.get_by_test_id("contact-email").get_by_role("link")).to_have_attribute(
        "href", f"mailto:{intake.document['patient']['email']}"
    )
    expect(page.get_by_test_id("contact-language")).to_have_text("Spanish")
    expect(page.get_by_test_id("sex-at-birth")).to_have_text("Female")
    history = page.get_by_test_id("treatment-history")
    expect(history.get_by_test_id("trials")).to_contain_text("Adequate trial?")
    procedures = history.get_by_test_id("procedures")
    expect(procedures).to_contain_text("Transcranial magnetic stimulation (TMS)")
    expect(procedures).to_contain_text("no response")
    expect(procedures).to_contain_text("2024")
    expect(history.get_by_test_id("therapies")).to_contain_text("Cognitive behavioural therapy")
    expect(page.get_by_test_id("instrument-phq9")).to_contain_text("PHQ-9 total")
    # Flags read with their human titles, not codes.
    expect(page.get_by_test_id("flag").first).not_to_contain_text("trd_likely")
    expect(page.locator('[data-testid="flag"][data-code="trd_likely"] strong')).to_have_text(
        "Two or more adequate antidepressant trials without response"
    )
    assert_accessible(page)


def test_a_course_across_a_closure_day_then_a_move_and_the_patients_emails(
    live_server, page, login_page
):
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    working_week(doctor, days=range(5))
    room = RoomFactory(name="TMS room")
    patient = PatientFactory(
        with_login=True, given_name="Dana", family_name="Reyes", email="dana@example.org"
    )
    monday = next_monday()
    closed = monday + datetime.timedelta(days=4)  # the first Friday
    ClosureDay.objects.create(date=closed, name="Clinic training day")

    login_page(StaffFactory(role="scheduler"))
    page.goto(f"{live_server.url}/schedule/course/?patient={patient.pk}")
    page.get_by_label("Course").select_option("tms-course")
    page.get_by_label("Clinician").select_option(str(doctor.pk))
    page.get_by_label("Room").select_option(str(room.pk))
    page.get_by_label("First session on").fill(monday.isoformat())
    page.get_by_label("Preferred time").fill("09:00")
    page.get_by_role("button", name="Propose").click()
    proposal = page.get_by_test_id("proposal")
    expect(proposal.locator("tbody tr")).to_have_count(36)
    expect(proposal.get_by_test_id("closure-skipped").first).to_contain_text("Clinic closed: Fri")
    starts = [
        proposal.get_by_label(f"Start of #{n}", exact=True).input_value() for n in range(1, 37)
    ]
    assert not any(s.startswith(closed.isoformat()) for s in starts)
    page.get_by_role("button", name="Book all 36 appointments").click()
    expect(page.get_by_role("status")).to_contain_text("Booked 36 appointments: TMS course")
    booked_days = {
        timezone.localtime(a.start).date() for a in Appointment.objects.filter(patient=patient)
    }
    assert len(booked_days) == 36 and closed not in booked_days
    run_worker()  # the worker runs beside the server: the course email goes out

    # Move the first session to the afternoon.
    page.get_by_label("Time").fill("14:00")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_contain_text("Moved: TMS session for Dana Reyes")

    # Then the move's: one email for the course, one for the move.
    run_worker()
    notices = [m for m in mail.outbox if not m.subject.startswith("Reminder")]
    assert [m.to for m in notices] == [["dana@example.org"], ["dana@example.org"]]
    course, moved = notices
    assert course.subject.startswith("Booked: 36 appointments from ")
    course_calendar = Calendar.from_ical(course.attachments[0][1])
    assert course_calendar["method"] == "REQUEST"
    assert len(course_calendar.walk("VEVENT")) == 36
    assert moved.subject.startswith("Moved: TMS session now on ") and "14:00" in moved.subject
    event = Calendar.from_ical(moved.attachments[0][1]).walk("VEVENT")[0]
    first = course_calendar.walk("VEVENT")[0]
    assert str(event["uid"]) == str(first["uid"])
    assert int(event["sequence"]) == int(first["sequence"]) + 1

    # The patient sees the course as one group and what was sent.
    login_page(patient.user)
    page.goto(f"{live_server.url}/appointments/")
    group = page.get_by_test_id("course-group")
    expect(group).to_have_count(1)
    expect(group.get_by_test_id("course-progress")).to_contain_text("session 1 of 36")
    expect(page.get_by_test_id("sent-notifications")).to_contain_text(moved.subject)
    expect(page.get_by_test_id("sent-notifications")).to_contain_text(course.subject)


def test_the_patients_page_with_40_appointments_on_a_phone(live_server, page, login_page):
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    working_week(doctor)
    room = RoomFactory(name="TMS room")
    patient = PatientFactory(with_login=True)
    monday = next_monday()
    consult = appointment_book(
        patient=patient,
        appointment_type=appointment_type("consult"),
        start=timezone.make_aware(datetime.datetime.combine(monday, datetime.time(8))),
        clinician=doctor,
        booked_by=None,
    )
    for days in (1, 2):
        appointment_book(
            patient=patient,
            appointment_type=appointment_type("esketamine-session"),
            start=timezone.make_aware(
                datetime.datetime.combine(monday + datetime.timedelta(days=days), datetime.time(8))
            ),
            clinician=doctor,
            room=RoomFactory(),
            booked_by=None,
        )
    course_book(
        plan=None,
        patient=patient,
        clinician=doctor,
        room=room,
        slots=[
            (
                appointment_type("tms-session"),
                timezone.make_aware(
                    datetime.datetime.combine(
                        monday + datetime.timedelta(days=3 + d), datetime.time(11)
                    )
                ),
            )
            for d in range(36)
        ],
        booked_by=None,
        name="TMS course",
    )
    AppointmentFactory(
        patient=patient,
        clinician=doctor,
        start=timezone.now() - datetime.timedelta(days=20),
        status="completed",
    )
    assert Appointment.objects.filter(patient=patient).count() == 40

    page.set_viewport_size({"width": 390, "height": 844})
    login_page(patient.user)
    page.goto(f"{live_server.url}/appointments/")
    expect(page.get_by_test_id("upcoming-appointment")).to_have_count(39)
    expect(page.get_by_test_id("course-progress")).to_contain_text("session 1 of 36")
    expect(page.get_by_test_id("preparation").first).to_be_visible()
    expect(page.get_by_text("no drinks for 30 minutes before", exact=False).first).to_be_visible()
    # Past appointments are folded away.
    expect(page.get_by_test_id("past-appointments")).to_be_hidden()
    assert_accessible(page)

    # The third card's "Reschedule" label ticks the third card's radio.
    cards = page.get_by_test_id("upcoming-appointment")
    third = cards.nth(2)
    third.locator("summary").click()
    third.get_by_label("Reschedule").check()
    expect(third.get_by_label("Reschedule")).to_be_checked()
    expect(cards.nth(0).get_by_label("Reschedule")).not_to_be_checked()
    third.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("The clinic will reply")
    requested = Appointment.objects.filter(change_requests__kind="reschedule").get()
    assert requested.pk != consult.pk
    assert requested.appointment_type.slug == "esketamine-session"
