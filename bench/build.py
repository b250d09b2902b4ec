"""Build a benchmark dataset in the DATABASE_URL database (PostgreSQL), with
COPY: patients, submitted intakes (varied valid documents, screened by the
real engine through the bulk re-screen, which writes results and flags with
COPY), case decisions, 3 years of appointments for 40 clinicians and 10
rooms, two reminders each.

    DATABASE_URL=postgres://... python bench/build.py --intakes 120000

The schema is dropped and migrated first (the database is the bench's own).
Sizes scale with --intakes: patients = intakes * 5/6, appointments =
intakes * 2.5, reminders = 2 per appointment; --intakes 1000 is the small
set. Appointments never overlap for a clinician, a room or a patient (the
exclusion constraints hold them to that).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

CLINICIANS = 40
ROOMS = 10
PASSWORD = "bench-password-not-secret"  # noqa: S105 (bench accounts in a bench database)
SYLLABLES = ["ka", "lo", "mi", "ra", "to", "ve", "su", "ne", "di", "po", "an", "el", "or", "iv"]
_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_json = json.JSONEncoder(separators=(",", ":")).encode


def cell(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return _json(value).replace("\\", "\\\\")
    if isinstance(value, str):
        return value.translate(_ESC)
    return str(value)


class Copier:
    """COPY rows of one model: each row a dict of attnames; columns left out
    take the model field's default (evaluated once per table)."""

    def __init__(self, model, now):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            else:  # the default, or "" for a string column, or None
                self.defaults[f.attname] = f.get_default()
        self.names = [f.attname for f in self.fields]
        self.buffer = io.StringIO()
        self.count = 0

    def add(self, **row) -> None:
        d = self.defaults
        self.buffer.write("\t".join(cell(row[n] if n in row else d[n]) for n in self.names))
        self.buffer.write("\n")
        self.count += 1

    def flush(self, cursor) -> None:
        table = self.model._meta.db_table
        columns = ", ".join(f'"{f.column}"' for f in self.fields)
        self.buffer.seek(0)
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", self.buffer)  # noqa: S608
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
        self.buffer = io.StringIO()


def family_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def acknowledge_urgent_flags(by_id: int, now: datetime.datetime) -> int:
    """A clinic in use acknowledges the urgent flags of the cases it has
    decided (an unacknowledged one keeps its case on the default queue):
    every urgent flag of a case out of the open statuses and submitted over
    a fortnight ago is acknowledged a day after submission."""
    from django.db import connection, transaction

    from screening.engine.vocabulary import URGENT_RANK
    from screening.models import OPEN_REVIEW_STATUSES, Flag, Intake
    from screening.review.models import FlagAcknowledgement

    acks = FlagAcknowledgement._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {acks} (flag_id, intake_id, by_id, at, note) "
            "SELECT f.id, f.intake_id, %s, i.submitted_at + interval '1 day', '' "
            f"FROM {Flag._meta.db_table} f JOIN {Intake._meta.db_table} i ON i.id = f.intake_id "
            "WHERE f.is_current AND f.severity_rank = %s AND NOT (i.review_status = ANY(%s)) "
            "AND i.submitted_at < %s "
            f"AND NOT EXISTS (SELECT 1 FROM {acks} a WHERE a.flag_id = f.id)",
            [by_id, URGENT_RANK, list(OPEN_REVIEW_STATUSES), now - datetime.timedelta(days=14)],
        )
        acknowledged = cursor.rowcount
        # The flags' mark, as review.services.flag_acknowledge sets it.
        cursor.execute(
            f"UPDATE {Flag._meta.db_table} f SET acknowledged = true FROM {acks} a "
            "WHERE a.flag_id = f.id AND NOT f.acknowledged"
        )
        return acknowledged


def courses_build(patient_ids: list[int], now: datetime.datetime, seed: int) -> int:
    """A course for each of these patients, with its stored outcome result
    and 4 PHQ-9 measurements (the rows of bench/bench_outcomes.py)."""
    from bench_outcomes import courses_results_store
    from django.db import transaction

    from clinic.scheduling.models import Course

    rng = random.Random(seed + 15)
    today = now.date()
    for first in range(0, len(patient_ids), 5000):
        with transaction.atomic():
            courses = Course.objects.bulk_create(
                Course(patient_id=p, name="Bench course") for p in patient_ids[first : first + 5000]
            )
            courses_results_store(courses, rng, today)
    return len(patient_ids)


def build(intakes: int, span_days: int = 3 * 365, seed: int = 16, log=print) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from documents import make_document

    from clinic.accounts.models import Patient, User
    from clinic.scheduling.models import (
        Appointment,
        AppointmentType,
        Reminder,
        Room,
        WorkingHours,
    )
    from screening.models import Intake
    from screening.review.models import CaseDecision
    from screening.services.rescreen import intakes_rescreen

    assert connection.vendor == "postgresql", "the bench builds on PostgreSQL"
    timings: dict[str, float] = {}
    started = t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", "--no-input", verbosity=0)
    timings["migrate"] = time.perf_counter() - t0
    log(f"  migrated in {timings['migrate']:.0f} s")

    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    n_patients = max(10, intakes * 5 // 6)
    second_versions = intakes - n_patients  # patients with two intakes
    # Staff.
    clinician_group = Group.objects.get(name="clinician")
    scheduler_group = Group.objects.get(name="scheduler")
    clinicians = []
    for i in range(CLINICIANS):
        user = User.objects.create_user(
            email=f"clinician{i}@bench.example.org",
            password=PASSWORD,
            first_name=f"Clin{i}",
            last_name=family_name(rng),
        )
        user.groups.add(clinician_group)
        clinicians.append(user)
    scheduler = User.objects.create_user(email="scheduler@bench.example.org", password=PASSWORD)
    scheduler.groups.add(scheduler_group)
    User.objects.create_superuser(email="admin@bench.example.org", password=PASSWORD)
    WorkingHours.objects.bulk_create(
        WorkingHours(
            clinician=c, weekday=d, start_time=datetime.time(8), end_time=datetime.time(18)
        )
        for c in clinicians
        for d in range(5)
    )
    rooms = [Room.objects.create(name=f"Bench room {i}") for i in range(ROOMS)]
    types = {t.slug: t for t in AppointmentType.objects.all()}

    # Patients and intakes.
    t0 = time.perf_counter()
    patients = Copier(Patient, now)
    intake_rows = Copier(Intake, now)
    decisions = Copier(CaseDecision, now)
    consult_queue: list[tuple[datetime.datetime, int]] = []  # (decided at, patient id)
    consult_pool_start = int(n_patients * 0.7)
    statuses = Intake.ReviewStatus
    intake_id = 0
    decision_id = 0
    for p in range(1, n_patients + 1):
        doc = make_document(p, seed=seed)
        given = doc["patient"]["given_name"]
        family = family_name(rng)
        email = f"{given.lower()}.{family.lower()}{p}@example.net"
        doc["patient"].update({"family_name": family, "email": email})
        doc["consent"]["signed_name"] = f"{given} {family}"
        patients.add(
            id=p,
            given_name=given,
            family_name=family,
            email=email,
            date_of_birth=datetime.date.fromisoformat(doc["patient"]["date_of_birth"]),
            sex_at_birth=doc["patient"]["sex_at_birth"],
            preferred_language=doc["patient"]["preferred_language"],
            created_at=now - datetime.timedelta(days=span_days),
        )
        versions = 2 if p <= second_versions else 1
        for version in range(1, versions + 1):
            intake_id += 1
            age_days = rng.random() * span_days
            if version == 1 and versions == 2:
                age_days = span_days * (0.5 + rng.random() * 0.5)
            elif version == 2:
                age_days = rng.random() * span_days * 0.5
            submitted = now - datetime.timedelta(days=age_days)
            decided = None
            if p > consult_pool_start and version == versions:
                decided = submitted + datetime.timedelta(hours=rng.randint(2, 72))
                # The last fortnight's decisions, and 1 in 60, still wait for a booking.
                will_book = decided < now - datetime.timedelta(days=14) and rng.random() > 1 / 60
                status = statuses.CONSULT_BOOKED if will_book else statuses.CONSULT_TO_BOOK
            elif version < versions or age_days > 30:
                status = statuses.CLOSED if rng.random() < 0.97 else statuses.MORE_INFO
            else:
                status = rng.choice(
                    [statuses.AWAITING] * 6 + [statuses.IN_REVIEW] * 2 + [statuses.MORE_INFO]
                )
            intake_rows.add(
                id=intake_id,
                patient_id=p,
                version=version,
                status=Intake.Status.SUBMITTED,
                document=doc,
                step_state={},
                reopened_steps=[],
                started_at=submitted - datetime.timedelta(hours=1),
                updated_at=submitted,
                submitted_at=submitted,
                review_status=status,
                assigned_to_id=(
                    clinicians[intake_id % CLINICIANS].pk
                    if status != statuses.AWAITING and rng.random() < 0.8
                    else None
                ),
            )
            if decided is not None:
                decision_id += 1
                at = decided
                decisions.add(
                    id=decision_id,
                    intake_id=intake_id,
                    kind=CaseDecision.Kind.BOOK_CONSULT,
                    by_id=clinicians[intake_id % CLINICIANS].pk,
                    at=at,
                    steps=[],
                )
                if status == statuses.CONSULT_BOOKED:
                    consult_queue.append((at, p))
    with transaction.atomic(), connection.cursor() as cursor:
        patients.flush(cursor)
        intake_rows.flush(cursor)
        decisions.flush(cursor)
    timings["patients and intakes"] = time.perf_counter() - t0
    log(
        f"  {patients.count} patients, {intake_rows.count} intakes, {decisions.count} decisions"
        f" in {timings['patients and intakes']:.0f} s"
    )

    # Screening: the real engine through the bulk re-screen (COPY of results and flags).
    t0 = time.perf_counter()
    report = intakes_rescreen(batch_size=2000, workers=2)
    timings["screening"] = time.perf_counter() - t0
    log(f"  screened {report.screened} intakes in {timings['screening']:.0f} s")
    acknowledged = acknowledge_urgent_flags(clinicians[0].pk, now)
    log(f"  {acknowledged} urgent flags of decided cases acknowledged")

    # Appointments: each clinician's weekdays on a grid of hours 8-17; the
    # first ROOMS clinicians do room treatments in their own room.
    t0 = time.perf_counter()
    target = int(intakes * 2.5)
    weekdays = [
        d
        for d in (
            (now - datetime.timedelta(days=int(span_days * 5 / 6) - i)).date()
            for i in range(span_days)
        )
        if d.weekday() < 5
    ]
    # Each hour 8-17 of a clinician's weekday is booked with this probability.
    fill = min(1.0, target / (len(weekdays) * CLINICIANS * 10))
    consult_queue.sort()
    queue_at = 0
    general_pool = list(range(1, consult_pool_start + 1))
    counter = 0
    appts = Copier(Appointment, now)
    reminders = Copier(Reminder, now)
    room_kinds = ["iv-ketamine-infusion", "esketamine-session", "tms-session", "ect-session"]
    plain_kinds = ["follow-up", "follow-up", "consult"]
    tz = timezone.get_current_timezone()
    appointment_id = reminder_id = 0
    for day in weekdays:
        for c, clinician in enumerate(clinicians):
            hours = [h for h in range(8, 18) if rng.random() < fill]
            busy_until = 0
            for hour in hours:
                if hour < busy_until:
                    continue
                if c < ROOMS and rng.random() < 0.6:
                    slug = rng.choice(room_kinds)
                    room = rooms[c]
                else:
                    slug = rng.choice(plain_kinds)
                    room = None
                kind = types[slug]
                if hour * 60 + kind.default_minutes > 18 * 60:
                    slug, kind, room = "follow-up", types["follow-up"], None
                start = datetime.datetime.combine(day, datetime.time(hour), tz)
                end = start + datetime.timedelta(minutes=kind.default_minutes)
                busy_until = hour + (kind.default_minutes + 59) // 60
                patient_id = None
                if (
                    slug == "consult"
                    and queue_at < len(consult_queue)
                    and consult_queue[queue_at][0] < start
                ):
                    patient_id = consult_queue[queue_at][1]
                    queue_at += 1
                if patient_id is None:
                    patient_id = general_pool[counter % len(general_pool)]
                    counter += 1
                if end < now:
                    status = rng.choice(["completed"] * 8 + ["cancelled", "no_show"])
                else:
                    status = rng.choice(["booked", "booked", "confirmed"])
                if patient_id in (1,) and status in ("cancelled", "no_show"):
                    status = "completed"
                appointment_id += 1
                appts.add(
                    id=appointment_id,
                    patient_id=patient_id,
                    clinician_id=clinician.pk,
                    room_id=room.pk if room else None,
                    appointment_type_id=kind.pk,
                    start=start,
                    end=end,
                    status=status,
                    booked_by_id=scheduler.pk,
                    booked_at=start - datetime.timedelta(days=7),
                    notes="",
                    override_reason="",
                )
                for offset in (24 * 60, 60):
                    reminder_id += 1
                    due = start - datetime.timedelta(minutes=offset)
                    reminders.add(
                        id=reminder_id,
                        appointment_id=appointment_id,
                        offset_minutes=offset,
                        due_at=due,
                        sent_at=due if due < now else None,
                        attempts=1 if due < now else 0,
                        last_error="",
                        created_at=start - datetime.timedelta(days=7),
                    )
    with transaction.atomic(), connection.cursor() as cursor:
        appts.flush(cursor)
        reminders.flush(cursor)
    timings["appointments"] = time.perf_counter() - t0
    log(
        f"  {appts.count} appointments, {reminders.count} reminders"
        f" in {timings['appointments']:.0f} s"
    )
    # Treatment courses with their outcome results (the outcomes page): one
    # course for each patient with a booked consult (most of the pool).
    t0 = time.perf_counter()
    n_courses = courses_build([p for _at, p in consult_queue], now, seed)
    timings["courses"] = time.perf_counter() - t0
    log(f"  {n_courses} courses with results in {timings['courses']:.0f} s")
    # A patient account for the patient's own pages: patient 1.
    user = User.objects.create_user(email="patient@bench.example.org", password=PASSWORD)
    user.groups.add(Group.objects.get(name="patient"))
    Patient.objects.filter(pk=1).update(user=user)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["analyze"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - started
    from screening.models import Flag

    sizes = {
        "patients": patients.count,
        "intakes": intake_rows.count,
        "flags": Flag.objects.filter(is_current=True).count(),
        "case decisions": decisions.count,
        "appointments": appts.count,
        "reminders": reminders.count,
        "courses": n_courses,
    }
    log(f"  built in {timings['total']:.0f} s: {sizes}")
    return {"sizes": sizes, "timings": timings}


def main() -> int:
    import argparse

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
    parser = argparse.ArgumentParser()
    parser.add_argument("--intakes", type=int, default=1000)
    args = parser.parse_args()
    build(args.intakes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
