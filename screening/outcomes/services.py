"""Named state changes of measurement-based care: plan a course's
measurements by its cadence, answer or record a score, correct one, and
recompute the course's result. Every change to a score recomputes the result
in the same transaction."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.accounts.models import Patient, User
from clinic.safety import crisis_alert_raise, is_crisis_answer
from clinic.scheduling.clock import at_local, local
from clinic.scheduling.models import (
    INACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    CheckIn,
    Course,
)
from clinic.scheduling.services.checkins import checkin_submit
from screening.engine import outcomes as engine
from screening.models import Intake, ScreeningResult
from screening.outcomes.models import (
    CourseResult,
    Measurement,
    MeasurementCadence,
    MeasurementNotice,
)

# Measurements the cadence asks for (the others are recorded by staff or intake).
DUE_KINDS = (
    Measurement.Kind.BASELINE,
    Measurement.Kind.SESSION,
    Measurement.Kind.INTERVAL,
    Measurement.Kind.END,
    Measurement.Kind.FOLLOW_UP,
)
NOTICE_HOUR = time(8)
REMINDER_DAYS = (1, 2)  # reminders on the next 2 days
# How far back the daily planner looks for courses still being measured.
ACTIVE_LOOKBACK_DAYS = 7 * 31 + 14


class MeasurementError(ValueError):
    pass


def cadences() -> dict[int, MeasurementCadence]:
    """Each treatment's cadence by its session appointment type's id."""
    return {c.session_type_id: c for c in MeasurementCadence.objects.all()}


def engine_cadence(cadence: MeasurementCadence) -> engine.Cadence:
    return engine.Cadence(
        before_each_session=cadence.before_each_session,
        every_days=cadence.every_days,
        at_end=cadence.at_end,
        months_after=tuple(cadence.months_after or ()),
    )


class Timeline:
    """A course's sessions, from its appointments of the treatment's type."""

    def __init__(self, course: Course, cadence_by_type: dict[int, MeasurementCadence], now):
        appointments = list(
            Appointment.objects.filter(course=course)
            .order_by("start")
            .only("start", "status", "appointment_type_id", "clinician_id")
        )
        self.cadence = next(
            (
                cadence_by_type[a.appointment_type_id]
                for a in appointments
                if a.appointment_type_id in cadence_by_type
            ),
            None,
        )
        kind = self.cadence.session_type_id if self.cadence else None
        sessions = [a for a in appointments if a.appointment_type_id == kind]
        self.all_sessions = sessions
        self.live = [a for a in sessions if a.status not in INACTIVE_STATUSES]
        self.held = [a for a in sessions if a.status == AppointmentStatus.COMPLETED]
        upcoming = [a for a in self.live if a.status != AppointmentStatus.COMPLETED and a.end > now]
        self.first = self.held[0].start if self.held else None
        self.last = self.held[-1].start if self.held else None
        self.clinician_id = next((a.clinician_id for a in sessions if a.clinician_id), None)
        if not sessions:
            self.status = CourseResult.Status.PLANNED
        elif upcoming:
            self.status = CourseResult.Status.ACTIVE if self.held else CourseResult.Status.PLANNED
        elif not self.held:
            self.status = CourseResult.Status.STOPPED
        elif sessions[-1].status == AppointmentStatus.COMPLETED:
            self.status = CourseResult.Status.COMPLETED
        else:
            self.status = CourseResult.Status.STOPPED  # its last sessions were not held
        self.ended = self.status in (CourseResult.Status.COMPLETED, CourseResult.Status.STOPPED)

    def session_dates(self):
        return [local(a.start).date() for a in self.live]


# -- Planning ---------------------------------------------------------------------


def _notice_times(kind: str, due_on, first_session_on, now) -> list[datetime]:
    """When the check-in goes out, then its reminders on the next 2 days."""
    if kind == Measurement.Kind.BASELINE:
        send_on = first_session_on - timedelta(days=3)
    elif kind == Measurement.Kind.SESSION:
        send_on = due_on - timedelta(days=1)
    else:
        send_on = due_on
    first = max(at_local(send_on, NOTICE_HOUR), now)
    return [first] + [first + timedelta(days=days) for days in REMINDER_DAYS]


@transaction.atomic
def course_measurements_plan(*, course: Course, now: datetime | None = None) -> int:
    """Create the measurements the cadence calls for that do not exist yet,
    each with its notice and reminders queued for the worker; drop unsent
    ones no longer called for (a cancelled session). Returns how many were
    created. Safe to run again."""
    from screening.outcomes.tasks import notice_enqueue

    now = now or timezone.now()
    timeline = Timeline(course, cadences(), now)
    if timeline.cadence is None:
        return 0
    dates = timeline.session_dates()
    ended_on = local(timeline.last).date() if timeline.ended and timeline.last else None
    wanted = engine.measurements_due(
        engine_cadence(timeline.cadence), sessions=dates, ended_on=ended_on
    )
    existing = {
        (m.kind, m.due_on): m for m in Measurement.objects.filter(course=course, kind__in=DUE_KINDS)
    }
    wanted_keys = {(d.kind, d.due_on) for d in wanted}
    stale = [
        m.pk
        for key, m in existing.items()
        if key not in wanted_keys and m.sent_at is None and m.score is None
    ]
    if stale:
        Measurement.objects.filter(pk__in=stale).delete()
    created = 0
    first_on = min(dates) if dates else None
    today = local(now).date()
    for due in wanted:
        if (due.kind, due.due_on) in existing:
            continue
        if due.kind != Measurement.Kind.BASELINE and due.due_on < today - timedelta(days=2):
            continue  # long past: not sent late
        if due.kind == Measurement.Kind.BASELINE and timeline.first and timeline.first <= now:
            continue  # the first session was held: too late for a baseline check-in
        measurement = Measurement.objects.create(
            course=course,
            patient=course.patient,
            kind=due.kind,
            due_on=due.due_on,
            months_after=due.months,
        )
        notices = [
            MeasurementNotice.objects.create(measurement=measurement, number=n, due_at=moment)
            for n, moment in enumerate(_notice_times(due.kind, due.due_on, first_on, now))
        ]
        for notice in notices:
            transaction.on_commit(lambda notice=notice: notice_enqueue(notice=notice))
        created += 1
    course_result_recompute(course=course, now=now)
    return created


def measurements_plan_due(*, now: datetime | None = None) -> int:
    """The daily planner: plan every course with a session in the last seven
    months or the next two weeks (the `plan_measurements` command, run daily)."""
    now = now or timezone.now()
    session_types = list(MeasurementCadence.objects.values_list("session_type_id", flat=True))
    course_ids = (
        Appointment.objects.filter(
            course__isnull=False,
            appointment_type_id__in=session_types,
            start__gte=now - timedelta(days=ACTIVE_LOOKBACK_DAYS),
            start__lte=now + timedelta(days=14),
        )
        .values_list("course_id", flat=True)
        .distinct()
    )
    created = 0
    for course in Course.objects.filter(pk__in=list(course_ids)).select_related("patient"):
        created += course_measurements_plan(course=course, now=now)
    return created


# -- Scores ---------------------------------------------------------------------------


def _is_crisis(item9: int | None) -> bool:
    """A PHQ-9 item 9 above 0: a crisis answer (`clinic.safety.is_crisis_answer`)."""
    return item9 is not None and is_crisis_answer(suicide_screen={}, phq9=[0] * 8 + [item9])


@transaction.atomic
def measurement_answer(
    *, measurement: Measurement, phq9_answers: list[int], safety_answers: dict, link: str
) -> Measurement:
    """The patient's answer to a measurement's check-in: stored on the
    check-in (whose crisis answer raises the on-call alert, as at intake), copied to
    the measurement, and the course's result recomputed."""
    measurement = (
        Measurement.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=measurement.pk)
    )
    if measurement.checkin is None:
        raise MeasurementError(_("This check-in is not open."))
    checkin = checkin_submit(
        checkin=measurement.checkin,
        phq9_answers=phq9_answers,
        safety_answers=safety_answers,
        link=link,
    )
    measurement.score = checkin.phq9_total
    measurement.item9 = checkin.phq9_answers[8]
    measurement.taken_at = checkin.completed_at
    measurement.save(update_fields=["score", "item9", "taken_at"])
    MeasurementNotice.objects.filter(
        measurement=measurement, sent_at__isnull=True, skipped_at__isnull=True
    ).update(skipped_at=timezone.now())
    course_result_recompute(course=measurement.course)
    return measurement


def _check_score(instrument: str, score: int | None, item9: int | None) -> None:
    if instrument not in engine.INSTRUMENTS:
        raise MeasurementError(_("Choose an instrument."))
    label, maximum = engine.INSTRUMENTS[instrument]
    if score is None or not 0 <= score <= maximum:
        raise MeasurementError(
            _("A %(instrument)s score is between 0 and %(maximum)s.")
            % {"instrument": label, "maximum": maximum}
        )
    if instrument == "phq9":
        if item9 is None or not 0 <= item9 <= 3:
            raise MeasurementError(_("Give the answer to PHQ-9 item 9 (0 to 3)."))
        if item9 > score:
            raise MeasurementError(_("Item 9 cannot be more than the PHQ-9 total."))


@transaction.atomic
def measurement_record(
    *,
    course: Course,
    instrument: str,
    score: int,
    item9: int | None,
    taken_at: datetime,
    recorded_by: User | None,
    link: str,
) -> Measurement:
    """A score taken in clinic. A PHQ-9 item 9 above 0 (a crisis answer)
    raises the on-call alert."""
    _check_score(instrument, score, item9)
    if taken_at > timezone.now() + timedelta(minutes=5):
        raise MeasurementError(_("A score cannot be taken in the future."))
    measurement = Measurement.objects.create(
        course=course,
        patient=course.patient,
        kind=Measurement.Kind.CLINIC,
        instrument=instrument,
        score=score,
        item9=item9 if instrument == "phq9" else None,
        taken_at=taken_at,
        recorded_by=recorded_by,
    )
    if instrument == "phq9" and _is_crisis(item9):
        crisis_alert_raise(
            patient=course.patient,
            source="outcome measurement",
            link=link,
            key=f"measurement-{measurement.pk}",
        )
    course_result_recompute(course=course)
    return measurement


@transaction.atomic
def measurement_correct(
    *,
    measurement: Measurement,
    score: int,
    item9: int | None,
    reason: str,
    corrected_by: User | None,
    link: str,
) -> Measurement:
    """Correct a recorded score, with the reason; the result is recomputed."""
    measurement = (
        Measurement.objects.select_for_update(of=("self",))
        .select_related("course__patient")
        .get(pk=measurement.pk)
    )
    if measurement.score is None:
        raise MeasurementError(_("Only an answered measurement can be corrected."))
    if not reason.strip():
        raise MeasurementError(_("Say why the score is corrected."))
    _check_score(measurement.instrument, score, item9)
    was_crisis = _is_crisis(measurement.item9)
    measurement.score = score
    measurement.item9 = item9 if measurement.instrument == "phq9" else None
    measurement.corrected_at = timezone.now()
    measurement.correction_reason = reason.strip()[:300]
    measurement.recorded_by = corrected_by
    measurement.save()
    if measurement.instrument == "phq9" and _is_crisis(item9) and not was_crisis:
        crisis_alert_raise(
            patient=measurement.course.patient,
            source="outcome measurement",
            link=link,
            key=f"measurement-{measurement.pk}",
        )
    course_result_recompute(course=measurement.course)
    return measurement


def measurement_checkin(*, measurement: Measurement) -> CheckIn:
    """The measurement's check-in, made when its first notice goes out."""
    if measurement.checkin_id is None:
        checkin = CheckIn.objects.create(appointment=None, patient=measurement.patient)
        measurement.checkin = checkin
        measurement.sent_at = timezone.now()
        measurement.save(update_fields=["checkin", "sent_at"])
    return measurement.checkin


# -- Results ---------------------------------------------------------------------------


def _trd_band(patient: Patient, before) -> str:
    """The Maudsley staging band of the patient's screening, as the engine
    computed it for the latest intake submitted before the course."""
    result = (
        ScreeningResult.objects.filter(
            intake__patient=patient, is_current=True, intake__submitted_at__lte=before
        )
        .order_by("-intake__submitted_at")
        .values_list("scores", flat=True)
        .first()
    )
    msm = (result or {}).get("msm_total") if isinstance(result, dict) else None
    return engine.trd_band(msm) if isinstance(msm, int) else ""


@transaction.atomic
def course_result_recompute(*, course: Course, now: datetime | None = None) -> CourseResult:
    """Rewrite the course's result from its measurements and sessions."""
    now = now or timezone.now()
    timeline = Timeline(course, cadences(), now)
    measurements = list(Measurement.objects.filter(course=course).order_by("taken_at", "pk"))
    phq9 = [m for m in measurements if m.instrument == "phq9" and m.score is not None]
    scores = [engine.Score(m.taken_at, m.score, m.sent_at, key=m.pk) for m in phq9]
    if timeline.first is not None:
        window = timeline.first - timedelta(days=engine.BASELINE_WINDOW_DAYS)
        intakes = Intake.objects.filter(
            patient=course.patient,
            submitted_at__gte=window,
            submitted_at__lt=timeline.first,
            phq9_total__isnull=False,
        ).values_list("pk", "submitted_at", "phq9_total")
        scores += [engine.Score(at, total, key=("intake", pk)) for pk, at, total in intakes]
    outcome = engine.course_outcome(
        first_session=timeline.first,
        last_session=timeline.last,
        completed=timeline.status == CourseResult.Status.COMPLETED,
        scores=scores,
    )
    # Week and session number of each PHQ-9 in the course, for the charts:
    # the latest score of each week (and before each session) stands for the
    # course there, so a chart point counts each course once.
    end = (timeline.last or timeline.first or now) + timedelta(days=engine.END_WINDOW_AFTER_DAYS)
    baseline_key = outcome.baseline.key if outcome.baseline else None
    held_starts = [a.start for a in timeline.held]
    places: dict = {}
    for m in measurements:  # oldest first: a later score replaces an earlier one
        if m.score is None or m.instrument != "phq9" or not timeline.first:
            continue
        if m.pk == baseline_key:
            places[m.pk] = (0, 0)
        elif (
            outcome.baseline and max(outcome.baseline.taken_at, timeline.first) < m.taken_at <= end
        ):
            days = (m.taken_at - timeline.first).total_seconds() / 86400
            places[m.pk] = (
                max(1, -int(-days // 7)),
                sum(1 for start in held_starts if start < m.taken_at),
            )
    latest_week = {week: pk for pk, (week, _number) in places.items()}
    latest_number = {number: pk for pk, (_week, number) in places.items()}
    treatment = timeline.cadence.treatment if timeline.cadence else ""
    changed = []
    for m in measurements:
        week, number = places.get(m.pk, (None, None))
        week = week if week is not None and latest_week.get(week) == m.pk else None
        number = number if number is not None and latest_number.get(number) == m.pk else None
        if m.pk == baseline_key:
            week = number = 0
        if (m.week, m.session_number, m.treatment) != (week, number, treatment):
            m.week, m.session_number, m.treatment = week, number, treatment
            changed.append(m)
    if changed:
        Measurement.objects.bulk_update(changed, ["week", "session_number", "treatment"])
    today = local(now).date()
    due = [m for m in measurements if m.kind in DUE_KINDS and m.due_on and m.due_on <= today]
    started_on = local(timeline.first).date() if timeline.first else None
    baseline = outcome.baseline
    values = {
        "patient": course.patient,
        "treatment": timeline.cadence.treatment if timeline.cadence else "",
        "clinician_id": timeline.clinician_id,
        "status": timeline.status,
        "started_on": started_on,
        "start_quarter": engine.quarter_start(started_on) if started_on else None,
        "ended_on": local(timeline.last).date() if timeline.ended and timeline.last else None,
        "sessions_held": len(timeline.held),
        "sessions_planned": len(timeline.live),
        "age_band": engine.age_band(course.patient.age_on(started_on)) if started_on else "",
        "baseline_band": engine.baseline_band(baseline.total if baseline else None),
        "trd_band": _trd_band(course.patient, timeline.first) if timeline.first else "",
        "baseline_score": baseline.total if baseline else None,
        "baseline_on": local(baseline.taken_at).date() if baseline else None,
        "final_score": outcome.final.total if outcome.final else None,
        "final_on": local(outcome.final.taken_at).date() if outcome.final else None,
        "change": outcome.change,
        "percent_change": outcome.percent_change,
        "intent_to_treat": outcome.intent_to_treat,
        "completer": outcome.completer,
        "responded": outcome.responded,
        "remitted": outcome.remitted,
        "response_on": outcome.response_on,
        "remission_on": outcome.remission_on,
        "days_to_response": outcome.days_to_response,
        "excluded_reason": outcome.excluded_reason,
        "measurements_due": len(due),
        "measurements_answered": sum(1 for m in due if m.score is not None),
        "crisis_answers": sum(1 for m in measurements if _is_crisis(m.item9)),
        "computed_at": now,
    }
    result, _created = CourseResult.objects.update_or_create(course=course, defaults=values)
    return result
