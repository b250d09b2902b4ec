"""Load and faults: 50 patients filling in intakes on gunicorn and PostgreSQL,
the task worker SIGKILLed five times while it sends reminders and safety
alerts, and PostgreSQL stopped for 10 seconds in the middle of it.

    .venv/bin/python bench/load_and_faults.py [--seconds 120] [--patients 50]

Needs root (it starts a throwaway PostgreSQL cluster of its own with initdb
through `su postgres`, on port 5544, and stops it at the end; the machine's
cluster is never touched). Serves gunicorn on 127.0.0.1:8113 and a mail sink
on 127.0.0.1:2526. Prints the figures; exits 1 when a check fails. Not part
of `make bench` (it takes about four minutes and needs root).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import queue
import random
import shutil
import signal
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path("/tmp/w10b-bench")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 5544
WEB_PORT = 8113
SMTP_PORT = 2526
DB_NAME = "clinic_w10b_bench"
DATABASE_URL = f"postgres://clinic:clinic@127.0.0.1:{PG_PORT}/{DB_NAME}"
BASE = f"http://127.0.0.1:{WEB_PORT}"
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_SSL_REDIRECT": "0",
    "WHITENOISE_USE_FINDERS": "1",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": str(SMTP_PORT),
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "CLINIC_ONCALL_EMAILS": "oncall@clinic.example",
    "CLINIC_BASE_URL": BASE,
    "PGCONNECT_TIMEOUT": "2",
    "DJANGO_LOG_LEVEL": "WARNING",
}


def sh(command: str, *, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, check=check, capture_output=True, text=True)


def pg(action: str) -> None:
    mode = " -m fast" if action == "stop" else ""
    sh(
        f'su postgres -c "{PG_BIN}/pg_ctl -D {WORK}/pg -w -l {WORK}/pg.log'
        f" -o '-p {PG_PORT} -k {WORK}' {action}{mode}\""
    )


def cluster_up() -> None:
    if WORK.exists():
        sh(f'su postgres -c "{PG_BIN}/pg_ctl -D {WORK}/pg -m immediate stop"', check=False)
        shutil.rmtree(WORK)
    WORK.mkdir(mode=0o777)
    os.chmod(WORK, 0o777)
    sh(f'su postgres -c "{PG_BIN}/initdb -D {WORK}/pg -U postgres --auth=trust -E UTF8"')
    pg("start")
    psql = f"psql -h 127.0.0.1 -p {PG_PORT} -U postgres -v ON_ERROR_STOP=1 -c"
    sh(f"{psql} \"CREATE ROLE clinic LOGIN PASSWORD 'clinic' CREATEDB\"")
    sh(f'{psql} "CREATE DATABASE {DB_NAME} OWNER clinic"')


def cluster_down() -> None:
    sh(f'su postgres -c "{PG_BIN}/pg_ctl -D {WORK}/pg -m fast stop"', check=False)


# -- a mail sink: counts every message by Message-ID -----------------------------


class Sink:
    messages: list[dict] = []
    lock = threading.Lock()
    delay = 0.25  # a slowish mail server, so that kills land mid-send


class SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 sink\r\n")
        headers: dict[str, str] = {}
        while line := self.rfile.readline():
            verb = line.strip().upper()
            if verb.startswith((b"EHLO", b"HELO")):
                self.wfile.write(b"250 sink\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                headers, in_headers = {}, True
                while (body := self.rfile.readline()) not in (b".\r\n", b""):
                    if in_headers:
                        if body in (b"\r\n", b"\n"):
                            in_headers = False
                        elif b":" in body and not body[:1].isspace():
                            key, _, value = body.decode("utf-8", "replace").partition(":")
                            headers[key.strip().lower()] = value.strip()
                time.sleep(Sink.delay)
                with Sink.lock:
                    Sink.messages.append(
                        {"id": headers.get("message-id"), "subject": headers.get("subject", "")}
                    )
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class ThreadedSMTP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


# -- the worker under a supervisor (what systemd's Restart=always does) -----------


class Supervisor:
    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.stopping = False
        self.log = open(WORK / "worker.log", "w")  # noqa: SIM115
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while not self.stopping:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "task_worker", "--queue-name", "*"]
                + ["--no-reload", "--interval", "0.5"],
                cwd=ROOT,
                env=ENV,
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
            self.starts += 1
            self.process.wait()
            time.sleep(1)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        self.stopping = True
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


# -- the simulated patients ----------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Load:
    def __init__(self, plans, seconds: float) -> None:
        self.plans = plans
        self.deadline = time.monotonic() + seconds
        self.records: list[tuple] = []  # (t, step, kind, status, seconds)
        self.lock = threading.Lock()
        self.submitted: list[int] = []
        self.pending = queue.Queue()
        for plan in plans:
            self.pending.put(plan)

    def request(self, session, method, url, *, step, kind, retry=True, **kwargs):
        import requests

        while True:
            started = time.monotonic()
            try:
                response = session.request(method, url, timeout=30, allow_redirects=False, **kwargs)
                status = response.status_code
            except requests.RequestException:
                response, status = None, 0
            with self.lock:
                self.records.append((time.time(), step, kind, status, time.monotonic() - started))
            if retry and status in (0, 503):
                time.sleep(1)  # what the page's autosave does: keep it, try again
                continue
            return response

    def patient(self) -> None:
        import requests

        while time.monotonic() < self.deadline:
            try:
                plan = self.pending.get_nowait()
            except queue.Empty:
                return
            session = requests.Session()
            session.cookies.set("sessionid", plan["session"])
            self.request(session, "GET", f"{BASE}/intake/", step="start", kind="page")
            for step, post, autosave_post in plan["steps"]:
                url = f"{BASE}/intake/step/{step}/"
                self.request(session, "GET", url, step=step, kind="page")
                headers = {"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": BASE}
                time.sleep(random.uniform(0.2, 0.8))
                self.request(
                    session,
                    "POST",
                    url,
                    data=autosave_post,
                    headers={**headers, "X-Intake-Autosave": "1"},
                    step=step,
                    kind="autosave",
                )
                time.sleep(random.uniform(0.2, 0.8))
                self.request(
                    session, "POST", url, data=post, headers=headers, step=step, kind="save"
                )
            response = self.request(
                session,
                "POST",
                f"{BASE}/intake/review/",
                headers=headers,
                step="submit",
                kind="submit",
            )
            if response is not None and response.status_code == 302:
                with self.lock:
                    self.submitted.append(plan["patient_id"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument(
        "--no-faults",
        action="store_true",
        help="Load only: no worker kills, no database outage (issue 16's 20-client run: "
        "--patients 20 --no-faults).",
    )
    args = parser.parse_args()

    print("== throwaway PostgreSQL cluster on port", PG_PORT)
    cluster_up()
    os.environ.update(ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    sh(f"cd {ROOT} && DATABASE_URL={DATABASE_URL} {sys.executable} manage.py migrate -v0")

    import django

    django.setup()
    from django.conf import settings

    # The bench's own data set-up only (sessions are made directly, nobody
    # logs in with these passwords): a fast hash, so that set-up takes seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from clinic.operations.models import SafetyAlert
    from clinic.scheduling.models import Reminder
    from clinic.scheduling.tasks import reminder_enqueue
    from screening.intake.steps import STEPS
    from screening.models import Intake
    from tests.factories.accounts import PatientFactory, StaffFactory
    from tests.factories.intake import (
        LIKELY_TRD,
        URGENT_SAFETY,
        document_for,
        sections_of,
        step_post,
    )
    from tests.factories.scheduling import AppointmentFactory, seed_types_and_plans

    seed_types_and_plans()
    StaffFactory(role="clinician", is_on_call=True, email="dr.on.call@clinic.example")
    pool = args.patients * 4
    plans, expected = [], {}
    for n in range(pool):
        patient = PatientFactory(with_login=True)
        urgent = n % 5 == 0
        document = document_for(patient, URGENT_SAFETY if urgent else LIKELY_TRD)
        session = SessionStore()
        session[SESSION_KEY] = str(patient.user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = patient.user.get_session_auth_hash()
        session.create()
        steps = []
        for step in STEPS:
            if step.key == "review":
                continue  # the review page: submitted below
            post = step_post(step.key, document, patient)
            steps.append((step.key, post, {**post, "action": "stay"}))
        plans.append({"patient_id": patient.pk, "session": session.session_key, "steps": steps})
        expected[patient.pk] = (sections_of(document), urgent)
    # 150 reminders due now, for the worker to send while it is killed.
    reminder_patients = PatientFactory.create_batch(150)
    for i, patient in enumerate(reminder_patients):
        appointment = AppointmentFactory(
            patient=patient, start=timezone.now() + datetime.timedelta(days=2, hours=i)
        )
        reminder = Reminder.objects.create(
            appointment=appointment, offset_minutes=60, due_at=timezone.now()
        )
        reminder_enqueue(reminder=reminder)
    connection.close()

    server = ThreadedSMTP(("127.0.0.1", SMTP_PORT), SMTPHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clinic.wsgi", "-b", f"127.0.0.1:{WEB_PORT}"]
        + ["-w", "3", "--threads", "4", "--timeout", "60"],
        cwd=ROOT,
        env=ENV,
        stdout=open(WORK / "gunicorn.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    time.sleep(4)
    supervisor = Supervisor()
    load = Load(plans, args.seconds)
    threads = [threading.Thread(target=load.patient) for _ in range(args.patients)]
    t0 = time.time()
    for thread in threads:
        thread.start()

    # Faults: five SIGKILLs of the worker early on, then PostgreSQL away 10 s.
    kills = []
    first_ok_after = None
    if args.no_faults:
        outage_start = outage_end = float("inf")
    else:
        for at in (4, 9, 14, 20, 28):
            time.sleep(max(0, at - (time.time() - t0)))
            supervisor.kill()
            kills.append(time.time() - t0)
        time.sleep(max(0, 45 - (time.time() - t0)))
        outage_start = time.time()
        pg("stop")
        time.sleep(10)
        pg("start")
        outage_end = time.time()
    while not args.no_faults and first_ok_after is None and time.time() - outage_end < 60:
        with load.lock:
            oks = [r[0] for r in load.records if r[0] > outage_end and r[3] in (200, 302)]
        if oks:
            first_ok_after = min(oks) - outage_end
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    run_seconds = time.time() - t0

    # Let the worker finish what is queued.
    django.db.connections.close_all()
    deadline = time.time() + 120
    while time.time() < deadline:
        unsent = Reminder.objects.filter(sent_at__isnull=True).count()
        unsent_alerts = SafetyAlert.objects.filter(sent_at__isnull=True).count()
        if unsent == 0 and unsent_alerts == 0:
            break
        time.sleep(2)
    worker_starts = supervisor.starts
    supervisor.stop()
    gunicorn.terminate()
    gunicorn.wait(timeout=30)
    server.shutdown()

    # -- figures and checks --------------------------------------------------------
    records = load.records
    in_outage = [r for r in records if outage_start <= r[0] <= outage_end + 5]
    outside = [r for r in records if not (outage_start <= r[0] <= outage_end + 5)]
    five_xx = collections.Counter(r[3] for r in records if r[3] >= 500 or r[3] == 0)
    bad_outside = [r for r in outside if r[3] >= 500 or r[3] == 0]
    bad_in_outage = collections.Counter(r[3] for r in in_outage if r[3] >= 500 or r[3] == 0)

    submitted = set(load.submitted)
    wrong_fields = compared = 0
    stored_twice = missing = no_flags = half_saved = 0
    for patient_id in submitted:
        intakes = list(Intake.objects.filter(patient_id=patient_id, status="submitted"))
        if len(intakes) != 1:
            stored_twice += len(intakes) > 1
            missing += not intakes
            continue
        intake = intakes[0]
        sections, urgent = expected[patient_id]
        for key, value in sections.items():
            for path, leaf in flatten(value, key):
                if path.endswith("signed_at"):
                    continue  # set by the server at submission
                compared += 1
                if leaf != dig(intake.document, path):
                    wrong_fields += 1
        codes = set(intake.flags.filter(is_current=True).values_list("code", flat=True))
        if not codes or (urgent and "suicide_risk" not in codes):
            no_flags += 1
        if not intake.results.exists():
            half_saved += 1
    urgent_submitted_or_saved = Intake.objects.filter(safety_alerted_at__isnull=False).count()
    alerts = SafetyAlert.objects.count()
    alert_mail = [m for m in Sink.messages if m["subject"].startswith("Urgent safety")]
    alert_ids = collections.Counter(m["id"] for m in alert_mail)
    reminder_mail = [m for m in Sink.messages if (m["id"] or "").startswith("<reminder.")]
    reminder_ids = collections.Counter(m["id"] for m in reminder_mail)
    unsent_reminders = Reminder.objects.filter(sent_at__isnull=True).count()
    unsent_alerts = SafetyAlert.objects.filter(sent_at__isnull=True).count()

    saves = collections.defaultdict(list)
    for _t, step, kind, status, seconds in outside:
        if kind in ("autosave", "save", "submit") and status in (200, 302):
            saves[(step, kind)].append(seconds)

    report = {
        "run_seconds": round(run_seconds, 1),
        "patients_concurrent": args.patients,
        "requests": len(records),
        "requests_outside_outage_5xx": len(bad_outside),
        "status_counts_5xx_or_refused": dict(five_xx),
        "status_by_kind": {
            f"{kind} {status}": count
            for (kind, status), count in sorted(
                collections.Counter((r[2], r[3]) for r in records).items()
            )
        },
        "step_saves_all_p50_p95": [
            round(percentile([x for (_s, k), v in saves.items() if k != "submit" for x in v], q), 3)
            for q in (50, 95)
        ],
        "outage": {
            "seconds": 0 if args.no_faults else round(outage_end - outage_start, 1),
            "requests_in_window": len(in_outage),
            "answers": dict(bad_in_outage),
            "first_success_after_restart_s": round(first_ok_after, 2) if first_ok_after else None,
        },
        "intakes_submitted": len(submitted),
        "stored_twice": stored_twice,
        "missing": missing,
        "without_expected_flags": no_flags,
        "submitted_without_screening_result": half_saved,
        "fields_compared": compared,
        "fields_wrong": wrong_fields,
        "worker": {"sigkills_at_s": [round(k, 1) for k in kills], "starts": worker_starts},
        "safety_alerts": {
            "intakes_alerted": urgent_submitted_or_saved,
            "alert_rows": alerts,
            "unsent": unsent_alerts,
            "emails_received": len(alert_mail),
            "distinct_message_ids": len(alert_ids),
            "message_ids_received_twice": sum(1 for c in alert_ids.values() if c > 1),
        },
        "reminders": {
            "queued": 150,
            "unsent": unsent_reminders,
            "emails_received": len(reminder_mail),
            "distinct": len(reminder_ids),
            "received_twice": sum(1 for c in reminder_ids.values() if c > 1),
        },
        "save_seconds_p50_p95": {
            f"{step}/{kind}": [round(percentile(v, 50), 3), round(percentile(v, 95), 3), len(v)]
            for (step, kind), v in sorted(saves.items())
        },
    }
    print(json.dumps(report, indent=2))
    (WORK / "report.json").write_text(json.dumps(report, indent=2))
    cluster_down()
    failures = [
        name
        for name, bad in [
            ("no intake submitted", not submitted),
            ("requests refused (4xx)", sum(1 for r in records if 400 <= r[3] < 500)),
            ("5xx outside the outage", report["requests_outside_outage_5xx"]),
            ("non-503 errors in the outage", sum(c for s, c in bad_in_outage.items() if s != 503)),
            ("intake stored twice", stored_twice),
            ("submitted intake missing", missing),
            ("flags missing", no_flags),
            ("half-saved", half_saved),
            ("typed answers lost", wrong_fields),
            ("safety alert unsent", unsent_alerts),
            (
                "safety alert emailed twice (same Message-ID)",
                report["safety_alerts"]["message_ids_received_twice"],
            ),
            ("reminder unsent", unsent_reminders),
        ]
        if bad
    ]
    print("FAILED: " + "; ".join(failures) if failures else "All checks passed.")
    return 1 if failures else 0


def flatten(value, path):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from flatten(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from flatten(child, f"{path}[{i}]")
        if not value:
            yield path, value
    else:
        yield path, value


def dig(document, path):
    import re

    node = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return node


if __name__ == "__main__":
    sys.exit(main())
