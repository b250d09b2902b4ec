"""Reads of the schedule: the grid, free slots, the patient's appointments,
patients needing attention, PHQ-9 check-ins."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext

from clinic.accounts.models import Patient, User
from clinic.accounts.roles import CLINICIAN
from clinic.scheduling.clock import at_local, later_by, local
from clinic.scheduling.closures import closed_days
from clinic.scheduling.models import (
    INACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ChangeRequest,
    CheckIn,
    Course,
    Reminder,
    Room,
    TimeOff,
    WorkingHours,
)

PATIENT_SEARCH_LIMIT = 20


def _birth_date(text: str) -> date | None:
    """A date of birth typed as 1982-03-14 or 03/14/1982, else None."""
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def patients_search(*, query: str, limit: int = PATIENT_SEARCH_LIMIT) -> tuple[list[Patient], bool]:
    """Patients matching what a scheduler typed: a date of birth, an email
    (or part of one), or words each found in the given name, family name or
    email. Returns at most `limit` of them, by name, and whether there were
    more. One query.

    The name and email lookups are `icontains` (a scan of the patient
    table); a clinic with tens of thousands of patients would want trigram
    indexes on PostgreSQL.
    """
    words = [w for w in re.split(r"[\s,;]+", query.replace("\x00", " "))[:5] if w][:4]
    if not words:
        return [], False
    born = _birth_date(words[0]) if len(words) == 1 else None
    if born is not None:
        match = Q(date_of_birth=born)
    else:
        match = Q()
        for word in words:
            word = word[:100]
            match &= (
                Q(family_name__icontains=word)
                | Q(given_name__icontains=word)
                | Q(email__icontains=word)
            )
    found = list(
        Patient.objects.filter(match).order_by("family_name", "given_name", "pk")[: limit + 1]
    )
    return found[:limit], len(found) > limit


GRID_START = time(7, 0)
GRID_END = time(19, 0)
GRID_STEP = timedelta(minutes=30)


def phq9_checkins(patient: Patient) -> list[tuple[date, int]]:
    """The patient's completed follow-up check-ins: (local date, PHQ-9 total),
    oldest first. The review page's PHQ-9 trend chart reads this."""
    rows = (
        CheckIn.objects.filter(patient=patient, completed_at__isnull=False)
        .order_by("completed_at")
        .values_list("completed_at", "phq9_total")
    )
    return [(local(done).date(), total) for done, total in rows if total is not None]


def clinicians() -> list[User]:
    return list(
        User.objects.filter(groups__name=CLINICIAN, is_active=True)
        .order_by("last_name", "first_name")
        .distinct()
    )


def rooms() -> list[Room]:
    return list(Room.objects.filter(is_active=True).order_by("name"))


@dataclass
class Column:
    resource: object
    day: date
    label: str


@dataclass
class Cell:
    start: datetime
    appointments: list[Appointment] = field(default_factory=list)
    busy: bool = False
    bookable: bool = False
    book_query: str = ""
    # The book link and its label, made here once per cell (a {% url %} and
    # two date filters per cell were most of the time of a 40-column day).
    book_url: str = ""
    book_label: str = ""


def schedule_grid(
    *, days: list[date], by: str, resources: list
) -> tuple[list[Column], list[tuple[str, list[Cell]]]]:
    """Columns (resource x day) and rows of half-hour cells from 07:00 to
    19:00: the live appointments starting in each cell, whether it is covered
    by one, and whether it can be booked (inside the clinician's hours)."""

    def label(resource, day) -> str:
        if len(days) == 1:
            return f"{resource}"
        if len(resources) == 1:
            return f"{day:%a %d %b}"
        return f"{resource} {day:%a %d %b}"

    columns = [Column(r, d, label(r, d)) for r in resources for d in days]
    first, last = at_local(days[0], time(0)), at_local(days[-1] + timedelta(days=1), time(0))
    appointments = (
        Appointment.objects.live()
        .overlapping(first, last)
        .filter(**{f"{by}__in": resources})
        .select_related("patient", "clinician", "room", "appointment_type")
        .order_by("start")
    )
    by_key = defaultdict(list)
    for appointment in appointments:
        by_key[(getattr(appointment, f"{by}_id"), local(appointment.start).date())].append(
            appointment
        )
    hours = defaultdict(list)
    off = defaultdict(list)
    if by == "clinician":
        for block in WorkingHours.objects.filter(clinician__in=resources):
            hours[(block.clinician_id, block.weekday)].append(block)
        for leave in TimeOff.objects.filter(clinician__in=resources, start__lt=last, end__gt=first):
            off[leave.clinician_id].append(leave)
    rows = []
    book_path = reverse("scheduling:book")
    day_labels = {column.day: date_format(column.day, "D j M") for column in columns}
    moment = GRID_START
    while moment < GRID_END:
        cells = []
        at = time_format(moment, "H:i")
        for column in columns:
            start = at_local(column.day, moment)
            end = start + GRID_STEP
            todays = by_key[(column.resource.pk, column.day)]
            cell = Cell(start=start)
            cell.appointments = [a for a in todays if start <= a.start < end]
            cell.busy = any(a.start < end and start < a.end for a in todays)
            if by == "clinician":
                inside = any(
                    b.start_time <= moment and (start + GRID_STEP).time() <= b.end_time
                    for b in hours[(column.resource.pk, column.day.weekday())]
                ) and not any(o.start < end and start < o.end for o in off[column.resource.pk])
            else:
                inside = True
            cell.bookable = inside and not cell.busy
            cell.book_query = f"{by}={column.resource.pk}&start={local(start):%Y-%m-%dT%H:%M}"
            if cell.bookable:
                cell.book_url = f"{book_path}?{cell.book_query}"
                cell.book_label = gettext("Book %(d)s %(t)s") % {
                    "d": day_labels[column.day],
                    "t": at,
                }
            cells.append(cell)
        rows.append((f"{moment:%H:%M}", cells))
        moment = (datetime.combine(date.min, moment) + GRID_STEP).time()
    return columns, rows


def slots_next_free(
    *,
    appointment_type: AppointmentType,
    clinician: User | None,
    room: Room | None,
    after: datetime,
    patient: Patient | None = None,
    count: int = 5,
    horizon_days: int = 42,
    step_minutes: int = 15,
) -> list[datetime]:
    """The next `count` starts where the type fits: inside the clinician's
    working hours, outside time off and closure days, and free for clinician,
    room and patient."""
    if clinician is None:
        return []
    length = timedelta(minutes=appointment_type.default_minutes)
    until = after + timedelta(days=horizon_days)
    resource_q = Q(clinician=clinician)
    if room is not None:
        resource_q |= Q(room=room)
    if patient is not None:
        resource_q |= Q(patient=patient)
    busy = list(
        Appointment.objects.live()
        .overlapping(after, until)
        .filter(resource_q)
        .values_list("start", "end")
    )
    busy += list(
        TimeOff.objects.filter(clinician=clinician, start__lt=until, end__gt=after).values_list(
            "start", "end"
        )
    )
    blocks = defaultdict(list)
    for block in WorkingHours.objects.filter(clinician=clinician).order_by("start_time"):
        blocks[block.weekday].append(block)
    closed = closed_days(local(after).date(), local(until).date())
    # Sort and merge the busy spans once; candidates only move forward, so
    # one pointer sweeps the spans (not every candidate against every span).
    merged: list[list[datetime]] = []
    for a, b in sorted(busy):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    found: list[datetime] = []
    at = 0
    day = local(after).date()
    while len(found) < count and day <= local(until).date():
        for block in [] if day in closed else blocks[day.weekday()]:
            start = at_local(day, block.start_time)
            stop = at_local(day, block.end_time)
            while later_by(start, length) <= stop and len(found) < count:
                end = later_by(start, length)
                if at and merged[at - 1][1] > start:
                    at = 0  # overlapping working-hour blocks: sweep again
                while at < len(merged) and merged[at][1] <= start:
                    at += 1
                free = at == len(merged) or merged[at][0] >= end
                if start >= after and free:
                    found.append(start)
                start += timedelta(minutes=step_minutes)
        day += timedelta(days=1)
    return found


def patient_appointments(patient: Patient) -> tuple[list[Appointment], list[Appointment]]:
    """(upcoming, past) for the patient's page, with sent reminders and open
    requests attached."""
    now = timezone.now()
    items = list(
        Appointment.objects.filter(patient=patient)
        .select_related("appointment_type", "clinician", "room", "checkin", "course")
        .prefetch_related(
            Prefetch(
                "reminders",
                queryset=Reminder.objects.filter(sent_at__isnull=False).order_by("sent_at"),
                to_attr="sent_reminders",
            ),
            "change_requests",
        )
        .order_by("start")
    )
    upcoming = [a for a in items if a.end >= now]
    past = [a for a in items if a.end < now][::-1]
    return upcoming, past


@dataclass
class CourseGroup:
    """The upcoming sessions of one course on the patient's page."""

    course: Course
    appointments: list[Appointment]  # upcoming ones, soonest first
    total: int  # sessions of the course still on (not cancelled or missed)
    done: int  # of those, already past

    @property
    def next(self) -> Appointment:
        return self.appointments[0]

    @property
    def later(self) -> list[Appointment]:
        return self.appointments[1:]


@dataclass
class PatientPage:
    upcoming: list  # Appointment or CourseGroup, by the next start
    past: list[Appointment]  # newest first
    upcoming_count: int
    sent: list  # PatientNotification, sent, newest first


def patient_appointments_page(patient: Patient) -> PatientPage:
    """The patient's page: upcoming appointments first, each course as one
    group with every session numbered ("session 5 of 36"), past ones apart,
    and the emails sent. A fixed number of queries however many appointments."""
    from clinic.scheduling.models import PatientNotification

    upcoming, past = patient_appointments(patient)
    by_course: dict[int, list[Appointment]] = defaultdict(list)
    for item in sorted([*upcoming, *past], key=lambda a: a.start):
        if item.course_id and item.is_live:
            by_course[item.course_id].append(item)
    for sessions in by_course.values():
        for number, item in enumerate(sessions, start=1):
            item.session_number, item.session_total = number, len(sessions)
    groups: dict[int, CourseGroup] = {}
    shown: list = []
    for item in upcoming:
        if item.course_id and item.is_live:
            group = groups.get(item.course_id)
            if group is None:
                sessions = by_course[item.course_id]
                group = groups[item.course_id] = CourseGroup(
                    course=item.course,
                    appointments=[],
                    total=len(sessions),
                    done=sum(1 for a in sessions if a.end < timezone.now()),
                )
                shown.append(group)
            group.appointments.append(item)
        else:
            shown.append(item)
    sent = list(
        PatientNotification.objects.filter(patient=patient, sent_at__isnull=False).order_by(
            "-sent_at"
        )[:20]
    )
    return PatientPage(upcoming=shown, past=past, upcoming_count=len(upcoming), sent=sent)


TO_CLOSE_LIMIT = 200


def appointments_to_close(*, limit: int = TO_CLOSE_LIMIT) -> tuple[list[Appointment], int]:
    """Appointments that are over but still booked, confirmed or checked in:
    each is to be closed as completed or a no-show. Oldest first; (at most
    `limit` of them, how many in all). Two queries."""
    pending = Appointment.objects.filter(
        end__lt=timezone.now(),
        status__in=[
            AppointmentStatus.BOOKED,
            AppointmentStatus.CONFIRMED,
            AppointmentStatus.CHECKED_IN,
        ],
    )
    rows = list(
        pending.select_related("patient", "appointment_type", "clinician").order_by("start")[:limit]
    )
    total = len(rows) if len(rows) < limit else pending.count()
    return rows, total


@dataclass
class Attention:
    patient: Patient
    reason: str
    since: datetime
    url: str


def patients_needing_attention(*, days: int | None = None) -> list[Attention]:
    """Consults done with nothing booked after `days` days, courses with a
    cancelled or missed session or a longer gap than planned, and no-shows
    with nothing booked since. Oldest first."""
    days = days if days is not None else settings.CLINIC_ATTENTION_DAYS
    now = timezone.now()
    results: list[Attention] = []
    recent = now - timedelta(days=90)

    latest_start = defaultdict(lambda: None)
    for patient_id, start in (
        Appointment.objects.exclude(status__in=INACTIVE_STATUSES)
        .filter(start__gte=recent)
        .values_list("patient_id", "start")
    ):
        if latest_start[patient_id] is None or start > latest_start[patient_id]:
            latest_start[patient_id] = start

    consults = (
        Appointment.objects.filter(
            appointment_type__slug="consult",
            status=AppointmentStatus.COMPLETED,
            end__lte=now - timedelta(days=days),
            end__gte=recent,
        )
        .select_related("patient")
        .order_by("start")
    )
    for consult in consults:
        if latest_start[consult.patient_id] and latest_start[consult.patient_id] > consult.start:
            continue
        results.append(
            Attention(
                consult.patient,
                f"Consult on {local(consult.start):%d %b} done; nothing booked since.",
                consult.end,
                consult.get_absolute_url(),
            )
        )

    no_shows = (
        Appointment.objects.filter(status=AppointmentStatus.NO_SHOW, start__gte=recent)
        .select_related("patient", "appointment_type")
        .order_by("start")
    )
    for missed in no_shows:
        if latest_start[missed.patient_id] and latest_start[missed.patient_id] > missed.start:
            continue
        results.append(
            Attention(
                missed.patient,
                f"No-show: {missed.appointment_type.name} on {local(missed.start):%d %b}; "
                "nothing booked since.",
                missed.start,
                missed.get_absolute_url(),
            )
        )

    courses = (
        Course.objects.filter(appointments__start__gte=recent)
        .distinct()
        .select_related("patient", "plan")
        .prefetch_related(
            Prefetch("appointments", queryset=Appointment.objects.order_by("start")),
            "plan__steps",
        )
    )
    for course in courses:
        reason = _course_gap(course)
        if reason:
            first = course.appointments.all()[0]
            results.append(
                Attention(
                    course.patient,
                    f"{course.name}: {reason}",
                    first.start,
                    first.get_absolute_url(),
                )
            )
    results.sort(key=lambda item: item.since)
    return results


def _course_gap(course: Course) -> str:
    items = list(course.appointments.all())
    missed = [a for a in items if a.status in INACTIVE_STATUSES]
    if missed:
        first = missed[0]
        return f"{len(missed)} session(s) cancelled or missed, first on {local(first.start):%d %b}."
    live = [a for a in items if a.status not in INACTIVE_STATUSES]
    planned = {s.position: s.day for s in course.plan.steps.all()} if course.plan else {}
    for previous, current in zip(live, live[1:], strict=False):
        gap = (local(current.start).date() - local(previous.start).date()).days
        expected = None
        if previous.course_position in planned and current.course_position in planned:
            expected = planned[current.course_position] - planned[previous.course_position]
        if expected is not None and gap > expected + 7:
            return f"a gap of {gap} days after {local(previous.start):%d %b} ({expected} planned)."
    return ""


def open_change_requests():
    return (
        ChangeRequest.objects.filter(state=ChangeRequest.State.OPEN)
        .select_related("appointment__patient", "appointment__appointment_type")
        .order_by("created_at")
    )
