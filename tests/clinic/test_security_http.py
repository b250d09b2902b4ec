"""HTTP hardening: production defaults pass Django's deploy check, responses
are not cacheable, secret tokens stay out of the logs, the urgent badge."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from clinic.log_filters import REDACTED, redact
from screening.review.selectors import urgent_unopened_count
from tests.factories.review import case
from tests.factories.scheduling import CalendarFeedFactory

ROOT = Path(__file__).resolve().parents[2]


def _clean_environment(**values: str) -> dict[str, str]:
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CLINIC_", "EMAIL_", "WHITENOISE"))
    }
    return {**kept, **values}


def test_the_deploy_check_passes_on_production_defaults():
    """Only a long random secret key and the host name set: HTTPS redirect,
    HSTS (a year, subdomains, preload) and secure cookies are the defaults."""
    environment = _clean_environment(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60), DJANGO_ALLOWED_HOSTS="clinic.example.org"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import clinic.settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
            " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE,"
            " s.CSRF_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.split() == ["True", "31536000", "True", "True", "True", "True"]


@pytest.mark.django_db
def test_pages_outside_the_project_urls_are_not_cacheable_either(client, clinic_admin):
    for url in ["/accounts/login/", "/accounts/password/reset/", "/nope/", "/admin/login/"]:
        assert "no-store" in client.get(url)["Cache-Control"], url
    client.force_login(clinic_admin)
    for url in ["/admin/", "/admin/accounts/patient/", "/accounts/2fa/", "/i18n/setlang/"]:
        assert "no-store" in client.get(url)["Cache-Control"], url


@pytest.mark.django_db
def test_public_static_files_keep_their_cache_lifetime(client):
    response = Client().get("/static/js/site.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# -- secret tokens in logs ---------------------------------------------------------


@pytest.mark.django_db
def test_the_filter_redacts_every_kind_of_secret_link():
    feed = CalendarFeedFactory()
    lines = {
        f'"GET /calendar/{feed.token}.ics HTTP/1.1" 200 512': "/calendar/[redacted].ics",
        '"GET /check-in/AbC_123-xyz/?x=1 HTTP/1.1" 200': "/check-in/[redacted]/?x=1",
        "Not Found: /invitations/accept/eyJpIjo:1v:abc/": "/invitations/accept/[redacted]/",
        "POST /invitations/resend/eyJpIjo:1v:abc/ 429": "/invitations/resend/[redacted]/",
        "GET /accounts/password/reset/key/3-abc-def123/": "/accounts/password/reset/key/",
        "GET /es/calendar/tok.ics": "/calendar/[redacted].ics",
    }
    for line, kept in lines.items():
        cleaned = redact(line)
        assert kept in cleaned, (line, cleaned)
        assert REDACTED in cleaned
    assert feed.token not in redact(f"/calendar/{feed.token}.ics")
    assert redact("GET /review/12/ HTTP/1.1") == "GET /review/12/ HTTP/1.1"


@pytest.mark.django_db
@pytest.mark.parametrize("logger_name", ["django.request", "django.server"])
def test_djangos_request_and_server_logs_carry_no_tokens(logger_name):
    """A request line as Django writes it, through the logger's configured
    filters and handlers' filters."""
    feed = CalendarFeedFactory()
    logger = logging.getLogger(logger_name)
    record = logger.makeRecord(
        logger_name,
        logging.WARNING,
        __file__,
        1,
        '"%s %s %s" %s',
        ("GET", f"/calendar/{feed.token}.ics", "HTTP/1.1", 404),
        None,
    )
    for stage in [logger, *logger.handlers]:
        stage.filter(record)
    assert record.getMessage() == '"GET /calendar/[redacted].ics HTTP/1.1" 404'


@pytest.mark.django_db
def test_a_real_not_found_is_logged_without_its_token(client, patient_user, caplog):
    client.force_login(patient_user)
    caplog.set_level(logging.WARNING, logger="django.request")
    assert client.get("/check-in/secret-token-in-path/").status_code == 404
    assert "Not Found: /check-in/[redacted]/" in caplog.text
    assert "secret-token-in-path" not in caplog.text


def test_the_gunicorn_config_redacts_its_access_log():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102
    assert namespace["worker_class"] == "gthread"
    assert namespace["threads"] >= 2
    access = namespace["logconfig_dict"]["loggers"]["gunicorn.access"]
    assert access["handlers"] == ["access"]
    handler = namespace["logconfig_dict"]["handlers"]["access"]
    assert "redact_tokens" in handler["filters"]


# -- the urgent badge ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_schedulers_view_leaves_the_urgent_badge_on(client, scheduler, clinician):
    urgent = case("urgent")
    assert urgent_unopened_count() == 1
    client.force_login(scheduler)
    assert client.get(f"/review/{urgent.pk}/").status_code == 200
    assert urgent_unopened_count() == 1
    client.force_login(clinician)
    page = client.get("/review/").content.decode()
    assert "1 urgent" in page or ">1<" in page
    assert client.get(f"/review/{urgent.pk}/").status_code == 200
    assert urgent_unopened_count() == 0


def test_a_real_gunicorn_logs_request_lines_without_tokens(tmp_path):
    """gunicorn started with the project's gunicorn.conf.py (gthread workers):
    its access log and Django's error log show [redacted] for the token."""
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = _clean_environment(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clinic.wsgi"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # it answers (503: the scratch database has no tables)
            except OSError:
                time.sleep(0.2)
        for path in ["/calendar/SECRET-FEED-TOKEN.ics", "/check-in/SECRET-CHECKIN/"]:
            # A 404 or 500 is logged all the same.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30)  # noqa: S310
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    text = (tmp_path / "gunicorn.log").read_text()
    assert '"GET /calendar/[redacted].ics HTTP/1.1"' in text, text[-3000:]
    assert '"GET /check-in/[redacted]/ HTTP/1.1"' in text
    assert "SECRET-FEED-TOKEN" not in text and "SECRET-CHECKIN" not in text
    assert "gthread" in text
