"""Benchmark: the treatment session pages a nurse uses all day.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python bench/bench_sessions.py [--n 40] [--runs 20]

Migrates the DATABASE_URL database, creates N esketamine sessions today (one
appointment each, spread over 8 chairs, with three vitals) and measures, as a
clinician through Django's test client: today's list (`/sessions/`), the due
list, one chart page, one autosave POST (what happens on each keystroke pause),
and the REMS form's PDF. Prints the median milliseconds and the SQL queries of
each. Targets: pages and autosave under 300 ms, the PDF under 1.5 s.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from clinic.accounts.models import Patient, User
    from clinic.accounts.roles import sync_roles
    from clinic.scheduling.clock import at_local
    from clinic.scheduling.models import Appointment, AppointmentType, Room
    from clinic.treatment import services as svc
    from clinic.treatment.models import RemsCertification, RemsEnrollment, TreatmentSession

    sync_roles()
    nurse, _ = User.objects.get_or_create(email="bench.nurse@example.org")
    nurse.groups.add(*Group.objects.filter(name="clinician"))
    RemsCertification.objects.get_or_create(
        setting_identifier="HS-BENCH",
        defaults={
            "setting_name": "Bench",
            "address_line1": "1 St",
            "city": "X",
            "state": "MA",
            "zip_code": "01000",
            "certified_on": datetime.date(2025, 1, 1),
            "authorized_representative": "Dr Bench",
        },
    )
    kind = AppointmentType.objects.get(slug="esketamine-session")
    today = timezone.localdate()
    existing = TreatmentSession.objects.filter(appointment__notes="bench").count()
    for i in range(existing, args.n):
        room, _ = Room.objects.get_or_create(name=f"Bench chair {i % 8 + 1}")
        patient = Patient.objects.create(
            given_name="Bench", family_name=f"P{i}", date_of_birth=datetime.date(1980, 1, 1)
        )
        RemsEnrollment.objects.create(
            patient=patient, enrolled_on=today, patient_identifier=f"B{i}"
        )
        start = at_local(today, datetime.time(7 + (i // 8) % 12, 0))
        appointment = Appointment.objects.create(
            patient=patient,
            appointment_type=kind,
            room=room,
            start=start,
            end=start + datetime.timedelta(hours=2),
            notes="bench",
        )
        session = svc.session_start(appointment=appointment, by=nurse)
        for minute, phase in ((0, "pre_dose"), (50, "check"), (125, "discharge")):
            svc.vitals_record(
                session=session,
                taken_at=start + datetime.timedelta(minutes=minute),
                phase=phase,
                by=nurse,
                systolic=128,
                diastolic=82,
                heart_rate=70,
                spo2=98,
            )
        svc.session_save(
            session=session,
            raw={"first_device_time": "09:10", "dose": "56", "devices": "2", "lot_number": "L"},
            by=nurse,
        )
    client = Client()
    client.force_login(nurse)
    session = TreatmentSession.objects.filter(appointment__notes="bench").first()

    def measure(label, call, runs):
        times, queries = [], 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                began = time.perf_counter()
                response = call()
                times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (label, response.status_code)
            queries = len(ctx)
        print(f"{label:<34} {statistics.median(times):8.1f} ms  {queries:3d} queries")

    print(f"{args.n} esketamine sessions today, {args.runs} runs each (median)")
    measure("/sessions/", lambda: client.get("/sessions/"), args.runs)
    measure("/sessions/rems-due/", lambda: client.get("/sessions/rems-due/"), args.runs)
    measure("chart page", lambda: client.get(f"/sessions/{session.pk}/"), args.runs)
    measure(
        "autosave POST",
        lambda: client.post(
            f"/sessions/{session.pk}/",
            {"lot_number": "L-77", "devices": "2"},
            HTTP_X_SESSION_AUTOSAVE="1",
        ),
        args.runs,
    )
    measure(
        "REMS form PDF",
        lambda: client.get(f"/sessions/{session.pk}/rems-form.pdf"),
        max(3, args.runs // 5),
    )


if __name__ == "__main__":
    main()
