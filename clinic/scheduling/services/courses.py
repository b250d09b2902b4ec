"""Treatment courses: propose the sessions of a course plan on free slots,
book them all or none, edit one session or this and the following ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils.translation import gettext

from clinic.accounts.models import Patient, User
from clinic.scheduling.clock import at_local, later_by, local
from clinic.scheduling.closures import closed_days
from clinic.scheduling.models import (
    Appointment,
    AppointmentType,
    Course,
    CoursePlan,
    PatientNotification,
    Room,
    TimeOff,
    WorkingHours,
)
from clinic.scheduling.notifications import notification_queue
from clinic.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    move_step,
    notify_moved,
)
from clinic.scheduling.services.rules import UNSET, BookingError


@dataclass
class ProposedSlot:
    position: int
    appointment_type: AppointmentType
    start: datetime
    end: datetime
    planned_day: date
    shifted_days: int = 0
    problem: str = ""
    closed: list[str] = field(default_factory=list)  # closure days skipped, "Fri 25 Dec (...)"


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
        self.closed = closed_days(local(start).date(), local(end).date())
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
        if day in self.closed:
            return []
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
        skipped = []
        for extra in range(max_shift_days + 1):
            day = planned + timedelta(days=shift + extra)
            if day in calendar.closed:
                skipped.append(f"{day:%a} {day.day} {day:%b} ({calendar.closed[day]})")
            for start in calendar.candidate_starts(
                day=day, preferred=preferred_time, length=length
            ):
                if calendar.free(
                    start,
                    later_by(start, length),
                    clinician=kind.needs_clinician,
                    room=kind.needs_room,
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
                    later_by(start, length),
                    planned,
                    shift,
                    "No free slot within a week of the planned day.",
                )
            )
            continue
        start, extra = found
        shift += extra
        # The proposed session now occupies the patient, clinician and room.
        span = (start, later_by(start, length))
        calendar.patient.append(span)
        if kind.needs_clinician:
            calendar.clinician.append(span)
        if kind.needs_room:
            calendar.room.append(span)
        proposals.append(
            ProposedSlot(
                step.position, kind, start, later_by(start, length), planned, shift, closed=skipped
            )
        )
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
                    notify=False,
                )
        except BookingError as exc:
            errors.extend(f"#{position} ({local(start):%a %d %b %H:%M}): {m}" for m in exc.messages)
    if errors:
        raise BookingError(errors)
    notification_queue(
        kind=PatientNotification.Kind.BOOKED,
        appointments=list(course.appointments.order_by("start")),
    )
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
        cancelled = [
            appointment_cancel(
                appointment=item, cancelled_by=edited_by, reason=reason, notify=False
            )
            for item in targets
        ]
        notification_queue(kind=PatientNotification.Kind.CANCELLED, appointments=cancelled)
        return cancelled
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
                    move_step(
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
    notify_moved(moved=moved, before={t.pk: (t.start, t.end, t.room_id) for t in targets})
    return moved
