"""Booking, moving, cancelling, conflicts, overrides, treatment courses."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from clinic.scheduling.models import Appointment, Course, Reminder
from clinic.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_set_status,
)
from clinic.scheduling.services.courses import course_book, course_edit, course_propose
from clinic.scheduling.services.rules import BookingConflict, BookingError, OutsideWorkingHours
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.scheduling import (
    TimeOffFactory,
    appointment_type,
    local_dt,
    working_week,
)

pytestmark = pytest.mark.django_db


def book(patient, start, *, clinician, kind="consult", room=None, **extra):
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type(kind),
        start=start,
        clinician=clinician,
        room=room,
        booked_by=extra.pop("booked_by", None),
        **extra,
    )


def test_booking_a_consult_records_who_when_and_plans_reminders(
    frozen_now, okafor, dana, scheduler
):
    appointment = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor, booked_by=scheduler)
    appointment.refresh_from_db()
    assert appointment.end - appointment.start == datetime.timedelta(minutes=60)
    assert appointment.status == "booked"
    assert appointment.booked_by == scheduler
    assert appointment.override_reason == ""
    reminders = list(appointment.reminders.order_by("due_at"))
    assert [r.offset_minutes for r in reminders] == [1440, 120]
    assert reminders[0].due_at == local_dt(2026, 3, 3, 10)
    assert reminders[1].due_at == local_dt(2026, 3, 4, 8)


def test_reminders_already_past_are_not_planned(frozen_now, okafor, dana):
    appointment = book(dana, local_dt(2026, 3, 2, 11), clinician=okafor)
    assert [r.offset_minutes for r in appointment.reminders.all()] == [120]


def test_clinician_conflict_names_the_clinician_time_and_patient(frozen_now, okafor, dana):
    book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    other = PatientFactory(given_name="Marco", family_name="Silva")
    with pytest.raises(BookingConflict) as caught:
        book(other, local_dt(2026, 3, 4, 10, 30), clinician=okafor)
    assert caught.value.messages == [
        "Dr Okafor already has an appointment 10:00-11:00 on Wed 4 Mar 2026 with D. R. (Consult)."
    ]
    assert Appointment.objects.count() == 1


def test_room_conflict_names_the_room(frozen_now, okafor, dana, chair):
    book(dana, local_dt(2026, 3, 4, 9), clinician=okafor, kind="iv-ketamine-infusion", room=chair)
    lindqvist = StaffFactory(role="clinician", last_name="Lindqvist")
    working_week(lindqvist)
    with pytest.raises(BookingConflict) as caught:
        book(
            PatientFactory(given_name="Marco", family_name="Silva"),
            local_dt(2026, 3, 4, 10),
            clinician=lindqvist,
            kind="iv-ketamine-infusion",
            room=chair,
        )
    assert caught.value.messages == [
        "Infusion chair 1 is already booked 09:00-11:00 on Wed 4 Mar 2026 "
        "(IV ketamine infusion with D. R.)."
    ]


def test_patient_conflict_names_the_patient(frozen_now, okafor, dana):
    book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    lindqvist = StaffFactory(role="clinician", last_name="Lindqvist")
    working_week(lindqvist)
    with pytest.raises(BookingConflict) as caught:
        book(dana, local_dt(2026, 3, 4, 10, 45), clinician=lindqvist)
    assert caught.value.messages == [
        "D. R. already has an appointment 10:00-11:00 on Wed 4 Mar 2026 (Consult with Dr Okafor)."
    ]


def test_back_to_back_appointments_do_not_conflict(frozen_now, okafor, dana):
    book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    second = book(PatientFactory(), local_dt(2026, 3, 4, 11), clinician=okafor)
    assert second.pk


def test_cancelled_and_no_show_appointments_free_the_slot(frozen_now, okafor, dana):
    first = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    appointment_cancel(appointment=first, cancelled_by=None, reason="Patient ill")
    second = book(PatientFactory(), local_dt(2026, 3, 4, 10), clinician=okafor)
    appointment_set_status(appointment=second, status="no_show", changed_by=None)
    third = book(PatientFactory(), local_dt(2026, 3, 4, 10), clinician=okafor)
    assert Appointment.objects.live().get() == third


def test_a_room_type_needs_a_room(frozen_now, okafor, dana):
    with pytest.raises(BookingError) as caught:
        book(dana, local_dt(2026, 3, 4, 10), clinician=okafor, kind="tms-session")
    assert caught.value.messages == ["A tms session needs a room."]


def test_outside_working_hours_needs_an_override_which_is_recorded(frozen_now, okafor, dana):
    with pytest.raises(OutsideWorkingHours) as caught:
        book(dana, local_dt(2026, 3, 4, 17, 30), clinician=okafor)
    assert caught.value.messages[0] == (
        "Dr Okafor does not work 17:30-18:30 on Wed 4 Mar 2026 (outside working hours)."
    )
    assert "give a reason" in caught.value.messages[-1]
    appointment = book(
        dana, local_dt(2026, 3, 4, 17, 30), clinician=okafor, override_reason="Only time she can"
    )
    assert appointment.override_reason == "Only time she can"


def test_weekend_is_outside_hours(frozen_now, okafor, dana):
    with pytest.raises(OutsideWorkingHours):
        book(dana, local_dt(2026, 3, 7, 10), clinician=okafor)


def test_time_off_needs_an_override(frozen_now, okafor, dana):
    TimeOffFactory(
        clinician=okafor, start=local_dt(2026, 3, 5, 0), end=local_dt(2026, 3, 6, 0), reason="Leave"
    )
    with pytest.raises(OutsideWorkingHours) as caught:
        book(dana, local_dt(2026, 3, 5, 10), clinician=okafor)
    assert "Dr Okafor is on time off 05 Mar 00:00 - 06 Mar 00:00 (Leave)." in caught.value.messages
    assert book(dana, local_dt(2026, 3, 5, 10), clinician=okafor, override_reason="Urgent").pk


def test_override_reason_is_not_kept_when_not_needed(frozen_now, okafor, dana):
    appointment = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor, override_reason="x")
    assert appointment.override_reason == ""


def test_moving_replaces_the_reminders_and_keeps_the_length(frozen_now, okafor, dana):
    appointment = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    old_ids = set(appointment.reminders.values_list("pk", flat=True))
    moved = appointment_move(appointment=appointment, start=local_dt(2026, 3, 5, 14), moved_by=None)
    assert (moved.start, moved.end) == (local_dt(2026, 3, 5, 14), local_dt(2026, 3, 5, 15))
    assert Reminder.objects.filter(pk__in=old_ids, superseded_at__isnull=False).count() == 2
    live = moved.reminders.filter(superseded_at__isnull=True).order_by("due_at")
    assert [r.due_at for r in live] == [local_dt(2026, 3, 4, 14), local_dt(2026, 3, 5, 12)]


def test_moving_into_a_conflict_changes_nothing(frozen_now, okafor, dana):
    first = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    second = book(PatientFactory(), local_dt(2026, 3, 4, 12), clinician=okafor)
    with pytest.raises(BookingConflict):
        appointment_move(appointment=second, start=local_dt(2026, 3, 4, 10, 30), moved_by=None)
    second.refresh_from_db()
    assert second.start == local_dt(2026, 3, 4, 12)
    # Moving onto its own old slot, partly, is fine.
    moved = appointment_move(appointment=first, start=local_dt(2026, 3, 4, 10, 30), moved_by=None)
    assert moved.start == local_dt(2026, 3, 4, 10, 30)


def test_moving_to_another_clinician_checks_their_calendar(frozen_now, okafor, dana):
    lindqvist = StaffFactory(role="clinician", last_name="Lindqvist")
    working_week(lindqvist)
    book(
        PatientFactory(given_name="Priya", family_name="Natarajan"),
        local_dt(2026, 3, 4, 10),
        clinician=lindqvist,
    )
    mine = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    with pytest.raises(BookingConflict) as caught:
        appointment_move(appointment=mine, start=mine.start, clinician=lindqvist, moved_by=None)
    assert caught.value.messages[0].startswith(
        "Dr Lindqvist already has an appointment 10:00-11:00"
    )


def test_cancelling_supersedes_unsent_reminders(frozen_now, okafor, dana):
    appointment = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    appointment_cancel(appointment=appointment, cancelled_by=None, reason="Feeling better")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert "Feeling better" in appointment.notes
    assert not appointment.reminders.filter(superseded_at__isnull=True).exists()
    with pytest.raises(BookingError):
        appointment_move(appointment=appointment, start=local_dt(2026, 3, 5, 10), moved_by=None)


def test_status_changes_follow_the_allowed_paths(frozen_now, okafor, dana):
    appointment = book(dana, local_dt(2026, 3, 4, 10), clinician=okafor)
    appointment_set_status(appointment=appointment, status="confirmed", changed_by=None)
    appointment_set_status(appointment=appointment, status="checked_in", changed_by=None)
    done = appointment_set_status(appointment=appointment, status="completed", changed_by=None)
    assert done.status == "completed"
    with pytest.raises(BookingError, match="cannot become cancelled"):
        appointment_set_status(appointment=appointment, status="cancelled", changed_by=None)


# Course --------------------------------------------------------------------


def plan(slug):
    from clinic.scheduling.models import CoursePlan

    return CoursePlan.objects.get(slug=slug)


def test_seeded_plans_have_the_courses_of_the_issue(db):
    def days(slug):
        return [s.day for s in plan(slug).steps.order_by("position")]

    ketamine = plan("iv-ketamine-induction").steps.order_by("position")
    assert [s.appointment_type.slug for s in ketamine].count("iv-ketamine-infusion") == 6
    assert days("iv-ketamine-induction") == [0, 3, 7, 10, 14, 17, 24, 45]
    assert len(days("esketamine-induction")) == 12
    assert len(days("tms-course")) == 30 + 3 + 2 + 1
    assert len(days("ect-index-course")) == 12


def test_course_proposal_uses_free_slots_and_shifts_around_busy_ones(
    frozen_now, okafor, dana, chair
):
    # Okafor is busy at 09:00-11:00 on the day of the 2nd infusion (Thu 5 Mar).
    book(PatientFactory(), local_dt(2026, 3, 5, 9), clinician=okafor)
    proposal = course_propose(
        plan=plan("iv-ketamine-induction"),
        patient=dana,
        clinician=okafor,
        room=chair,
        first_day=datetime.date(2026, 3, 2),
        preferred_time=datetime.time(9),
    )
    assert len(proposal) == 8
    assert all(not slot.problem for slot in proposal)
    assert proposal[0].start == local_dt(2026, 3, 2, 9)
    # Nearest free start that day: right after the busy consult.
    assert proposal[1].start == local_dt(2026, 3, 5, 10)
    assert proposal[2].start == local_dt(2026, 3, 9, 9)
    assert [slot.appointment_type.slug for slot in proposal[-2:]] == ["follow-up", "follow-up"]
    assert Appointment.objects.filter(patient=dana).count() == 0


def test_course_proposal_moves_weekend_days_to_the_next_working_day(
    frozen_now, okafor, dana, chair
):
    # Starting on a Thursday, day 3 of the ketamine plan is a Sunday.
    proposal = course_propose(
        plan=plan("iv-ketamine-induction"),
        patient=dana,
        clinician=okafor,
        room=chair,
        first_day=datetime.date(2026, 3, 5),
        preferred_time=datetime.time(9),
    )
    assert proposal[1].start == local_dt(2026, 3, 9, 9)
    assert proposal[1].shifted_days == 1


def test_course_book_books_everything_in_one_go(frozen_now, okafor, dana, chair, scheduler):
    proposal = course_propose(
        plan=plan("iv-ketamine-induction"),
        patient=dana,
        clinician=okafor,
        room=chair,
        first_day=datetime.date(2026, 3, 2),
        preferred_time=datetime.time(9),
    )
    course = course_book(
        plan=plan("iv-ketamine-induction"),
        patient=dana,
        clinician=okafor,
        room=chair,
        slots=[(s.appointment_type, s.start) for s in proposal],
        booked_by=scheduler,
    )
    booked = list(course.appointments.order_by("start"))
    assert len(booked) == 8
    assert [a.course_position for a in booked] == list(range(1, 9))
    assert booked[-1].room is None  # a follow-up needs no room
    assert booked[0].room == chair


def test_course_book_is_all_or_nothing(frozen_now, okafor, dana, chair):
    proposal = course_propose(
        plan=plan("iv-ketamine-induction"),
        patient=dana,
        clinician=okafor,
        room=chair,
        first_day=datetime.date(2026, 3, 2),
        preferred_time=datetime.time(9),
    )
    # Someone takes the chair for the 3rd slot between proposal and booking.
    lindqvist = StaffFactory(role="clinician", last_name="Lindqvist")
    working_week(lindqvist)
    book(
        PatientFactory(given_name="Marco", family_name="Silva"),
        proposal[2].start,
        clinician=lindqvist,
        kind="iv-ketamine-infusion",
        room=chair,
    )
    with pytest.raises(BookingError) as caught:
        course_book(
            plan=None,
            patient=dana,
            clinician=okafor,
            room=chair,
            slots=[(s.appointment_type, s.start) for s in proposal],
            booked_by=None,
        )
    assert caught.value.messages == [
        "#3 (Mon 09 Mar 09:00): Infusion chair 1 is already booked 09:00-11:00 on Mon 9 Mar 2026 "
        "(IV ketamine infusion with M. S.)."
    ]
    assert not Appointment.objects.filter(patient=dana).exists()
    assert not Course.objects.exists()


def _weekly_course(patient, clinician, first, count, kind="follow-up"):
    # Build each start from the local date, as the plan does.
    slots = []
    for week in range(count):
        day = first + datetime.timedelta(weeks=week)
        slots.append((appointment_type(kind), local_dt(day.year, day.month, day.day, 10)))
    return course_book(
        plan=None, patient=patient, clinician=clinician, room=None, slots=slots, booked_by=None
    )


def test_editing_one_occurrence_leaves_the_others(frozen_now, okafor, dana):
    course = _weekly_course(dana, okafor, datetime.date(2026, 3, 2), 4)
    second = course.appointments.order_by("start")[1]
    course_edit(appointment=second, scope="one", start=local_dt(2026, 3, 10, 15), edited_by=None)
    starts = [a.start for a in course.appointments.order_by("course_position")]
    assert starts == [
        local_dt(2026, 3, 2, 10),
        local_dt(2026, 3, 10, 15),
        local_dt(2026, 3, 16, 10),
        local_dt(2026, 3, 23, 10),
    ]


def test_editing_this_and_following_shifts_them_together(frozen_now, okafor, dana):
    course = _weekly_course(dana, okafor, datetime.date(2026, 3, 2), 4)
    second = course.appointments.order_by("start")[1]
    course_edit(
        appointment=second, scope="following", start=local_dt(2026, 3, 10, 14), edited_by=None
    )
    starts = [a.start for a in course.appointments.order_by("course_position")]
    assert starts == [
        local_dt(2026, 3, 2, 10),
        local_dt(2026, 3, 10, 14),
        local_dt(2026, 3, 17, 14),
        local_dt(2026, 3, 24, 14),
    ]


def test_shifting_a_daily_course_by_a_day_does_not_trip_over_itself(
    frozen_now, okafor, dana, tms_room
):
    slots = [(appointment_type("tms-session"), local_dt(2026, 3, d, 9)) for d in (2, 3, 4, 5)]
    course = course_book(
        plan=None, patient=dana, clinician=okafor, room=tms_room, slots=slots, booked_by=None
    )
    first = course.appointments.order_by("start")[0]
    course_edit(appointment=first, scope="following", start=local_dt(2026, 3, 3, 9), edited_by=None)
    assert [
        a.start.astimezone(local_dt(2026, 1, 1).tzinfo).day
        for a in course.appointments.order_by("start")
    ] == [3, 4, 5, 6]


def test_a_course_edit_with_a_conflict_changes_nothing(frozen_now, okafor, dana):
    course = _weekly_course(dana, okafor, datetime.date(2026, 3, 2), 3)
    book(
        PatientFactory(given_name="Marco", family_name="Silva"),
        local_dt(2026, 3, 16, 14),
        clinician=okafor,
    )
    first = course.appointments.order_by("start")[0]
    with pytest.raises(BookingError) as caught:
        course_edit(
            appointment=first, scope="following", start=local_dt(2026, 3, 2, 14), edited_by=None
        )
    assert (
        "Dr Okafor already has an appointment 14:00-15:00 on Mon 16 Mar 2026"
        in caught.value.messages[0]
    )
    starts = [a.start for a in course.appointments.order_by("start")]
    assert starts == [local_dt(2026, 3, d, 10) for d in (2, 9, 16)]


def test_cancelling_one_occurrence_or_the_rest(frozen_now, okafor, dana):
    course = _weekly_course(dana, okafor, datetime.date(2026, 3, 2), 4)
    items = list(course.appointments.order_by("start"))
    course_edit(appointment=items[1], scope="one", cancel=True, edited_by=None)
    assert [a.status for a in course.appointments.order_by("start")] == [
        "booked",
        "cancelled",
        "booked",
        "booked",
    ]
    course_edit(appointment=items[2], scope="following", cancel=True, edited_by=None)
    assert [a.status for a in course.appointments.order_by("start")] == [
        "booked",
        "cancelled",
        "cancelled",
        "cancelled",
    ]


def test_weekly_course_keeps_its_local_time_across_the_november_change(okafor, dana):
    with time_machine.travel(local_dt(2026, 10, 1, 8), tick=True):
        proposal_plan = plan("esketamine-induction")
        course = _weekly_course(dana, okafor, datetime.date(2026, 10, 19), 4)
        starts = list(course.appointments.order_by("start"))
        local = [a.start.astimezone(local_dt(2026, 1, 1).tzinfo) for a in starts]
        assert [(t.month, t.day, t.hour, t.minute) for t in local] == [
            (10, 19, 10, 0),
            (10, 26, 10, 0),
            (11, 2, 10, 0),
            (11, 9, 10, 0),
        ]
        # In UTC the hour moves: 14:00 before the change, 15:00 after.
        assert [a.start.astimezone(datetime.UTC).hour for a in starts] == [14, 14, 15, 15]
        # Moving this and the following by a day keeps 10:00 local on both sides.
        course_edit(
            appointment=starts[0],
            scope="following",
            start=local_dt(2026, 10, 20, 10),
            edited_by=None,
        )
        after = [
            a.start.astimezone(local_dt(2026, 1, 1).tzinfo)
            for a in course.appointments.order_by("start")
        ]
        assert {t.hour for t in after} == {10}
        # A proposal from a plan across the change keeps the preferred time too.
        proposal = course_propose(
            plan=proposal_plan,
            patient=PatientFactory(),
            clinician=StaffFactory(role="clinician"),
            room=None,
            first_day=datetime.date(2026, 10, 26),
            preferred_time=datetime.time(9),
        )
        assert all(slot.problem for slot in proposal)  # no working hours: nothing free


def test_a_36_session_proposal_reads_the_calendar_once(
    frozen_now, okafor, dana, tms_room, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):  # 7 + the closure days
        proposal = course_propose(
            plan=plan("tms-course"),
            patient=dana,
            clinician=okafor,
            room=tms_room,
            first_day=datetime.date(2026, 3, 2),
            preferred_time=datetime.time(9),
        )
    assert len(proposal) == 36 and not any(slot.problem for slot in proposal)
    # Weekdays only (Okafor works Monday to Friday), at 09:00.
    assert {slot.start.astimezone(local_dt(2026, 1, 1).tzinfo).weekday() for slot in proposal} <= {
        0,
        1,
        2,
        3,
        4,
    }


@pytest.mark.parametrize("offsets", [[1440, "x"], [0], [120, 120], "1440"])
def test_reminder_offsets_must_be_distinct_positive_minutes(db, offsets):
    from django.core.exceptions import ValidationError

    kind = appointment_type("consult")
    kind.reminder_offsets = offsets
    with pytest.raises(ValidationError):
        kind.full_clean()
