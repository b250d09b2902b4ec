"""Demo outcomes for `seed_demo`: a year of treatment courses for each of the
four treatments (44 each, so every treatment passes the 10-course threshold),
with their sessions, PHQ-9 measurements by the cadence and computed results.
Made-up patients; deterministic (a fixed random seed); idempotent."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient, User
from clinic.scheduling.clock import at_local
from clinic.scheduling.models import Appointment, AppointmentStatus, Course, CoursePlan
from screening.engine import outcomes as engine
from screening.outcomes.models import Measurement, MeasurementCadence
from screening.outcomes.services import course_result_recompute, engine_cadence

COURSES_PER_TREATMENT = 44
DEMO_EMAIL = "outcomes.demo.{n:02d}@example.org"
DEMO_NOTE = "[demo outcomes]"
PLANS = {
    "iv_ketamine": "iv-ketamine-induction",
    "esketamine": "esketamine-induction",
    "tms": "tms-course",
    "ect": "ect-index-course",
}
# Chance of response by the end of the course, and of stopping early (made up).
RESPONSE_CHANCE = {"iv_ketamine": 0.55, "esketamine": 0.45, "tms": 0.5, "ect": 0.7}
STOP_CHANCE = 0.15
ANSWER_CHANCE = 0.85
GIVEN = [
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
    "Rowan", "Emery", "Hayden", "Parker", "Reese",
]  # fmt: skip


def _trajectory(rng: random.Random, treatment: str):
    baseline = rng.randint(14, 25)
    responds = rng.random() < RESPONSE_CHANCE[treatment]
    target = rng.randint(2, baseline // 2) if responds else rng.randint(baseline // 2 + 1, baseline)

    def score(fraction: float) -> int:
        value = baseline + (target - baseline) * min(1.0, fraction) + rng.gauss(0, 1.5)
        return max(0, min(27, round(value)))

    return baseline, score


def _slots():
    """A free 2-hour block per clinician and day, so demo sessions never overlap."""
    busy: set[tuple[int, date, int]] = set()

    def take(clinician_id: int, day: date) -> tuple[datetime, bool]:
        """(start, with the clinician): on a full day the session has none."""
        for block in range(8):
            if (clinician_id, day, block) not in busy:
                busy.add((clinician_id, day, block))
                return at_local(day, time(6 + 2 * block)), True
        return at_local(day, time(22)), False

    return take


@transaction.atomic
def seed(stdout) -> None:
    if Patient.objects.filter(email=DEMO_EMAIL.format(n=1)).exists():
        stdout.write("Outcomes demo: already loaded.")
        return
    doctors = list(User.objects.filter(email__startswith="dr.").order_by("email"))
    cadences = {c.treatment: c for c in MeasurementCadence.objects.select_related("session_type")}
    plans = {p.slug: p for p in CoursePlan.objects.prefetch_related("steps__appointment_type")}
    if not doctors or len(cadences) < len(PLANS):
        stdout.write("Outcomes demo: no clinicians or cadences; skipped.")
        return
    rng = random.Random(15)
    today = timezone.localdate()
    take = _slots()
    number = 0
    courses = []
    for treatment, plan_slug in PLANS.items():
        cadence = cadences[treatment]
        plan = plans[plan_slug]
        steps = [s for s in plan.steps.all() if s.appointment_type_id == cadence.session_type_id]
        for index in range(COURSES_PER_TREATMENT):
            number += 1
            patient = Patient.objects.create(
                given_name=GIVEN[index % len(GIVEN)],
                family_name=f"Sample {number:02d}",
                email=DEMO_EMAIL.format(n=number),
                date_of_birth=date(today.year - rng.randint(19, 78), rng.randint(1, 12), 15),
                preferred_language="es" if number % 5 == 0 else "en",
            )
            doctor = doctors[number % len(doctors)]
            first_day = today - timedelta(days=365 - (290 * index) // COURSES_PER_TREATMENT)
            course = Course.objects.create(patient=patient, plan=plan, name=plan.name)
            stops_after = len(steps)
            if rng.random() < STOP_CHANCE:
                stops_after = rng.randint(2, max(2, len(steps) - 2))
            appointments = []
            for position, step in enumerate(steps, start=1):
                start, with_doctor = take(doctor.pk, first_day + timedelta(days=step.day))
                held = position <= stops_after
                appointments.append(
                    Appointment(
                        patient=patient,
                        clinician=doctor if with_doctor else None,
                        appointment_type=step.appointment_type,
                        start=start,
                        end=start + timedelta(minutes=step.appointment_type.default_minutes),
                        status=AppointmentStatus.COMPLETED if held else AppointmentStatus.CANCELLED,
                        course=course,
                        course_position=position,
                        notes=DEMO_NOTE,
                    )
                )
            Appointment.objects.bulk_create(appointments)
            held = [a for a in appointments if a.status == AppointmentStatus.COMPLETED]
            last_day = timezone.localtime(held[-1].start).date()
            dues = engine.measurements_due(
                engine_cadence(cadence),
                sessions=[timezone.localtime(a.start).date() for a in held],
                ended_on=last_day,
            )
            baseline, score = _trajectory(rng, treatment)
            span = max(1, (last_day - first_day).days)
            measurements = []
            for due in dues:
                if due.due_on > today:
                    continue
                answered = due.kind == "baseline" or rng.random() < ANSWER_CHANCE
                days = (due.due_on - first_day).days
                value = baseline if due.kind == "baseline" else score(days / span)
                if due.kind == "follow_up":
                    value = max(0, min(27, value + rng.randint(-1, 4)))
                taken = at_local(due.due_on, time(7, 30)) if answered else None
                measurements.append(
                    Measurement(
                        course=course,
                        patient=patient,
                        kind=due.kind,
                        due_on=due.due_on,
                        months_after=due.months,
                        sent_at=at_local(due.due_on, time(7)) - timedelta(days=1),
                        score=value if answered else None,
                        item9=0 if answered else None,
                        taken_at=taken,
                    )
                )
            Measurement.objects.bulk_create(measurements)
            courses.append(course)
    for course in courses:
        course_result_recompute(course=course)
    stdout.write(f"Outcomes demo: {len(courses)} treatment courses with measurements.")
