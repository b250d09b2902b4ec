"""Named state changes of the schedule: booking, moving, cancelling, treatment courses.

Every change goes through the same rules:

- no clinician, room or patient in two live appointments at once (checked
  here under a lock on the resources, and by exclusion constraints on
  PostgreSQL; a constraint violation is turned into the same message);
- a booking outside the clinician's working hours or in their time off needs
  an override reason, which is recorded on the appointment;
- reminders follow the appointment: planned at booking, superseded when it
  moves (and planned again for the new time) or is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from clinic.accounts.models import Patient, User
from clinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarFeed,
    ChangeRequest,
    CheckIn,
    Course,
    CoursePlan,
    Reminder,
    Room,
    TimeOff,
    WorkingHours,
    initials,
)

UNSET = object()


class BookingError(ValidationError):
    """A booking rule was broken; `messages` say which, in plain words."""


class BookingConflict(BookingError):
    """Someone or something is already booked at that time."""


class OutsideWorkingHours(BookingError):
    """Outside the clinician's hours or in their time off: needs an override."""


def clinic_zone():
    return timezone.get_default_timezone()


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, clinic_zone())


def at_local(day: date, clock: time) -> datetime:
    """The aware moment of a wall-clock time on a day in the clinic's zone."""
    return datetime.combine(day, clock, tzinfo=clinic_zone())


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
    """Why a slot is outside the clinician's working hours or in time off."""
    if clinician is None:
        return []
    problems = []
    a, b = local(start), local(end)
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


def _lock_resources(*, patient: Patient, clinician: User | None, room: Room | None) -> None:
    """Serialise bookings that touch the same clinician, room or patient.

    On PostgreSQL this takes row locks; on SQLite the write transaction is
    already exclusive.
    """
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if clinician is not None:
        User.objects.select_for_update().filter(pk=clinician.pk).first()
    if room is not None:
        Room.objects.select_for_update().filter(pk=room.pk).first()


def _validate_resources(
    *, appointment_type: AppointmentType, clinician: User | None, room: Room | None
) -> None:
    errors = []
    if appointment_type.needs_clinician and clinician is None:
        errors.append(f"A {appointment_type.name.lower()} needs a clinician.")
    if appointment_type.needs_room and room is None:
        errors.append(f"A {appointment_type.name.lower()} needs a room.")
    if errors:
        raise BookingError(errors)


def _check_slot(
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
    conflicts = appointment_conflicts(
        start=start, end=end, patient=patient, clinician=clinician, room=room, exclude=exclude
    )
    if conflicts:
        raise BookingConflict(conflicts)
    problems = working_time_problems(clinician=clinician, start=start, end=end)
    if problems and not override_reason.strip():
        raise OutsideWorkingHours([*problems, "To book anyway, give a reason for the override."])


def _save_guarded(appointment: Appointment, *, exclude: Iterable[int] = ()) -> None:
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


def reminders_plan(*, appointment: Appointment) -> list[Reminder]:
    """Create the appointment's reminders still in the future and queue them."""
    from clinic.scheduling.tasks import reminder_enqueue

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
) -> Appointment:
    """Book one appointment, or raise BookingError with the reasons."""
    end = end or start + timedelta(minutes=appointment_type.default_minutes)
    _validate_resources(appointment_type=appointment_type, clinician=clinician, room=room)
    _lock_resources(patient=patient, clinician=clinician, room=room)
    _check_slot(
        patient=patient,
        clinician=clinician,
        room=room,
        start=start,
        end=end,
        override_reason=override_reason,
    )
    needs_override = bool(working_time_problems(clinician=clinician, start=start, end=end))
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
    _save_guarded(appointment)
    reminders_plan(appointment=appointment)
    return appointment


def _move(
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
    replaced by reminders for the new time.
    """
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not appointment.is_live:
        raise BookingError("A cancelled or missed appointment cannot be moved; book a new one.")
    new_clinician = appointment.clinician if clinician is UNSET else clinician
    new_room = appointment.room if room is UNSET else room
    end = end or start + (appointment.end - appointment.start)
    _validate_resources(
        appointment_type=appointment.appointment_type, clinician=new_clinician, room=new_room
    )
    _lock_resources(patient=appointment.patient, clinician=new_clinician, room=new_room)
    exclude = {appointment.pk, *ignore}
    _check_slot(
        patient=appointment.patient,
        clinician=new_clinician,
        room=new_room,
        start=start,
        end=end,
        override_reason=override_reason,
        exclude=exclude,
    )
    time_changed = (start, end) != (appointment.start, appointment.end)
    needs_override = bool(working_time_problems(clinician=new_clinician, start=start, end=end))
    appointment.start, appointment.end = start, end
    appointment.clinician, appointment.room = new_clinician, new_room
    appointment.override_reason = override_reason.strip() if needs_override else ""
    if appointment.status == AppointmentStatus.CONFIRMED and time_changed:
        appointment.status = AppointmentStatus.BOOKED
    appointment.status_changed_by = moved_by
    appointment.status_changed_at = timezone.now()
    _save_guarded(appointment, exclude=exclude)
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
) -> Appointment:
    """Move an appointment (and optionally change clinician or room).

    Keeps the length unless `end` is given; see `_move` for the rules.
    """
    return _move(
        appointment,
        start=start,
        moved_by=moved_by,
        end=end,
        clinician=clinician,
        room=room,
        override_reason=override_reason,
    )


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, cancelled_by: User | None, reason: str = ""
) -> Appointment:
    """Cancel: frees the slot; its unsent reminders will not go out."""
    return appointment_set_status(
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        changed_by=cancelled_by,
        note=reason,
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
    *, appointment: Appointment, status: str, changed_by: User | None, note: str = ""
) -> Appointment:
    """Confirm, check in, complete, cancel or mark a no-show."""
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
    return appointment


# Course -------------------------------------------------------------------


@dataclass
class ProposedSlot:
    position: int
    appointment_type: AppointmentType
    start: datetime
    end: datetime
    planned_day: date
    shifted_days: int = 0
    problem: str = ""


class _CalendarSnapshot:
    """Busy times of one patient, clinician and room over a window, and the
    clinician's hours: read once, so a proposal of dozens of sessions costs a
    handful of queries whatever the number of candidates tried."""

    def __init__(self, *, patient, clinician, room, start: datetime, end: datetime):
        live = Appointment.objects.live().overlapping(start, end)

        def spans(queryset) -> list[tuple[datetime, datetime]]:
            return list(queryset.values_list("start", "end"))

        self.patient = spans(live.filter(patient=patient)) if patient else []
        self.clinician = spans(live.filter(clinician=clinician)) if clinician else []
        self.room = spans(live.filter(room=room)) if room else []
        self.off = (
            spans(TimeOff.objects.filter(clinician=clinician, start__lt=end, end__gt=start))
            if clinician
            else []
        )
        self.hours: dict[int, list[WorkingHours]] = {}
        if clinician is not None:
            for block in WorkingHours.objects.filter(clinician=clinician):
                self.hours.setdefault(block.weekday, []).append(block)

    @staticmethod
    def _clash(spans, start, end) -> bool:
        return any(a < end and start < b for a, b in spans)

    def free(self, start: datetime, end: datetime, *, clinician: bool, room: bool) -> bool:
        if self._clash(self.patient, start, end):
            return False
        if clinician and (
            self._clash(self.clinician, start, end) or self._clash(self.off, start, end)
        ):
            return False
        return not (room and self._clash(self.room, start, end))

    def candidate_starts(self, *, day: date, preferred: time, length: timedelta) -> list[datetime]:
        """Starts on `day` inside working hours, the preferred time first,
        then the nearest ones in 15-minute steps."""
        wanted = at_local(day, preferred)
        starts = []
        for block in self.hours.get(day.weekday(), []):
            moment = at_local(day, block.start_time)
            last = at_local(day, block.end_time) - length
            while moment <= last:
                starts.append(moment)
                moment += timedelta(minutes=15)
        return sorted(starts, key=lambda s: (abs(s - wanted), s))


def course_propose(
    *,
    plan: CoursePlan,
    patient: Patient,
    clinician: User | None,
    room: Room | None,
    first_day: date,
    preferred_time: time,
    max_shift_days: int = 6,
) -> list[ProposedSlot]:
    """Propose a slot for each step of the plan: on its day at the preferred
    time when free, else the nearest free start that day within working hours,
    else the next days (up to `max_shift_days`); later steps keep their
    spacing from the shifted ones. Nothing is booked."""
    steps = list(plan.steps.select_related("appointment_type").order_by("position"))
    if not steps:
        return []
    horizon = steps[-1].day + max_shift_days * len(steps) + 2
    calendar = _CalendarSnapshot(
        patient=patient,
        clinician=clinician,
        room=room,
        start=at_local(first_day, time(0)),
        end=at_local(first_day + timedelta(days=horizon), time(0)),
    )
    proposals: list[ProposedSlot] = []
    shift = 0
    for step in steps:
        kind = step.appointment_type
        length = timedelta(minutes=kind.default_minutes)
        planned = first_day + timedelta(days=step.day)
        found = None
        for extra in range(max_shift_days + 1):
            day = planned + timedelta(days=shift + extra)
            for start in calendar.candidate_starts(
                day=day, preferred=preferred_time, length=length
            ):
                if calendar.free(
                    start, start + length, clinician=kind.needs_clinician, room=kind.needs_room
                ):
                    found = (start, extra)
                    break
            if found:
                break
        if found is None:
            start = at_local(planned + timedelta(days=shift), preferred_time)
            proposals.append(
                ProposedSlot(
                    step.position,
                    kind,
                    start,
                    start + length,
                    planned,
                    shift,
                    "No free slot within a week of the planned day.",
                )
            )
            continue
        start, extra = found
        shift += extra
        # The proposed session now occupies the patient, clinician and room.
        span = (start, start + length)
        calendar.patient.append(span)
        if kind.needs_clinician:
            calendar.clinician.append(span)
        if kind.needs_room:
            calendar.room.append(span)
        proposals.append(ProposedSlot(step.position, kind, start, start + length, planned, shift))
    return proposals


@transaction.atomic
def course_book(
    *,
    plan: CoursePlan | None,
    patient: Patient,
    clinician: User | None,
    room: Room | None,
    slots: list[tuple[AppointmentType, datetime]],
    booked_by: User | None,
    name: str = "",
    override_reason: str = "",
) -> Course:
    """Book a whole course in one transaction: all or nothing. A conflict in
    any occurrence raises BookingError naming each one."""
    course = Course.objects.create(
        patient=patient,
        plan=plan,
        name=name or (plan.name if plan else gettext("Treatment course")),
        created_by=booked_by,
    )
    errors = []
    for position, (kind, start) in enumerate(slots, start=1):
        try:
            with transaction.atomic():
                appointment_book(
                    patient=patient,
                    appointment_type=kind,
                    start=start,
                    clinician=clinician if kind.needs_clinician else None,
                    room=room if kind.needs_room else None,
                    booked_by=booked_by,
                    override_reason=override_reason,
                    course=course,
                    course_position=position,
                )
        except BookingError as exc:
            errors.extend(f"#{position} ({local(start):%a %d %b %H:%M}): {m}" for m in exc.messages)
    if errors:
        raise BookingError(errors)
    return course


@transaction.atomic
def course_edit(
    *,
    appointment: Appointment,
    scope: str,
    edited_by: User | None,
    start: datetime | None = None,
    clinician=UNSET,
    room=UNSET,
    cancel: bool = False,
    reason: str = "",
    override_reason: str = "",
) -> list[Appointment]:
    """Edit one occurrence (`scope="one"`) or this and the following ones
    (`scope="following"`) of a course, in one transaction: move them (each
    through the same step as a single move) or cancel them with `reason`.

    A new start moves the occurrence; for the following ones the same number
    of days is added and the new wall-clock time kept, so a weekly course keeps
    its local time across a daylight-saving change.
    """
    if scope not in ("one", "following"):
        raise BookingError("Choose 'this one' or 'this and the following'.")
    if scope == "one" or appointment.course_id is None:
        targets = [appointment]
    else:
        targets = list(
            Appointment.objects.live()
            .filter(course_id=appointment.course_id, start__gte=appointment.start)
            .order_by("start")
        )
    if cancel:
        return [
            appointment_cancel(appointment=item, cancelled_by=edited_by, reason=reason)
            for item in targets
        ]
    day_shift = 0
    new_clock = None
    if start is not None:
        day_shift = (local(start).date() - local(appointment.start).date()).days
        new_clock = local(start).time()
    planned = []
    for item in targets:
        old = local(item.start)
        if start is None:
            new_start = item.start
        else:
            new_start = at_local(old.date() + timedelta(days=day_shift), new_clock)
        planned.append((item, new_start))
    # Moving every occurrence at once: ignore the course's own old slots, and
    # move the last one first when moving later (the first one first when
    # moving earlier) so no step overlaps a not-yet-moved occurrence.
    ids = [item.pk for item in targets]
    if start is not None and start > appointment.start:
        planned.reverse()
    errors, moved = [], []
    for item, new_start in planned:
        try:
            with transaction.atomic():
                moved.append(
                    _move(
                        item,
                        start=new_start,
                        clinician=clinician,
                        room=room,
                        moved_by=edited_by,
                        override_reason=override_reason,
                        ignore=ids,
                    )
                )
        except BookingError as exc:
            errors.extend(f"{local(new_start):%a %d %b %H:%M}: {m}" for m in exc.messages)
    if errors:
        raise BookingError(errors)
    return moved


# Patients' requests ---------------------------------------------------------


@transaction.atomic
def change_request_create(
    *, appointment: Appointment, kind: str, message: str = ""
) -> ChangeRequest:
    if not appointment.is_live or appointment.start <= timezone.now():
        raise BookingError(
            gettext("This appointment can no longer be changed online; please call us.")
        )
    if ChangeRequest.objects.filter(appointment=appointment, state="open").exists():
        raise BookingError(
            gettext("You already asked about this appointment; the clinic will reply.")
        )
    return ChangeRequest.objects.create(appointment=appointment, kind=kind, message=message)


@transaction.atomic
def change_request_decide(
    *,
    change_request: ChangeRequest,
    approve: bool,
    decided_by: User | None,
    start: datetime | None = None,
    clinician=UNSET,
    room=UNSET,
    override_reason: str = "",
) -> ChangeRequest:
    """Approve or decline. Approving a cancel request cancels the appointment;
    approving a reschedule request with a new `start` moves it (by the same
    step as any move; a refused move leaves the request open)."""
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if change_request.state != ChangeRequest.State.OPEN:
        raise BookingError("This request was already decided.")
    change_request.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.DECLINED
    change_request.decided_at = timezone.now()
    change_request.decided_by = decided_by
    change_request.save()
    if approve and change_request.kind == ChangeRequest.Kind.CANCEL:
        appointment_cancel(
            appointment=change_request.appointment,
            cancelled_by=decided_by,
            reason="Cancelled at the patient's request",
        )
    if approve and change_request.kind == ChangeRequest.Kind.RESCHEDULE and start is not None:
        _move(
            change_request.appointment,
            start=start,
            moved_by=decided_by,
            clinician=clinician,
            room=room,
            override_reason=override_reason,
        )
    return change_request


def patient_initials(patient: Patient) -> str:
    return initials(patient.given_name, patient.family_name)


# Calendar feeds ---------------------------------------------------------------


@transaction.atomic
def calendar_feed_create(*, clinician: User) -> CalendarFeed:
    """A new secret feed URL; any older one of the clinician is revoked."""
    calendar_feed_revoke(clinician=clinician)
    return CalendarFeed.objects.create(clinician=clinician)


@transaction.atomic
def calendar_feed_revoke(*, clinician: User) -> int:
    return CalendarFeed.objects.filter(clinician=clinician, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# Follow-up check-ins -----------------------------------------------------------


@transaction.atomic
def checkin_submit(
    *, checkin: CheckIn, phq9_answers: list[int], safety_answers: dict[str, bool], link: str
) -> CheckIn:
    """Store the answers. A crisis answer (C-SSRS intent, plan or
    recent behaviour, or PHQ-9 item 9 above 0) raises the same alert as the
    intake."""
    from clinic.safety import crisis_alert_raise, is_crisis_answer

    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if checkin.completed_at is not None:
        raise BookingError(gettext("This check-in was already answered. Thank you."))
    if len(phq9_answers) != 9 or any(a not in (0, 1, 2, 3) for a in phq9_answers):
        raise BookingError("Answer all nine PHQ-9 questions.")
    checkin.phq9_answers = phq9_answers
    checkin.phq9_total = sum(phq9_answers)
    checkin.safety_answers = safety_answers
    checkin.high_risk = is_crisis_answer(suicide_screen=safety_answers, phq9=phq9_answers)
    checkin.completed_at = timezone.now()
    checkin.save()
    if checkin.high_risk:
        crisis_alert_raise(
            patient=checkin.patient, source="check-in", link=link, key=f"checkin-{checkin.pk}"
        )
    return checkin


def checkin_needs_crisis_resources(checkin: CheckIn) -> bool:
    """Any positive safety answer, or PHQ-9 item 9 above 0, shows the crisis
    resources to the patient at once."""
    item9 = checkin.phq9_answers[8] if len(checkin.phq9_answers) == 9 else 0
    return checkin.high_risk or item9 > 0 or any(checkin.safety_answers.values())


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
    _validate_resources(appointment_type=appointment_type, clinician=clinician, room=room)
    _check_slot(
        patient=patient,
        clinician=clinician,
        room=room,
        start=start,
        end=end,
        override_reason=override_reason,
        exclude=exclude,
    )
