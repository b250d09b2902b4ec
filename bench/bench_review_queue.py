"""Benchmark: the review queue page over N screened intakes (default 20,000).

    DATABASE_URL=postgres://... python bench/bench_review_queue.py [--n 20000] [--runs 5]

Creates the intakes (varied valid documents, one patient each, submitted over
the last 60 days) with bulk_create in the DATABASE_URL database, migrated
first, and screens them with the bulk rescreen service; intakes left by an
earlier run are reused. Then it renders `/review/` through Django's test
client as a clinician, with no filter and with each filter, and prints the
median milliseconds and the number of SQL queries per page. Target: every
page under 300 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")

from documents import make_document  # noqa: E402

TARGET_MS = 300
PREFIX = "BENCH-QUEUE-"
PAGES = {
    "open cases (default)": {},
    "urgent": {"severity": "urgent"},
    "flag uncontrolled_hypertension": {"flag": "uncontrolled_hypertension"},
    "treatment tms": {"treatment": "tms"},
    "treatment esketamine, high": {"treatment": "esketamine", "severity": "high"},
    "assigned to nobody": {"assigned": "nobody"},
    "all statuses, page 40": {"status": "all", "page": "40"},
    "search by name": {"q": "garcia"},
    "search by date of birth": {"q": "1975-07-02"},
}


def setup(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from clinic.accounts.models import Patient
    from screening.models import Intake
    from screening.services.rescreen import intakes_rescreen

    call_command("migrate", "--no-input", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    have = Patient.objects.filter(external_id__startswith=PREFIX).count()
    now = timezone.now()
    start = time.perf_counter()
    for first in range(have, n, 5000):
        numbers = range(first, min(n, first + 5000))
        docs = [make_document(i, seed=11) for i in numbers]
        with transaction.atomic():
            patients = Patient.objects.bulk_create(
                [
                    Patient(
                        given_name=d["patient"]["given_name"],
                        family_name=d["patient"]["family_name"],
                        email=d["patient"]["email"],
                        date_of_birth=d["patient"]["date_of_birth"],
                        sex_at_birth=d["patient"]["sex_at_birth"],
                        external_id=f"{PREFIX}{i}",
                    )
                    for i, d in zip(numbers, docs, strict=True)
                ]
            )
            Intake.objects.bulk_create(
                [
                    Intake(
                        patient=p,
                        status=Intake.Status.SUBMITTED,
                        document=d,
                        submitted_at=now - datetime.timedelta(minutes=(i * 37) % 86_400),
                        started_at=now - datetime.timedelta(days=61),
                        review_status=Intake.ReviewStatus.values[i % 5],
                    )
                    for i, p, d in zip(numbers, patients, docs, strict=True)
                ]
            )
    if n > have:
        print(f"created {n - have} intakes in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        intakes_rescreen(batch_size=2000)
        print(f"screened them in {time.perf_counter() - start:.1f} s")
    total = Intake.objects.filter(status="submitted").count()
    print(f"submitted intakes in the database: {total}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup(args.n)

    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clinic.accounts.models import User

    clinician, _ = User.objects.get_or_create(email="bench.clinician@example.org")
    clinician.groups.add(Group.objects.get(name="clinician"))
    client = Client()
    client.force_login(clinician)
    worst = 0.0
    for name, params in PAGES.items():
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get("/review/", params)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{name:<32} {median:7.1f} ms  {len(queries)} queries")
    verdict = "ok" if worst < TARGET_MS else f"OVER the {TARGET_MS} ms target"
    print(f"slowest page: {worst:.1f} ms ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
