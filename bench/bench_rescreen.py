"""Benchmark: `manage.py rescreen` over N stored intakes (default 100,000).

    DATABASE_URL=postgres://... python bench/bench_rescreen.py [--n 100000] [--fresh] [--worst-case]

Creates the intakes (varied valid documents, one patient each) with
bulk_create in the DATABASE_URL database, migrated first; intakes left by an
earlier run are reused (--fresh deletes them). Then it runs `rescreen` twice
as a child process: once to give every intake a current result, and once
after a policy change (the timed run: every intake gets a new result, the old
ones stay as history). Prints the seconds and the child's peak memory (MB).
Targets on PostgreSQL: under 60 s and under 300 MB for 100,000 intakes.

--worst-case times one run in which every intake gets a new result (as on
the first run after an upgrade): the bench intakes' current results are
given a digest no output can have, so every intake's output "differs" and
is stored, the old results and flags are retired, and (their denormalised
rank and PHQ-9 total reset) every intake row is updated. Repeatable without
--fresh (each run adds one result and its flags per intake as history).
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")

from documents import make_document  # noqa: E402

SECONDS_TARGET = 60
MB_TARGET = 300
PREFIX = "BENCH-RESCREEN-"
WORKERS = 2


def setup(n: int, fresh: bool) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from clinic.accounts.models import Patient
    from screening.models import Flag, Intake, ScreeningResult

    try:
        call_command("migrate", "--no-input", verbosity=0)
    except Exception as exc:  # noqa: BLE001 - a broken migration elsewhere must not stop the bench
        print(f"note: full migrate failed ({exc}); migrating the screening app only")
        call_command("migrate", "screening", "--no-input", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    bench = Patient.objects.filter(external_id__startswith=PREFIX)
    if fresh:
        # Bench rows only, deleted without the ORM's cascade collection.
        mine = {"intake__patient__external_id__startswith": PREFIX}
        Flag.objects.filter(**mine)._raw_delete(connection.alias)
        ScreeningResult.objects.filter(**mine)._raw_delete(connection.alias)
        Intake.objects.filter(patient__external_id__startswith=PREFIX)._raw_delete(connection.alias)
        bench._raw_delete(connection.alias)
    have = bench.count()
    start = time.perf_counter()
    submitted = timezone.now() - datetime.timedelta(days=1)
    batch = 5000
    for first in range(have, n, batch):
        numbers = range(first, min(n, first + batch))
        docs = [make_document(i, seed=7) for i in numbers]
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
                        source=Intake.Source.IMPORT,
                        document=d,
                        submitted_at=submitted,
                        started_at=submitted,
                    )
                    for p, d in zip(patients, docs, strict=True)
                ]
            )
    if n > have:
        print(f"created {n - have} intakes in {time.perf_counter() - start:.1f} s")
    total = Intake.objects.filter(status="submitted").count()
    print(f"submitted intakes in the database: {total}")


def spoil_digests() -> int:
    """Make every bench intake's current result look out of date (the digest
    of no output), so the next rescreen stores a new result for each."""
    from django.db import transaction

    from screening.models import Intake, ScreeningResult

    with transaction.atomic():
        # As before the first screening: every denormalised column changes too.
        Intake.objects.filter(patient__external_id__startswith=PREFIX).update(
            highest_severity_rank=0, phq9_total=None
        )
        return ScreeningResult.objects.filter(
            is_current=True, intake__patient__external_id__startswith=PREFIX
        ).update(digest="worst-case")


def run_rescreen() -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "rescreen",
            "--batch-size",
            "1000",
            "--workers",
            str(WORKERS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"rescreen failed with exit code {done.returncode}")
    return seconds, done.stdout


def main() -> int:
    global WORKERS
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument(
        "--worst-case",
        action="store_true",
        help="time one rescreen in which every intake gets a new result",
    )
    args = parser.parse_args()
    WORKERS = args.workers
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("note: DATABASE_URL is not PostgreSQL; the target is for PostgreSQL")
    setup(args.n, args.fresh)

    from screening.services.policy import current_policy, policy_update

    if args.worst_case:
        print(f"worst case: {spoil_digests()} current results made out of date")
        seconds, out = run_rescreen()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = usage.ru_maxrss / 1024
        print(out.strip())
        ok = seconds < SECONDS_TARGET and peak_mb < MB_TARGET
        verdict = "ok" if ok else f"OVER a target ({SECONDS_TARGET} s, {MB_TARGET} MB)"
        print(
            f"worst-case rescreen (every intake rewritten): {seconds:.1f} s, "
            f"peak {peak_mb:.0f} MB ({verdict})"
        )
        print(
            f"  (CPU of the rescreen processes: {usage.ru_utime + usage.ru_stime:.1f} s in all; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        return 0

    seconds, out = run_rescreen()
    print(f"first rescreen (brings every intake up to the current policy): {seconds:.1f} s")
    print("  " + out.strip().replace("\n", "\n  "))
    policy, _ = current_policy()
    policy_update(changes={"bp_high_systolic": policy.bp_high_systolic - 5}, by=None)
    try:
        seconds, out = run_rescreen()
    finally:
        policy_update(changes={"bp_high_systolic": policy.bp_high_systolic}, by=None)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(out.strip())
    ok = seconds < SECONDS_TARGET and peak_mb < MB_TARGET
    verdict = "ok" if ok else f"OVER a target ({SECONDS_TARGET} s, {MB_TARGET} MB)"
    print(f"rescreen after a policy change: {seconds:.1f} s, peak {peak_mb:.0f} MB ({verdict})")
    print(
        f"  (CPU of the rescreen processes: {usage.ru_utime + usage.ru_stime:.1f} s in all; "
        f"load average {load:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
