"""One way to move an appointment: a single move, a course move ("this and
the following") and an approved reschedule request all go through the same
step, so they lock, check, reset and record alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.scheduling.models import Appointment, ChangeRequest
from clinic.scheduling.services.booking import appointment_move, appointment_set_status
from clinic.scheduling.services.change_requests import change_request_create, change_request_decide
from clinic.scheduling.services.courses import course_book, course_edit
from clinic.scheduling.services.rules import BookingError
from tests.factories.scheduling import appointment_type, local_dt

pytestmark = pytest.mark.django_db


def weekly(patient, clinician, count=3, hour=10, override_reason=""):
    slots = [
        (appointment_type("follow-up"), local_dt(2026, 3, 2 + 7 * week, hour))
        for week in range(count)
    ]
    course = course_book(
        plan=None,
        patient=patient,
        clinician=clinician,
        room=None,
        slots=slots,
        booked_by=None,
        override_reason=override_reason,
    )
    return list(course.appointments.order_by("start"))


def test_moving_confirmed_course_sessions_makes_them_booked_again(frozen_now, okafor, dana):
    items = weekly(dana, okafor)
    for item in items:
        appointment_set_status(appointment=item, status="confirmed", changed_by=None)
    course_edit(
        appointment=items[1], scope="following", start=local_dt(2026, 3, 9, 14), edited_by=None
    )
    statuses = [a.status for a in Appointment.objects.order_by("start")]
    # The first one did not move; the moved ones need confirming again, as a single move does.
    assert statuses == ["confirmed", "booked", "booked"]


def test_a_course_move_drops_an_override_it_no_longer_needs(frozen_now, okafor, dana):
    items = weekly(dana, okafor, hour=19, override_reason="Evening clinic")
    assert {a.override_reason for a in Appointment.objects.all()} == {"Evening clinic"}
    course_edit(
        appointment=items[0], scope="following", start=local_dt(2026, 3, 2, 10), edited_by=None
    )
    # Inside working hours now: no override recorded, as for a single move.
    assert {a.override_reason for a in Appointment.objects.all()} == {""}


def test_a_course_move_out_of_hours_needs_and_records_the_reason(frozen_now, okafor, dana):
    items = weekly(dana, okafor)
    with pytest.raises(BookingError):
        course_edit(
            appointment=items[0], scope="following", start=local_dt(2026, 3, 2, 20), edited_by=None
        )
    course_edit(
        appointment=items[0],
        scope="following",
        start=local_dt(2026, 3, 2, 20),
        edited_by=None,
        override_reason="  Evening clinic ",
    )
    assert {a.override_reason for a in Appointment.objects.all()} == {"Evening clinic"}


def test_cancelling_this_and_following_keeps_the_reason_typed(frozen_now, okafor, dana):
    items = weekly(dana, okafor)
    course_edit(
        appointment=items[1],
        scope="following",
        cancel=True,
        reason="Moving to another city",
        edited_by=None,
    )
    cancelled = list(Appointment.objects.filter(status="cancelled").order_by("start"))
    assert [a.pk for a in cancelled] == [items[1].pk, items[2].pk]
    for appointment in cancelled:
        assert appointment.notes.endswith("Moving to another city")
        assert "edited" not in appointment.notes


def test_the_cancel_page_keeps_the_reason_for_the_rest_of_the_course(
    client, scheduler, frozen_now, okafor, dana
):
    items = weekly(dana, okafor)
    client.force_login(scheduler)
    response = client.post(
        f"/schedule/appointment/{items[1].pk}/cancel/",
        {"cancel-reason": "Moving to another city", "cancel-scope": "following"},
    )
    assert response.status_code == 302
    notes = list(Appointment.objects.order_by("start").values_list("status", "notes"))
    assert notes[0] == ("booked", "")
    assert [status for status, _notes in notes[1:]] == ["cancelled", "cancelled"]
    assert all(text.endswith("Moving to another city") for _status, text in notes[1:])


def test_an_approved_reschedule_request_moves_through_the_same_step(frozen_now, okafor, dana):
    items = weekly(dana, okafor, count=1)
    appointment = appointment_set_status(appointment=items[0], status="confirmed", changed_by=None)
    request = change_request_create(appointment=appointment, kind="reschedule", message="Later?")
    change_request_decide(
        change_request=request, approve=True, decided_by=None, start=local_dt(2026, 3, 3, 15)
    )
    appointment.refresh_from_db()
    request.refresh_from_db()
    assert request.state == ChangeRequest.State.APPROVED
    assert appointment.start == local_dt(2026, 3, 3, 15)
    assert appointment.end - appointment.start == items[0].end - items[0].start
    assert appointment.status == "booked"
    live = appointment.reminders.filter(superseded_at__isnull=True)
    assert sorted(r.due_at for r in live) == [local_dt(2026, 3, 2, 15), local_dt(2026, 3, 3, 13)]


def test_an_approved_reschedule_into_a_conflict_changes_nothing(frozen_now, okafor, dana):
    first, second = weekly(dana, okafor, count=2)
    request = change_request_create(appointment=first, kind="reschedule")
    with pytest.raises(BookingError):
        change_request_decide(
            change_request=request, approve=True, decided_by=None, start=second.start
        )
    request.refresh_from_db()
    first.refresh_from_db()
    assert request.state == ChangeRequest.State.OPEN
    assert first.start == local_dt(2026, 3, 2, 10)


@pytest.mark.postgres
@pytest.mark.parametrize("scope", ["one", "following"])
def test_every_move_locks_patient_clinician_and_room(frozen_now, okafor, dana, tms_room, scope):
    slots = [(appointment_type("tms-session"), local_dt(2026, 3, d, 9)) for d in (2, 3)]
    course = course_book(
        plan=None, patient=dana, clinician=okafor, room=tms_room, slots=slots, booked_by=None
    )
    first = course.appointments.order_by("start")[0]
    with CaptureQueriesContext(connection) as queries:
        if scope == "one":
            appointment_move(appointment=first, start=local_dt(2026, 3, 2, 11), moved_by=None)
        else:
            course_edit(
                appointment=first, scope=scope, start=local_dt(2026, 3, 2, 11), edited_by=None
            )
    locked = " ".join(q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"])
    for table in ("accounts_patient", "accounts_user", "scheduling_room"):
        assert f'FROM "{table}"' in locked, table


def test_an_appointment_across_the_autumn_change_lasts_its_length(okafor, dana):
    """01:30 on 1 November 2026 (the first, summer-time one) plus a 60-minute
    type ends at 01:30 winter time: elapsed time, not the wall clock."""
    import datetime

    from clinic.scheduling.services.booking import appointment_book

    kind = appointment_type("consult")
    start = datetime.datetime(2026, 11, 1, 1, 30, tzinfo=timezone.get_default_timezone())
    booked = appointment_book(
        patient=dana,
        appointment_type=kind,
        start=start,
        clinician=okafor,
        booked_by=None,
        override_reason="Overnight, by arrangement",
    )
    booked.refresh_from_db()
    assert booked.end - booked.start == datetime.timedelta(minutes=kind.default_minutes)
