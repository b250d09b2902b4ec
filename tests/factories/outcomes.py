"""Factories for outcomes: the seeded cadences, a course of held sessions,
scores of a course."""

from __future__ import annotations

import datetime
import importlib
import itertools

from django.utils import timezone

from clinic.scheduling.models import Appointment, AppointmentStatus, Course
from screening.outcomes.models import Measurement, MeasurementCadence
from screening.outcomes.services import course_result_recompute
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import local_dt, seed_types_and_plans


def seed_cadences() -> None:
    """Run the data migrations' seeding again (idempotent): transactional
    tests flush the database, and with it the seeded types and cadences."""
    from django.apps import apps

    seed_types_and_plans()
    migration = importlib.import_module("screening.outcomes.migrations.0002_seed_cadences")
    migration.seed(apps, None)


def cadence(treatment: str) -> MeasurementCadence:
    found = MeasurementCadence.objects.filter(treatment=treatment).first()
    if found is None:
        seed_cadences()
        found = MeasurementCadence.objects.get(treatment=treatment)
    return found


# Each course gets its own 2-hour block of the day, so a clinician's or a
# patient's courses never overlap (PostgreSQL's exclusion constraints).
_BLOCKS = itertools.count()


def make_course(
    *,
    treatment: str = "tms",
    patient=None,
    clinician=None,
    first: datetime.date = datetime.date(2026, 1, 5),
    sessions: int = 10,
    every_days: int = 2,
    held: int | None = None,
    hour: int | None = None,
) -> Course:
    """A course of `sessions` sessions from `first`, the first `held` of them
    completed and the rest cancelled (all held by default)."""
    kind = cadence(treatment).session_type
    patient = patient or PatientFactory()
    course = Course.objects.create(patient=patient, name=f"{kind.name} course")
    held = sessions if held is None else held
    hour = 2 * (next(_BLOCKS) % 12) if hour is None else hour
    rows = []
    for index in range(sessions):
        day = first + datetime.timedelta(days=index * every_days)
        start = local_dt(day.year, day.month, day.day, hour)
        rows.append(
            Appointment(
                patient=patient,
                clinician=clinician,
                appointment_type=kind,
                start=start,
                # In UTC: wall-clock arithmetic across the spring change
                # (02:00 on a DST day) would give an end equal to the start.
                end=start.astimezone(datetime.UTC)
                + datetime.timedelta(minutes=kind.default_minutes),
                status=AppointmentStatus.COMPLETED if index < held else AppointmentStatus.CANCELLED,
                course=course,
                course_position=index + 1,
            )
        )
    Appointment.objects.bulk_create(rows)
    return course


def add_scores(course: Course, scores: list[tuple[datetime.date, int]], *, recompute=True) -> None:
    """PHQ-9 totals recorded in clinic at noon of each day."""
    Measurement.objects.bulk_create(
        Measurement(
            course=course,
            patient=course.patient,
            kind=Measurement.Kind.CLINIC,
            score=score,
            item9=0,
            taken_at=local_dt(day.year, day.month, day.day, 12),
        )
        for day, score in scores
    )
    if recompute:
        course_result_recompute(course=course, now=timezone.now())
