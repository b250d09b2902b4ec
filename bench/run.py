"""The benchmark: every page and job at two sizes, side by side, each page's
time as a ratio to a floor view measured in the same run.

    python bench/run.py                 # build both datasets if missing, measure, write RESULTS.md
    python bench/run.py --rebuild       # build both datasets again first
    python bench/run.py --compare       # measure, compare with bench/results.json,
                                        # exit 1 on a regression
    python bench/run.py --sizes small   # one size only (small: 1,000 intakes; big: 120,000)

Databases: BENCH_SMALL_URL and BENCH_BIG_URL (defaults: clinic_w16_small and
clinic_w16_big on 127.0.0.1, user clinic). Each size is measured in a child
process with DATABASE_URL set to its database. Server time through Django's
test client (the whole request: middleware, view, queries, template), p50
and p95 over --runs requests (default 20) after 2 warm-up requests, with the
number of SQL queries of the last request. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

SIZES = {"small": 1_000, "big": 120_000}
# The days each size's intakes and appointments span. The network's 120,000
# intakes took 3 years; the 1,000 are a clinic's first 3 months. So that both
# have a working queue (the cases of the last 30 days are open) and their pages
# show full pages of rows: the growth between the sizes is then the tables'
# history, not a page of 10 rows against one of 50.
SPANS = {"small": 90, "big": 3 * 365}
URLS = {
    "small": os.environ.get(
        "BENCH_SMALL_URL", "postgres://clinic:clinic@127.0.0.1:5432/clinic_w16_small"
    ),
    "big": os.environ.get(
        "BENCH_BIG_URL", "postgres://clinic:clinic@127.0.0.1:5432/clinic_w16_big"
    ),
}
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
# A page regresses when its ratio to the floor grows past this factor.
COMPARE_FACTOR = 1.5
# Pages that other issues add; measured when their URL exists.
OPTIONAL = {"sessions", "rems_due", "prior_auth", "outcomes"}
# --only: measure the pages whose names contain one of these words (child).
ONLY = os.environ.get("BENCH_ONLY", "")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# -- child: one size ------------------------------------------------------------


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
    # The test client speaks plain HTTP: without this every page would be
    # measured as its redirect to HTTPS.
    os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    # Logins in the bench are force_login; a fast hasher for the bench accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _ensure_dataset(size: str, rebuild: bool, log) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('screening_intake') IS NOT NULL")
        has_tables = cursor.fetchone()[0]
        count = 0
        if has_tables:
            cursor.execute("SELECT count(*) FROM screening_intake WHERE status = 'submitted'")
            count = cursor.fetchone()[0]
    if rebuild or count != SIZES[size]:
        from build import build

        log(f"building the {size} dataset ({SIZES[size]} intakes)")
        return build(SIZES[size], SPANS[size], log=log)
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    # A previous run's jobs leave dead rows (the rescreens' retired flags,
    # the import's deleted rows) and the trigram indexes' pending entries:
    # vacuumed first, as autovacuum would have done by then in a clinic.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {}


def _sizes() -> dict:
    from clinic.accounts.models import Patient
    from clinic.scheduling.models import Appointment, Reminder
    from screening.models import Flag, Intake

    return {
        "patients": Patient.objects.count(),
        "intakes": Intake.objects.filter(status="submitted").count(),
        "current flags": Flag.objects.filter(is_current=True).count(),
        "appointments": Appointment.objects.count(),
        "reminders": Reminder.objects.count(),
    }


def _users():
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from clinic.accounts.models import User

    users = {
        "clinician": User.objects.get(email="clinician0@bench.example.org"),
        "scheduler": User.objects.get(email="scheduler@bench.example.org"),
        "admin": User.objects.get(email="admin@bench.example.org"),
        "patient": User.objects.get(email="patient@bench.example.org"),
    }
    # Staff without a second factor are sent to enrol it from every page
    # (StaffMFARequiredMiddleware): the bench's staff are enrolled, so that
    # each page is measured, not its redirect.
    for role in ("clinician", "scheduler", "admin"):
        user = users[role]
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
    return users


def _url_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def _prior_auth_path(case_pk: int) -> str:
    """The prior-auth checklist of the case for the first payer policy (issue
    14), or a path that does not resolve where that has not landed."""
    try:
        from screening.coverage.models import PayerPolicy
    except ImportError:
        return "/no-prior-auth/"
    policy = PayerPolicy.objects.order_by("pk").first()
    return f"/review/{case_pk}/prior-auth/{policy.pk}/" if policy else "/no-prior-auth/"


def _pages(users) -> list[dict]:
    """(name, who, method, path, params, data): every page measured."""
    from django.utils import timezone

    from clinic.accounts.models import Patient
    from clinic.scheduling.models import Appointment, Room
    from screening.models import Flag, Intake

    intake = (
        Intake.objects.filter(status="submitted", review_status="awaiting_review")
        .order_by("-highest_severity_rank", "submitted_at", "pk")
        .only("pk")
        .first()
    )
    case_pk = intake.pk if intake else 1
    clinician = users["clinician"]
    room = Room.objects.order_by("pk").first()
    common_flag = (
        Flag.objects.filter(is_current=True, code="uncontrolled_hypertension").only("pk").first()
    )
    flag_code = common_flag.code if common_flag else "trd_likely"
    patient = Patient.objects.order_by("pk").only("family_name", "given_name", "email").first()
    name_word = patient.family_name[:5].lower()
    total = Intake.objects.filter(status="submitted").count()
    last_page = max(1, (total + 49) // 50)

    # The admin lists' last pages (100 rows a page).
    def admin_last(count: int) -> str:
        return str(max(1, (count + 99) // 100))

    past = Appointment.objects.filter(end__lt=timezone.now()).count()
    first_name = patient.given_name.lower()  # one of 10 given names: 10% of patients
    today = datetime.date.today()
    pages = [
        ("floor (one-row authenticated view)", "clinician", "/schedule/types.css", {}),
        ("review queue, default", "clinician", "/review/", {}),
        ("review queue, severity urgent", "clinician", "/review/", {"severity": "urgent"}),
        ("review queue, severity high", "clinician", "/review/", {"severity": "high"}),
        ("review queue, flag", "clinician", "/review/", {"flag": flag_code}),
        ("review queue, treatment TMS", "clinician", "/review/", {"modality": "tms"}),
        (
            "review queue, treatment IV ketamine",
            "clinician",
            "/review/",
            {"modality": "iv_ketamine"},
        ),
        (
            "review queue, treatment esketamine",
            "clinician",
            "/review/",
            {"modality": "esketamine"},
        ),
        ("review queue, treatment ECT", "clinician", "/review/", {"modality": "ect"}),
        ("review queue, assigned to me", "clinician", "/review/", {"assigned": "me"}),
        ("review queue, assigned to nobody", "clinician", "/review/", {"assigned": "nobody"}),
        (
            "review queue, more info requested",
            "clinician",
            "/review/",
            {"status": "more_info_requested"},
        ),
        ("review queue, consult booked", "clinician", "/review/", {"status": "consult_booked"}),
        ("review queue, closed", "clinician", "/review/", {"status": "closed"}),
        ("review queue, all statuses", "clinician", "/review/", {"status": "all"}),
        (
            "review queue, all statuses, last page",
            "clinician",
            "/review/",
            {"status": "all", "page": str(last_page)},
        ),
        (
            "review queue, search by name",
            "clinician",
            "/review/",
            {"q": name_word, "status": "all"},
        ),
        (
            "review queue, search by a common first name",
            "clinician",
            "/review/",
            {"q": first_name, "status": "all"},
        ),
        (
            "review queue, search by email",
            "clinician",
            "/review/",
            {"q": patient.email, "status": "all"},
        ),
        (
            "review queue, search by date of birth",
            "clinician",
            "/review/",
            {"q": "1975-07-02", "status": "all"},
        ),
        ("case page", "clinician", f"/review/{case_pk}/", {}),
        ("case summary", "clinician", f"/review/{case_pk}/summary/", {}),
        ("consults to book", "scheduler", "/review/to-book/", {}),
        ("schedule day, all clinicians", "scheduler", "/schedule/", {"date": today.isoformat()}),
        (
            "schedule day, all rooms",
            "scheduler",
            "/schedule/",
            {"by": "room", "date": today.isoformat()},
        ),
        (
            "schedule day, one clinician",
            "scheduler",
            "/schedule/",
            {"id": str(clinician.pk), "date": today.isoformat()},
        ),
        (
            "schedule week, clinician",
            "scheduler",
            "/schedule/",
            {"view": "week", "id": str(clinician.pk), "date": today.isoformat()},
        ),
        (
            "schedule week, room",
            "scheduler",
            "/schedule/",
            {"view": "week", "by": "room", "id": str(room.pk), "date": today.isoformat()},
        ),
        (
            "free-slot finder, infusion with room",
            "scheduler",
            "/schedule/slots/",
            {
                "appointment_type": "iv-ketamine-infusion",
                "clinician": str(clinician.pk),
                "room": str(room.pk),
            },
        ),
        (
            "free-slot finder, consult",
            "scheduler",
            "/schedule/slots/",
            {"appointment_type": "consult", "clinician": str(clinician.pk)},
        ),
        ("patient's appointments", "patient", "/appointments/", {}),
        ("admin appointments", "admin", "/admin/scheduling/appointment/", {}),
        ("admin appointments, search", "admin", "/admin/scheduling/appointment/", {"q": name_word}),
        (
            "admin appointments, status filter",
            "admin",
            "/admin/scheduling/appointment/",
            {"status__exact": "booked"},
        ),
        (
            "admin appointments, clinician filter",
            "admin",
            "/admin/scheduling/appointment/",
            {"clinician__id__exact": str(clinician.pk)},
        ),
        (
            "admin appointments, this month",
            "admin",
            "/admin/scheduling/appointment/",
            {"start__year": str(today.year), "start__month": str(today.month)},
        ),
        (
            "admin appointments, past, last page",
            "admin",
            "/admin/scheduling/appointment/",
            {"when": "past", "p": admin_last(past)},
        ),
        ("admin patients", "admin", "/admin/accounts/patient/", {}),
        (
            "admin patients, last page",
            "admin",
            "/admin/accounts/patient/",
            {"p": admin_last(Patient.objects.count())},
        ),
        ("admin patients, search", "admin", "/admin/accounts/patient/", {"q": name_word}),
        (
            "admin patients, search by email",
            "admin",
            "/admin/accounts/patient/",
            {"q": patient.email},
        ),
        (
            "admin patients, language filter",
            "admin",
            "/admin/accounts/patient/",
            {"preferred_language__exact": "es"},
        ),
        ("admin intakes", "admin", "/admin/screening/intake/", {}),
        (
            "admin intakes, last page",
            "admin",
            "/admin/screening/intake/",
            {"p": admin_last(Intake.objects.count())},
        ),
        (
            "admin intakes, search by a common first name",
            "admin",
            "/admin/screening/intake/",
            {"q": first_name},
        ),
        ("admin intakes, search", "admin", "/admin/screening/intake/", {"q": name_word}),
        (
            "admin intakes, review status filter",
            "admin",
            "/admin/screening/intake/",
            {"review_status__exact": "awaiting_review"},
        ),
        # Pages of other issues: measured where present.
        ("prior-auth checklist", "clinician", _prior_auth_path(case_pk), {}),
        ("today's sessions", "clinician", "/sessions/", {}),
        ("REMS due", "clinician", "/sessions/rems-due/", {}),
        ("outcomes", "clinician", "/outcomes/", {}),
        ("outcomes, all time", "clinician", "/outcomes/", {"period": "all"}),
    ]
    return [{"name": n, "who": w, "path": p, "params": q} for n, w, p, q in pages]


def _step_save_setup(users):
    """A patient with a draft intake and the POST that saves its first step."""
    from django.test import Client

    from tests.factories.accounts import PatientFactory
    from tests.factories.intake import LIKELY_TRD, document_for, step_post

    patient = PatientFactory(with_login=True, email=f"step-save-{time.time_ns()}@bench.example.org")
    client = Client()
    client.force_login(patient.user)
    client.get("/intake/")
    document = document_for(patient, LIKELY_TRD)
    return client, step_post("about", document, patient, action="stay")


def _measure(client, method, path, params, runs, extra=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    status = 0
    for i in range(runs + 2):
        # The captured queries accumulate in a log of at most 9,000 across
        # requests: emptied before each, so every page's count is its own.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            if method == "GET":
                response = client.get(path, params)
            else:
                response = client.post(path, params, **(extra or {}))
            elapsed = (time.perf_counter() - start) * 1000
        status = response.status_code
        if i >= 2:
            times.append(elapsed)
        queries = len(captured)
    return {
        "p50": round(statistics.median(times), 1),
        "p95": round(percentile(times, 0.95), 1),
        "queries": queries,
        "status": status,
        # What the page shows: a page of 10 rows against one of 50 is not
        # the same page (see "growth" in RESULTS.md).
        "kb": round(len(response.content) / 1024, 1),
    }


def _line(name: str, row: dict) -> str:
    return (
        f"  {name:<44} {row['p50']:8.1f} {row['p95']:8.1f} ms {row['queries']:3} q  {row['status']}"
    )


def measure_pages(runs: int, log) -> dict:
    from django.test import Client

    users = _users()
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    results = {}
    only = [w.strip().lower() for w in (ONLY or "").split(",") if w.strip()]
    for page in _pages(users):
        if only and not any(w in page["name"].lower() for w in only):
            continue
        if not _url_exists(page["path"]):
            results[page["name"]] = {"absent": True}
            log(f"  {page['name']:<44} page not present")
            continue
        row = _measure(clients[page["who"]], "GET", page["path"], page["params"], runs)
        results[page["name"]] = row
        log(_line(page["name"], row) + ("" if row["status"] == 200 else "  NOT 200"))
    if only and not any(w in "intake step save" for w in only):
        return results
    client, post = _step_save_setup(users)
    row = _measure(
        client, "POST", "/intake/step/about/", post, runs, {"HTTP_X_INTAKE_AUTOSAVE": "1"}
    )
    results["intake step save"] = row
    log(_line("intake step save", row))
    return results


# -- jobs -----------------------------------------------------------------------


# A rescreen in a process of its own, so that its peak memory is its own (the
# bench's process holds what the page measurements read): the main process's
# peak and its largest worker's, and the time inside the process.
_RESCREEN_CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
import django
django.setup()
from screening.services.rescreen import intakes_rescreen
start = time.perf_counter()
report = intakes_rescreen(batch_size=2000, workers=2)
elapsed = time.perf_counter() - start
print(json.dumps({{
    "seconds": elapsed,
    "stored": report.stored,
    "main MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker MB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}}))
"""


def _rescreen_process() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _RESCREEN_CHILD.format(root=str(ROOT))],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rescreen_job(found: dict, total: int) -> dict:
    return {
        "seconds": round(found["seconds"], 1),
        "rate": round(total / found["seconds"]),
        "stored": found["stored"],
        "peak MB": round(found["main MB"] + 2 * found["worker MB"]),
        "main MB": round(found["main MB"]),
        "worker MB": round(found["worker MB"]),
    }


def measure_jobs(size: str, log) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from documents import make_document

    from screening.models import Intake, ScreeningPolicy
    from screening.services.policy import policy_update
    from screening.services.rescreen import intakes_rescreen

    jobs: dict[str, dict] = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench-w16-"))
    # screen_intake end to end on 5,000 documents (a process of its own).
    folder = tmp / "screen"
    folder.mkdir()
    for i in range(5000):
        (folder / f"{i:05}.json").write_text(json.dumps(make_document(i, seed=7)))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "screen_intake", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
        env=os.environ,
    )
    elapsed = time.perf_counter() - start
    jobs["screen_intake (5,000 documents)"] = {
        "seconds": round(elapsed, 2),
        "rate": round(5000 / elapsed),
    }
    log(f"  screen_intake: {5000 / elapsed:.0f} documents/s")

    total = Intake.objects.filter(status="submitted").count()
    # Rescreen with nothing changed, then after a policy change (then back).
    # First, unmeasured, results brought up to the policy in force: the
    # previous run left those of its changed policy.
    intakes_rescreen(batch_size=2000, workers=2)
    jobs["rescreen, nothing changed"] = job = _rescreen_job(_rescreen_process(), total)
    log(f"  rescreen unchanged: {job['seconds']:.1f} s")
    old = ScreeningPolicy.objects.get(pk=1).bp_high_systolic
    policy_update(changes={"bp_high_systolic": old - 5})
    try:
        found = _rescreen_process()
    finally:
        policy_update(changes={"bp_high_systolic": old})
    jobs["rescreen after a policy change"] = job = _rescreen_job(found, total)
    log(f"  rescreen after policy change: {job['seconds']:.1f} s ({job['stored']} stored)")
    # (The results stay those of the changed policy until the next rescreen.)

    # Exports of the 5,000 most recent intakes (--since their first day).
    recent = list(
        Intake.objects.filter(status="submitted")
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)[:5000]
    )
    since = recent[-1].date().isoformat()
    exported = Intake.objects.filter(status="submitted", submitted_at__date__gte=since).count()
    for label, fmt in (("export_intakes JSON", "clinic-intake/1"), ("export_intakes FHIR", "fhir")):
        out = io.StringIO()
        start = time.perf_counter()
        try:
            call_command("export_intakes", "--since", since, "--format", fmt, stdout=out)
        except Exception as exc:  # noqa: BLE001 (a format name that does not exist)
            jobs[label] = {"error": str(exc)[:200]}
            continue
        elapsed = time.perf_counter() - start
        jobs[label] = {
            "seconds": round(elapsed, 2),
            "rate": round(exported / elapsed),
            "intakes": exported,
        }
        log(f"  {label}: {exported / elapsed:.0f} intakes/s")

    # Import of 5,000 new documents, a fifth of them for existing patients
    # (matched by email, given in capitals); what it stored is deleted after.
    from clinic.accounts.models import Patient

    folder = tmp / "import"
    folder.mkdir()
    known = list(
        Patient.objects.order_by("pk").values_list(
            "given_name", "family_name", "email", "date_of_birth"
        )[:1000]
    )
    last_intake = Intake.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_patient = Patient.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for i in range(5000):
        doc = make_document(i, seed=int(time.time()) % 100_000)
        if i % 5 == 0 and known:
            given, family, email, born = known[i // 5 % len(known)]
            doc["patient"].update(
                given_name=given,
                family_name=family,
                email=email.upper(),
                date_of_birth=born.isoformat(),
            )
            doc["consent"]["signed_name"] = f"{given} {family}"
        (folder / f"{i:05}.json").write_text(json.dumps(doc))
    errors = io.StringIO()
    start = time.perf_counter()
    try:
        call_command("import_intakes", str(folder), stdout=io.StringIO(), stderr=errors)
    except SystemExit:
        log("  import_intakes refused some documents: " + errors.getvalue()[:500])
    elapsed = time.perf_counter() - start
    stored = Intake.objects.filter(pk__gt=last_intake).count()
    jobs["import_intakes (5,000 documents)"] = {
        "seconds": round(elapsed, 1),
        "rate": round(5000 / elapsed),
        "stored": stored,
    }
    log(f"  import_intakes: {5000 / elapsed:.0f} documents/s ({stored} stored)")
    Intake.objects.filter(pk__gt=last_intake).delete()
    Patient.objects.filter(pk__gt=last_patient).delete()
    connection.close()
    return jobs


def child(size: str, args) -> int:
    _setup_django()
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    build = _ensure_dataset(size, args.rebuild, log)
    out = {"size": size, "sizes": _sizes(), "build": build}
    log(f"{size}: {out['sizes']}")
    out["pages"] = measure_pages(args.runs, log)
    if not args.no_jobs:
        out["jobs"] = measure_jobs(size, log)
    Path(args.child_out).write_text(json.dumps(out, indent=1, default=str))
    return 0


# -- parent ---------------------------------------------------------------------


def machine() -> dict:
    load = os.getloadavg()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load average at start": [round(x, 1) for x in load],
    }


def ratios(result: dict) -> dict:
    pages = result["pages"]
    floor = pages["floor (one-row authenticated view)"]["p50"] or 1
    return {
        name: round(row["p50"] / floor, 2) for name, row in pages.items() if not row.get("absent")
    }


def write_markdown(results: dict, meta: dict, command: str, notes: str) -> None:
    small, big = results.get("small"), results.get("big")
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{command}`. Machine: {meta['cpus']} cores, Python {meta['python']}, "
        f"{meta['platform']}, PostgreSQL; {meta['date']}; load average at start "
        f"{', '.join(str(x) for x in meta['load average at start'])} ("
        + (
            "a quiet machine"
            if meta["load average at start"][0] < 1.5
            else "other work running on the same cores: absolute times are inflated and noisy"
        )
        + "; the ratio to the floor view measured in the same run is what `--compare` checks).",
        "",
        "Growth is the 120k p50 over the 1k p50. A page's size (KB) says what it shows at each "
        "size: where the 120k page shows more (a full page of rows against a few, a busier "
        "day), its growth is the page's, not the table's.",
        "",
    ]
    if notes:
        lines += [notes, ""]
    for label, r in (("small", small), ("big", big)):
        if r:
            lines.append(
                f"- {label}: "
                + ", ".join(f"{v:,} {k}" for k, v in r["sizes"].items())
                + f", over {SPANS[label]:,} days"
            )
            if r.get("build"):
                t = r["build"]["timings"]
                lines.append(
                    f"  (built in {t['total']:.0f} s: "
                    + ", ".join(f"{k} {v:.0f} s" for k, v in t.items() if k != "total")
                    + ")"
                )
    lines += [
        "",
        "## Pages (server time, ms; p50 / p95 over the runs; queries of one request)",
        "",
        "| page | 1k p50 | 1k p95 | 1k q | 1k KB | 120k p50 | 120k p95 | 120k q | 120k KB "
        "| growth | ratio to floor (120k) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = list((small or big)["pages"].keys())
    big_ratios = ratios(big) if big else {}
    for name in names:
        s = (small or {}).get("pages", {}).get(name, {})
        b = (big or {}).get("pages", {}).get(name, {})
        if s.get("absent") or b.get("absent"):
            lines.append(f"| {name} | page not present | | | | | | | | | |")
            continue
        growth = f"{b['p50'] / s['p50']:.1f}x" if s and b and s["p50"] else ""
        cells = [
            name,
            *(f"{s.get(k, '')}" if s else "" for k in ("p50", "p95", "queries", "kb")),
            *(f"{b.get(k, '')}" if b else "" for k in ("p50", "p95", "queries", "kb")),
            growth,
            f"{big_ratios.get(name, '')}",
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "## Jobs", "", "| job | 1k | 120k |", "|---|---|---|"]
    job_names = list(((small or {}).get("jobs") or (big or {}).get("jobs") or {}).keys())
    for name in job_names:

        def fmt(r, name=name):
            j = (r or {}).get("jobs", {}).get(name)
            if not j:
                return ""
            if "error" in j:
                return j["error"]
            text = f"{j['seconds']} s, {j['rate']:,}/s"
            if "worker MB" in j:
                text += (
                    f", peak {j['peak MB']:.0f} MB (its process {j['main MB']:.0f} MB"
                    f" + 2 workers of at most {j['worker MB']:.0f} MB)"
                )
            elif "peak MB" in j:
                text += f", peak {j['peak MB']:.0f} MB"
            return text

        lines.append(f"| {name} | {fmt(small)} | {fmt(big)} |")
    RESULTS_MD.write_text("\n".join(lines) + "\n" + _history())


def _history() -> str:
    """Keep the hand-written part of RESULTS.md below the marker."""
    marker = "<!-- notes below are kept across runs -->"
    if RESULTS_MD.exists() and marker in RESULTS_MD.read_text():
        return "\n" + marker + RESULTS_MD.read_text().split(marker, 1)[1]
    return "\n" + marker + "\n"


def compare(results: dict) -> int:
    recorded = json.loads(RESULTS_JSON.read_text())
    failures = []
    for size, r in results.items():
        if size not in recorded.get("results", {}):
            continue
        old = ratios(recorded["results"][size])
        new = ratios(r)
        for name, page in r["pages"].items():
            if page.get("status") not in (None, 200):
                failures.append(f"{size}: {name}: answered {page['status']}, not 200")
        for name, ratio in new.items():
            if name in old and old[name] and ratio > COMPARE_FACTOR * old[name]:
                failures.append(f"{size}: {name}: {ratio}x the floor, recorded {old[name]}x")
            print(f"{size:<6} {name:<44} {ratio:7.2f}x (recorded {old.get(name, '-')})")
    for line in failures:
        print("REGRESSION", line)
    print(f"{len(failures)} regressions (a page more than {COMPARE_FACTOR}x its recorded ratio)")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="small,big")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--no-jobs", action="store_true")
    parser.add_argument("--notes", default="")
    parser.add_argument("--child", choices=list(SIZES))
    parser.add_argument("--child-out")
    parser.add_argument(
        "--only",
        default="",
        help="Comma-separated words: measure only the pages whose names contain one, "
        "and merge them (and the jobs, unless --no-jobs) into the recorded results.",
    )
    args = parser.parse_args()
    if args.only:
        os.environ["BENCH_ONLY"] = args.only
    if args.child:
        return child(args.child, args)
    meta = machine()
    results = {}
    for size in args.sizes.split(","):
        out = Path(tempfile.mkstemp(prefix=f"bench-{size}-", suffix=".json")[1])
        command = [
            sys.executable,
            __file__,
            "--child",
            size,
            "--child-out",
            str(out),
            "--runs",
            str(args.runs),
        ]
        command += ["--rebuild"] if args.rebuild else []
        command += ["--no-jobs"] if args.no_jobs else []
        print(f"== {size}: {URLS[size].rsplit('/', 1)[1]}", flush=True)
        subprocess.run(command, check=True, env={**os.environ, "DATABASE_URL": URLS[size]})
        results[size] = json.loads(out.read_text())
    if args.compare:
        return compare(results)
    if args.only:
        # Merge the pages measured into the recorded run; the floor is the
        # recorded one (ratios of the merged pages are against it).
        recorded = json.loads(RESULTS_JSON.read_text())
        for size, r in results.items():
            recorded["results"][size]["pages"].update(r["pages"])
            if r.get("jobs"):
                recorded["results"][size]["jobs"] = r["jobs"]
        meta, results = recorded["meta"], recorded["results"]
    RESULTS_JSON.write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    if args.only:
        command = meta.get("command", "python bench/run.py") + f"`, then `{command}"
    meta["command"] = command
    write_markdown(results, meta, command, args.notes)
    print(f"wrote {RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
