"""Closure days (public holidays from the `holidays` library and the
clinic's own) and the iCalendar details other programs read: an escaped
calendar name, a SEQUENCE that only grows, the patient's download type."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from icalendar import Calendar

from clinic.scheduling.models import Appointment, ClosureDay
from clinic.scheduling.selectors import slots_next_free
from clinic.scheduling.services.booking import appointment_book, appointment_move
from clinic.scheduling.services.calendar_feeds import calendar_feed_create
from clinic.scheduling.services.courses import course_propose
from clinic.scheduling.services.rules import OutsideWorkingHours
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import (
    ClosureDayFactory,
    appointment_type,
    local_dt,
    seed_types_and_plans,
)

pytestmark = pytest.mark.django_db


def test_seed_closures_adds_the_states_public_holidays_once(settings):
    settings.CLINIC_COUNTRY, settings.CLINIC_SUBDIVISION = "US", "MA"
    ClosureDay.objects.create(date=datetime.date(2026, 12, 24), name="Christmas Eve (clinic)")
    call_command("seed_closures", year=[2026])
    days = dict(ClosureDay.objects.values_list("date", "name"))
    assert days[datetime.date(2026, 12, 25)] == "Christmas Day"
    assert days[datetime.date(2026, 4, 20)] == "Patriots' Day"  # Massachusetts only
    assert days[datetime.date(2026, 12, 24)] == "Christmas Eve (clinic)"
    count = ClosureDay.objects.count()
    call_command("seed_closures", year=[2026])
    assert ClosureDay.objects.count() == count
    assert ClosureDay.objects.get(date="2026-12-25").source == "holiday"


def test_booking_on_a_closure_day_needs_the_override_reason(okafor, dana):
    ClosureDayFactory(date=datetime.date(2026, 12, 25), name="Christmas Day")
    with pytest.raises(OutsideWorkingHours) as refused:
        appointment_book(
            patient=dana,
            appointment_type=appointment_type("consult"),
            start=local_dt(2026, 12, 25, 10),
            clinician=okafor,
            booked_by=None,
        )
    assert "The clinic is closed on Fri 25 Dec 2026 (Christmas Day)." in refused.value.messages
    booked = appointment_book(
        patient=dana,
        appointment_type=appointment_type("consult"),
        start=local_dt(2026, 12, 25, 10),
        clinician=okafor,
        booked_by=None,
        override_reason="Urgent consult, clinician agreed",
    )
    assert booked.override_reason == "Urgent consult, clinician agreed"


def test_moving_onto_a_closure_day_needs_the_override_too(okafor, dana):
    ClosureDayFactory(date=datetime.date(2026, 12, 25))
    consult = appointment_book(
        patient=dana,
        appointment_type=appointment_type("consult"),
        start=local_dt(2026, 12, 23, 10),
        clinician=okafor,
        booked_by=None,
    )
    with pytest.raises(OutsideWorkingHours):
        appointment_move(appointment=consult, start=local_dt(2026, 12, 25, 10), moved_by=None)


def test_a_course_proposal_skips_closure_days(okafor, dana, tms_room):
    seed_types_and_plans()
    from clinic.scheduling.models import CoursePlan

    ClosureDayFactory(date=datetime.date(2026, 12, 25), name="Christmas Day")
    ClosureDayFactory(date=datetime.date(2027, 1, 1), name="New Year's Day")
    proposal = course_propose(
        plan=CoursePlan.objects.get(slug="tms-course"),
        patient=dana,
        clinician=okafor,
        room=tms_room,
        first_day=datetime.date(2026, 12, 21),
        preferred_time=datetime.time(9),
    )
    days = [slot.start.astimezone(local_dt(2026, 1, 1).tzinfo).date() for slot in proposal]
    assert len(days) == 36
    assert datetime.date(2026, 12, 25) not in days
    assert datetime.date(2027, 1, 1) not in days
    friday = next(s for s in proposal if s.planned_day == datetime.date(2026, 12, 25))
    assert friday.closed == ["Fri 25 Dec (Christmas Day)"]
    assert not any(slot.problem for slot in proposal)


def test_the_free_slot_finder_skips_closure_days(okafor):
    ClosureDayFactory(date=datetime.date(2026, 12, 25))
    found = slots_next_free(
        appointment_type=appointment_type("consult"),
        clinician=okafor,
        room=None,
        after=local_dt(2026, 12, 25, 0),
        count=3,
    )
    assert [s.astimezone(local_dt(2026, 1, 1).tzinfo).date() for s in found] == [
        datetime.date(2026, 12, 28)
    ] * 3


def test_the_calendar_name_is_escaped(client, settings, okafor):
    settings.CLINIC_NAME = "Smith, Jones & Partners; Psychiatry"
    feed = calendar_feed_create(clinician=okafor)
    response = client.get(f"/calendar/{feed.token}.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"X-WR-CALNAME:Smith\\, Jones & Partners\\; Psychiatry schedule" in response.content
    # The parser keeps the whole escaped value (unescaped, it is the name).
    raw = Calendar.from_ical(response.content)["x-wr-calname"].to_ical().decode()
    unescaped = raw.replace("\\,", ",").replace("\\;", ";")
    assert unescaped == "Smith, Jones & Partners; Psychiatry schedule"


def test_the_patients_downloads_are_utf8_calendars_with_the_stored_sequence(client, okafor):
    patient = PatientFactory(with_login=True, given_name="Núria")
    consult = appointment_book(
        patient=patient,
        appointment_type=appointment_type("consult"),
        start=local_dt(2026, 12, 22, 10),
        clinician=okafor,
        booked_by=None,
    )
    appointment_move(appointment=consult, start=local_dt(2026, 12, 21, 9), moved_by=None)
    client.force_login(patient.user)
    for url in (f"/appointments/{consult.pk}/ics/", "/appointments/calendar.ics"):
        response = client.get(url)
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        event = Calendar.from_ical(response.content).walk("VEVENT")[0]
        assert int(event["sequence"]) == Appointment.objects.get(pk=consult.pk).revision == 1


def test_the_patients_subscription_link_can_be_made_and_turned_off(client, okafor):
    patient = PatientFactory(with_login=True)
    appointment_book(
        patient=patient,
        appointment_type=appointment_type("consult"),
        start=local_dt(2026, 12, 22, 10),
        clinician=okafor,
        booked_by=None,
    )
    client.force_login(patient.user)
    assert client.get("/appointments/calendar/").status_code == 405
    client.post("/appointments/calendar/", {"action": "create"})
    feed = patient.calendar_feeds.get(revoked_at__isnull=True)
    page = client.get("/appointments/").content.decode()
    assert f"/appointments/feed/{feed.token}.ics" in page
    client.logout()
    response = client.get(f"/appointments/feed/{feed.token}.ics")
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 1
    client.force_login(patient.user)
    client.post("/appointments/calendar/", {"action": "revoke"})
    assert client.get(f"/appointments/feed/{feed.token}.ics").status_code == 404
