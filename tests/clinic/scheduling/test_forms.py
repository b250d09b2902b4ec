"""The query strings and course slots the schedule pages read, as forms."""

from __future__ import annotations

import datetime

import pytest

from clinic.scheduling.forms import BookLinkForm, CourseSlotsForm
from clinic.scheduling.models import CoursePlan
from tests.factories.scheduling import appointment_type, local_dt

pytestmark = pytest.mark.django_db


def test_a_booking_link_presets_type_resource_and_local_start(okafor):
    initial = BookLinkForm(
        {"type": "follow-up", "clinician": str(okafor.pk), "start": "2026-03-04T08:30"}
    ).booking_initial()
    assert initial == {
        "appointment_type": appointment_type("follow-up"),
        "clinician": okafor.pk,
        "date": datetime.date(2026, 3, 4),
        "time": datetime.time(8, 30),
    }


def test_a_booking_link_ignores_what_does_not_parse_and_defaults_to_a_consult(okafor):
    initial = BookLinkForm(
        {"type": "\x00", "clinician": "x", "room": "-3", "start": "0001-01-01T00:00"}
    ).booking_initial(clinician=okafor)
    assert initial == {"appointment_type": appointment_type("consult"), "clinician": okafor.pk}


def test_a_room_slot_asks_for_a_type_that_needs_a_room(chair):
    initial = BookLinkForm({"room": str(chair.pk)}).booking_initial()
    assert initial["room"] == chair.pk and initial["appointment_type"].needs_room


def test_course_slots_are_read_in_the_clinics_zone_and_each_missing_one_is_named(db):
    appointment_type("consult")  # seeds the plans
    plan = CoursePlan.objects.get(slug="esketamine-induction")
    positions = [step.position for step in plan.steps.order_by("position")]
    data = {f"slot_{p}": f"2026-03-{p + 1:02d}T09:00" for p in positions}
    form = CourseSlotsForm(data, plan=plan)
    assert form.is_valid(), form.errors
    starts = [start for _kind, start in form.slots()]
    assert starts[0] == local_dt(2026, 3, 2, 9) and len(starts) == len(positions)

    data.pop("slot_2")
    data["slot_3"] = "9999-12-31T09:00"
    form = CourseSlotsForm(data, plan=plan)
    assert not form.is_valid()
    assert form.errors["slot_2"] == ["#2: give a date and time."]
    assert "Give a date between 1900 and 2199." in form.errors["slot_3"]
    assert 2 not in form.typed_starts() and form.typed_starts()[1] == local_dt(2026, 3, 2, 9)
