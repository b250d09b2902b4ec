"""Benchmark: the outcomes page over N treatment courses (default 100,000).

    DATABASE_URL=postgres://... python bench/bench_outcomes.py [--n 100000] [--runs 5]

Creates N made-up patients, one course each with a stored result (the four
treatments, starts over the last two years, varied baselines, bands and
outcomes) and 4 PHQ-9 measurements per course, with bulk_create in the
DATABASE_URL database, migrated first; rows left by an earlier run are
reused. Then it renders `/outcomes/` (and its CSV) through Django's test
client as a clinician, with no filter and with each filter, and prints the
median milliseconds and the number of SQL queries per page. Target: every
page under 1 s on PostgreSQL, the query count the same for every N.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")

TARGET_MS = 1000
PREFIX = "BENCH-OUTCOMES-"
PAGES = {
    "last 12 months (default)": {},
    "all time": {"period": "all"},
    "tms, all time": {"period": "all", "treatment": "tms"},
    "severe baseline": {"period": "all", "baseline_band": "severe"},
    "age 45-64, TRD moderate": {"period": "all", "age_band": "45_64", "trd_band": "moderate"},
}
BATCH = 5000


def course_rows(course, rng: random.Random, today: datetime.date):
    """A made-up course result and its 4 PHQ-9 measurements (also used by
    bench/build.py for the datasets of bench/run.py)."""
    from django.utils import timezone

    from screening.engine import MODALITIES
    from screening.engine import outcomes as engine
    from screening.outcomes.models import CourseResult, Measurement

    treatment = rng.choice(MODALITIES)
    started = today - datetime.timedelta(days=rng.randint(0, 730))
    baseline = rng.randint(8, 27)
    final = rng.randint(0, baseline)
    status = rng.choice(["completed"] * 7 + ["stopped"] * 2 + ["active"])
    itt = rng.random() < 0.9
    responded = itt and engine.is_response(baseline, final)
    result = CourseResult(
        course=course,
        patient_id=course.patient_id,
        treatment=treatment,
        status=status,
        started_on=started,
        start_quarter=engine.quarter_start(started),
        sessions_held=rng.randint(4, 36),
        sessions_planned=36,
        age_band=rng.choice([k for _low, k in engine.AGE_BANDS]),
        baseline_band=engine.baseline_band(baseline),
        trd_band=rng.choice(engine.TRD_BANDS),
        baseline_score=baseline,
        final_score=final if itt else None,
        change=final - baseline if itt else None,
        intent_to_treat=itt,
        completer=itt and status == "completed",
        responded=responded,
        remitted=itt and engine.is_remission(final),
        days_to_response=rng.randint(7, 60) if responded else None,
        excluded_reason="" if itt else engine.NO_LATER_SCORE,
        measurements_due=rng.randint(4, 12),
        measurements_answered=rng.randint(2, 4),
    )
    measurements = [
        Measurement(
            course=course,
            patient_id=course.patient_id,
            kind="clinic",
            treatment=treatment,
            score=round(baseline + (final - baseline) * week / 3),
            item9=0,
            taken_at=timezone.now(),
            week=week * 2,
            session_number=week * 4,
        )
        for week in range(4)
    ]
    return result, measurements


def courses_results_store(courses, rng: random.Random, today: datetime.date) -> None:
    """Each course's made-up result and measurements (course_rows), stored in bulk."""
    from screening.outcomes.models import CourseResult, Measurement

    results, measurements = [], []
    for course in courses:
        result, taken = course_rows(course, rng, today)
        results.append(result)
        measurements.extend(taken)
    CourseResult.objects.bulk_create(results)
    Measurement.objects.bulk_create(measurements, batch_size=5000)


def setup(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from clinic.accounts.models import Patient
    from clinic.scheduling.models import Course

    call_command("migrate", "--no-input", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    have = Patient.objects.filter(external_id__startswith=PREFIX).count()
    rng = random.Random(16)
    today = timezone.localdate()
    start = time.perf_counter()
    for first in range(have, n, BATCH):
        numbers = range(first, min(n, first + BATCH))
        with transaction.atomic():
            patients = Patient.objects.bulk_create(
                Patient(
                    given_name="Bench",
                    family_name=f"Patient {i}",
                    date_of_birth=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                    external_id=f"{PREFIX}{i}",
                )
                for i in numbers
            )
            courses = Course.objects.bulk_create(
                Course(patient=p, name="Bench course") for p in patients
            )
            courses_results_store(courses, rng, today)
        print(f"  {first + len(numbers)} courses", flush=True)
    if have < n:
        print(f"created {n - have} courses in {time.perf_counter() - start:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE outcomes_courseresult; ANALYZE outcomes_measurement;")


def measure(runs: int) -> bool:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.factories.accounts import StaffFactory

    clinician = StaffFactory(role="clinician")
    client = Client()
    client.force_login(clinician)
    ok = True
    pages = [(name, "/outcomes/", query) for name, query in PAGES.items()]
    pages.append(("CSV, all time", "/outcomes/export.csv", {"period": "all"}))
    for name, path, query in pages:
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(path, query)
                if path.endswith(".csv"):
                    b"".join(response.streaming_content)
                times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.status_code
        median = statistics.median(times)
        if median > TARGET_MS and not path.endswith(".csv"):
            ok = False
        print(f"{name:<30} {median:8.0f} ms  {len(queries):3d} queries")
    clinician.delete()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup(args.n)
    return 0 if measure(args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
