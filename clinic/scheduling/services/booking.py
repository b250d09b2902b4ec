"""Book, move (the one move step), cancel and change the status of an
appointment; its reminders follow it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient, User
from clinic.scheduling.clock import later_by, local
from clinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ChangeRequest,
    Course,
    PatientNotification,
    Reminder,
    Room,
)
from clinic.scheduling.notifications import notification_queue
from clinic.scheduling.services.rules import (
    UNSET,
    BookingError,
    OutsideWorkingHours,
    check_slot,
    lock_resources,
    save_guarded,
    validate_resources,
    working_time_problems,
)
from clinic.scheduling.tasks import reminder_enqueue

# Checks other apps add to booking one appointment: callables taking
# (patient=, appointment_type=, start=) and returning the reasons the booking
# needs an override (prior authorization adds "past the approval").
BOOKING_OVERRIDE_CHECKS: list = []
# Warnings other apps add to the booking page once an appointment is booked:
# callables taking the appointment and returning a message, or "" (treatment
# adds "not enrolled in the SPRAVATO REMS"). Scheduling knows nothing of the
# apps above it (docs/architecture.md); they register here in their ready().
BOOKING_WARNINGS: list = []


def booking_warnings(appointment: Appointment) -> list[str]:
    """What the apps above scheduling have to say about a new appointment."""
    return [warning for check in BOOKING_WARNINGS if (warning := check(appointment))]


def reminders_plan(*, appointment: Appointment) -> list[Reminder]:
    """Create the appointment's reminders still in the future and queue them."""
    now = timezone.now()
    created = []
    for offset in appointment.appointment_type.reminder_offsets or []:
        due = appointment.start - timedelta(minutes=offset)
        if due <= now:
            continue
        created.append(
            Reminder.objects.create(appointment=appointment, offset_minutes=offset, due_at=due)
        )
    for reminder in created:
        transaction.on_commit(lambda r=reminder: reminder_enqueue(reminder=r))
    return created


def reminders_supersede(*, appointment: Appointment) -> int:
    """Retire the appointment's live reminders (sent ones keep their sent_at)."""
    return Reminder.objects.filter(appointment=appointment, superseded_at__isnull=True).update(
        superseded_at=timezone.now()
    )


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    start: datetime,
    booked_by: User | None,
    clinician: User | None = None,
    room: Room | None = None,
    end: datetime | None = None,
    notes: str = "",
    override_reason: str = "",
    course: Course | None = None,
    course_position: int | None = None,
    status: str = AppointmentStatus.BOOKED,
    notify: bool = True,
) -> Appointment:
    """Book one appointment, or raise BookingError with the reasons. The
    patient is emailed (after commit, by the worker) unless `notify` is off
    (a course sends one email for all its sessions)."""
    end = end or later_by(start, appointment_type.default_minutes)
    validate_resources(appointment_type=appointment_type, clinician=clinician, room=room)
    lock_resources(patient=patient, clinician=clinician, room=room)
    check_slot(
        patient=patient,
        clinician=clinician,
        room=room,
        start=start,
        end=end,
        override_reason=override_reason,
    )
    other = [
        problem
        for check in BOOKING_OVERRIDE_CHECKS
        for problem in check(patient=patient, appointment_type=appointment_type, start=start)
    ]
    if other and not override_reason.strip():
        raise OutsideWorkingHours([*other, "To book anyway, give a reason for the override."])
    needs_override = bool(working_time_problems(clinician=clinician, start=start, end=end))
    needs_override = needs_override or bool(other)
    appointment = Appointment(
        patient=patient,
        clinician=clinician,
        room=room,
        appointment_type=appointment_type,
        start=start,
        end=end,
        status=status,
        booked_by=booked_by,
        booked_at=timezone.now(),
        notes=notes,
        override_reason=override_reason.strip() if needs_override else "",
        course=course,
        course_position=course_position,
    )
    save_guarded(appointment)
    reminders_plan(appointment=appointment)
    if notify:
        notification_queue(kind=PatientNotification.Kind.BOOKED, appointments=[appointment])
    return appointment


def move_step(
    appointment: Appointment,
    *,
    start: datetime,
    moved_by: User | None,
    end: datetime | None = None,
    clinician=UNSET,
    room=UNSET,
    override_reason: str = "",
    ignore: Iterable[int] = (),
) -> Appointment:
    """The one move step, for single moves, course moves and approved
    reschedule requests (call it inside a transaction).

    Locks the appointment, then its patient, clinician and room; checks the
    new slot like a booking (`ignore`: appointments that are moving too, so
    they do not clash with their own old slots); records the override reason
    only when the new slot needs one; a confirmed appointment whose time
    changes is booked again (to be confirmed anew); its reminders are
    replaced by reminders for the new time. A new time, clinician or room
    bumps the revision (the calendar's SEQUENCE, which only grows); the
    caller emails the patient.
    """
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not appointment.is_live:
        raise BookingError("A cancelled or missed appointment cannot be moved; book a new one.")
    new_clinician = appointment.clinician if clinician is UNSET else clinician
    new_room = appointment.room if room is UNSET else room
    end = end or later_by(start, appointment.end - appointment.start)
    validate_resources(
        appointment_type=appointment.appointment_type, clinician=new_clinician, room=new_room
    )
    lock_resources(patient=appointment.patient, clinician=new_clinician, room=new_room)
    exclude = {appointment.pk, *ignore}
    check_slot(
        patient=appointment.patient,
        clinician=new_clinician,
        room=new_room,
        start=start,
        end=end,
        override_reason=override_reason,
        exclude=exclude,
    )
    time_changed = (start, end) != (appointment.start, appointment.end)
    if time_changed or new_room != appointment.room or new_clinician != appointment.clinician:
        appointment.revision += 1
    needs_override = bool(working_time_problems(clinician=new_clinician, start=start, end=end))
    appointment.start, appointment.end = start, end
    appointment.clinician, appointment.room = new_clinician, new_room
    appointment.override_reason = override_reason.strip() if needs_override else ""
    if appointment.status == AppointmentStatus.CONFIRMED and time_changed:
        appointment.status = AppointmentStatus.BOOKED
    appointment.status_changed_by = moved_by
    appointment.status_changed_at = timezone.now()
    save_guarded(appointment, exclude=exclude)
    if time_changed:
        reminders_supersede(appointment=appointment)
        reminders_plan(appointment=appointment)
    return appointment


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    start: datetime,
    moved_by: User | None,
    end: datetime | None = None,
    clinician=UNSET,
    room=UNSET,
    override_reason: str = "",
    notify: bool = True,
) -> Appointment:
    """Move an appointment (and optionally change clinician or room).

    Keeps the length unless `end` is given; see `move_step` for the rules. A
    new time or room emails the patient unless `notify` is off.
    """
    before = (appointment.start, appointment.end, appointment.room_id)
    moved = move_step(
        appointment,
        start=start,
        moved_by=moved_by,
        end=end,
        clinician=clinician,
        room=room,
        override_reason=override_reason,
    )
    if notify:
        notify_moved(moved=[moved], before={moved.pk: before})
    return moved


def notify_moved(*, moved: list[Appointment], before: dict[int, tuple]) -> None:
    """One email for the appointments whose time or room changed (the
    patient's concern; a new clinician alone is not emailed)."""
    notification_queue(
        kind=PatientNotification.Kind.MOVED,
        appointments=[m for m in moved if (m.start, m.end, m.room_id) != before[m.pk]],
    )


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, cancelled_by: User | None, reason: str = "", notify: bool = True
) -> Appointment:
    """Cancel: frees the slot; its unsent reminders will not go out; the
    patient is emailed a cancellation unless `notify` is off."""
    return appointment_set_status(
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        changed_by=cancelled_by,
        note=reason,
        notify=notify,
    )


ALLOWED_STATUS_CHANGES = {
    AppointmentStatus.BOOKED: {
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.COMPLETED,
    },
    AppointmentStatus.CONFIRMED: {
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.COMPLETED,
    },
    AppointmentStatus.CHECKED_IN: {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW},
    AppointmentStatus.COMPLETED: set(),
    AppointmentStatus.CANCELLED: set(),
    AppointmentStatus.NO_SHOW: set(),
}


@transaction.atomic
def appointment_set_status(
    *,
    appointment: Appointment,
    status: str,
    changed_by: User | None,
    note: str = "",
    notify: bool = True,
) -> Appointment:
    """Confirm, check in, complete, cancel or mark a no-show. Cancelling
    bumps the revision and emails the patient unless `notify` is off."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if status == appointment.status:
        return appointment
    if status not in ALLOWED_STATUS_CHANGES[AppointmentStatus(appointment.status)]:
        raise BookingError(
            f"A {appointment.get_status_display().lower()} appointment cannot become "
            f"{AppointmentStatus(status).label.lower()}."
        )
    appointment.status = status
    appointment.status_changed_at = timezone.now()
    appointment.status_changed_by = changed_by
    if status == AppointmentStatus.CANCELLED:
        appointment.revision += 1
    if note:
        stamp = f"{local(timezone.now()):%Y-%m-%d %H:%M}"
        appointment.notes = f"{appointment.notes}\n[{stamp}] {note}".strip()
    appointment.save()
    if status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        Reminder.objects.filter(
            appointment=appointment, superseded_at__isnull=True, sent_at__isnull=True
        ).update(superseded_at=timezone.now())
        ChangeRequest.objects.filter(
            appointment=appointment, state=ChangeRequest.State.OPEN
        ).update(
            state=ChangeRequest.State.APPROVED, decided_at=timezone.now(), decided_by=changed_by
        )
    if status == AppointmentStatus.CANCELLED and notify:
        notification_queue(kind=PatientNotification.Kind.CANCELLED, appointments=[appointment])
    return appointment
