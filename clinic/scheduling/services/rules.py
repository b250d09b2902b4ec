"""The booking rules every booking and move passes, and their errors."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from clinic.accounts.models import Patient, User
from clinic.scheduling.clock import local
from clinic.scheduling.closures import closed_days
from clinic.scheduling.models import (
    MAX_APPOINTMENT_MINUTES,
    Appointment,
    AppointmentType,
    Room,
    TimeOff,
    WorkingHours,
)

UNSET = object()


class BookingError(ValidationError):
    """A booking rule was broken; `messages` say which, in plain words."""


class BookingConflict(BookingError):
    """Someone or something is already booked at that time."""


class OutsideWorkingHours(BookingError):
    """Outside the clinician's hours or in their time off: needs an override."""


def clinician_label(user: User | None) -> str:
    if user is None:
        return "No clinician"
    if user.last_name:
        return f"Dr {user.last_name}"
    return str(user)


def _span(start: datetime, end: datetime) -> str:
    a, b = local(start), local(end)
    return f"{a:%H:%M}-{b:%H:%M} on {a:%a} {a.day} {a:%b %Y}"


def _conflict_message(resource: str, requested, existing: Appointment) -> str:
    span = _span(existing.start, existing.end)
    who = existing.patient_initials
    kind = existing.appointment_type.name
    if resource == "clinician":
        return (
            f"{clinician_label(existing.clinician)} already has an appointment {span} "
            f"with {who} ({kind})."
        )
    if resource == "room":
        return f"{existing.room} is already booked {span} ({kind} with {who})."
    return (
        f"{who} already has an appointment {span} "
        f"({kind} with {clinician_label(existing.clinician)})."
    )


def appointment_conflicts(
    *,
    start: datetime,
    end: datetime,
    patient: Patient | None,
    clinician: User | None,
    room: Room | None,
    exclude: Iterable[int] = (),
) -> list[str]:
    """Messages naming each live appointment that overlaps, per resource."""
    messages = []
    for resource, value in (("clinician", clinician), ("room", room), ("patient", patient)):
        if value is None:
            continue
        clash = (
            Appointment.objects.live()
            .overlapping(start, end)
            .filter(**{resource: value})
            .exclude(pk__in=list(exclude))
            .select_related("patient", "clinician", "room", "appointment_type")
            .order_by("start")
            .first()
        )
        if clash is not None:
            messages.append(_conflict_message(resource, value, clash))
    return messages


def working_time_problems(*, clinician: User | None, start: datetime, end: datetime) -> list[str]:
    """Why a slot is on a closure day, outside the clinician's working hours
    or in time off."""
    a, b = local(start), local(end)
    problems = [
        f"The clinic is closed on {day:%a} {day.day} {day:%b %Y} ({name})."
        for day, name in sorted(closed_days(a.date(), b.date()).items())
    ]
    if clinician is None:
        return problems
    blocks = WorkingHours.objects.filter(clinician=clinician, weekday=a.weekday())
    inside = a.date() == b.date() and any(
        block.start_time <= a.time() and b.time() <= block.end_time for block in blocks
    )
    if not inside:
        problems.append(
            f"{clinician_label(clinician)} does not work {_span(start, end)} "
            "(outside working hours)."
        )
    off = TimeOff.objects.filter(clinician=clinician, start__lt=end, end__gt=start).first()
    if off is not None:
        reason = f" ({off.reason})" if off.reason else ""
        problems.append(
            f"{clinician_label(clinician)} is on time off {local(off.start):%d %b %H:%M} - "
            f"{local(off.end):%d %b %H:%M}{reason}."
        )
    return problems


def lock_resources(*, patient: Patient, clinician: User | None, room: Room | None) -> None:
    """Serialise bookings that touch the same clinician, room or patient.

    On PostgreSQL this takes row locks; on SQLite the write transaction is
    already exclusive.
    """
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if clinician is not None:
        User.objects.select_for_update().filter(pk=clinician.pk).first()
    if room is not None:
        Room.objects.select_for_update().filter(pk=room.pk).first()


def validate_resources(
    *, appointment_type: AppointmentType, clinician: User | None, room: Room | None
) -> None:
    errors = []
    if appointment_type.needs_clinician and clinician is None:
        errors.append(f"A {appointment_type.name.lower()} needs a clinician.")
    if appointment_type.needs_room and room is None:
        errors.append(f"A {appointment_type.name.lower()} needs a room.")
    if errors:
        raise BookingError(errors)


def check_slot(
    *,
    patient: Patient,
    clinician: User | None,
    room: Room | None,
    start: datetime,
    end: datetime,
    override_reason: str,
    exclude: Iterable[int] = (),
) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise BookingError("Start and end need a time zone.")
    if end <= start:
        raise BookingError("The end must be after the start.")
    if end - start > timedelta(minutes=MAX_APPOINTMENT_MINUTES):
        raise BookingError(gettext("An appointment is at most 12 hours long."))
    conflicts = appointment_conflicts(
        start=start, end=end, patient=patient, clinician=clinician, room=room, exclude=exclude
    )
    if conflicts:
        raise BookingConflict(conflicts)
    problems = working_time_problems(clinician=clinician, start=start, end=end)
    if problems and not override_reason.strip():
        raise OutsideWorkingHours([*problems, "To book anyway, give a reason for the override."])


def save_guarded(appointment: Appointment, *, exclude: Iterable[int] = ()) -> None:
    """Save, turning PostgreSQL's exclusion-constraint violation (a booking
    that raced this one) into the conflict message."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        raise booking_conflict_from(exc, appointment=appointment, exclude=exclude) from None


def booking_conflict_from(
    exc: IntegrityError, *, appointment: Appointment, exclude: Iterable[int] = ()
) -> BookingConflict:
    """The conflict message for PostgreSQL's exclusion-constraint violation
    on saving `appointment` (any other integrity error is raised again).
    Call it after the failed statement's savepoint was rolled back."""
    if "appointment_no_overlap" not in str(exc):
        raise exc
    conflicts = appointment_conflicts(
        start=appointment.start,
        end=appointment.end,
        patient=appointment.patient,
        clinician=appointment.clinician,
        room=appointment.room,
        exclude=[*exclude, *([appointment.pk] if appointment.pk else [])],
    )
    return BookingConflict(conflicts or ["Someone else booked that time a moment ago."])


def appointment_check(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    start: datetime,
    end: datetime,
    clinician: User | None,
    room: Room | None,
    override_reason: str = "",
    exclude: Iterable[int] = (),
) -> None:
    """The booking rules without booking: for forms (the admin's) that show
    the same messages before saving through the services."""
    validate_resources(appointment_type=appointment_type, clinician=clinician, room=room)
    check_slot(
        patient=patient,
        clinician=clinician,
        room=room,
        start=start,
        end=end,
        override_reason=override_reason,
        exclude=exclude,
    )
