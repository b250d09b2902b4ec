"""Logging in: one throttle shared across processes, a second factor required
of staff, idle sessions, Argon2 password hashes."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.factories.accounts import PASSWORD, PatientFactory, StaffFactory, totp

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def refused(response) -> bool:
    return response.status_code == 200 and "Too many failed login attempts" in (
        response.content.decode()
    )


# -- the throttle ----------------------------------------------------------------


def test_five_wrong_passwords_then_the_right_one_is_refused(client):
    patient = PatientFactory(with_login=True)
    for _ in range(5):
        assert login(client, patient.user.email, "wrong-password").status_code == 200
    assert refused(login(client, patient.user.email))
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_and_address_and_cools_off(client):
    """An attacker elsewhere does not lock the clinician out, and a lock ends
    by itself after 15 minutes."""
    clinician = StaffFactory(role="clinician")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        login(attacker, clinician.email, "wrong-password")
    assert refused(login(attacker, clinician.email))
    at_the_clinic = Client(REMOTE_ADDR="198.51.100.20")
    assert login(at_the_clinic, clinician.email)["Location"] == "/accounts/2fa/authenticate/"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert login(attacker, clinician.email).status_code == 302


def test_an_address_a_client_makes_up_does_not_escape_the_lock():
    """Behind the proxy the address is the entry the proxy appended."""
    patient = PatientFactory(with_login=True)
    for n in range(5):
        forged = Client(HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.9")
        login(forged, patient.user.email, "wrong-password")
    again = Client(HTTP_X_FORWARDED_FOR="10.9.9.77, 203.0.113.9")
    assert refused(login(again, patient.user.email))
    elsewhere = Client(HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert login(elsewhere, patient.user.email).status_code == 302


def test_wrong_passwords_spread_over_addresses_hit_the_account_limit(client):
    patient = PatientFactory(with_login=True)
    for n in range(30):
        login(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), patient.user.email, "wrong-password")
    assert refused(login(Client(REMOTE_ADDR="192.0.2.200"), patient.user.email))


def test_many_patients_behind_one_address_can_all_log_in():
    """A burst of 40 good logins from one address (a waiting room's shared
    Wi-Fi) is not refused: allauth's default would refuse after 30."""
    patients = PatientFactory.create_batch(40, with_login=True)
    answers = [login(Client(), p.user.email).status_code for p in patients]
    assert answers == [302] * 40


def test_the_throttle_uses_the_shared_database_cache():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_throttle_holds_across_processes():
    """Five wrong passwords in another process (its own cache client and
    database connection), then the right one here is refused."""
    patient = PatientFactory(with_login=True)
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}"
        f":{database['PORT'] or 5432}/{database['NAME']}"
    )
    script = textwrap.dedent(
        f"""
        import django
        django.setup()
        from django.test import Client
        client = Client()
        for _ in range(5):
            response = client.post(
                "/accounts/login/", {{"login": {patient.user.email!r}, "password": "wrong"}}
            )
            assert response.status_code == 200, response.status_code
        print("done")
        """
    )
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "clinic.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert refused(login(Client(), patient.user.email))


# -- a second factor for staff ----------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "scheduler", "admin"])
def test_staff_without_a_second_factor_are_sent_to_enrolment_from_every_page(client, role):
    user = StaffFactory(role=role, mfa=False)
    client.force_login(user)
    for url in ["/", "/review/", "/schedule/", "/admin/", "/invitations/new/", "/review/1/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/2fa/", url
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert "need two-factor authentication" in page.content.decode()
    assert client.get("/healthz").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_enrolling_totp_with_recovery_codes_opens_the_pages(client):
    clinician = StaffFactory(role="clinician", mfa=False)
    client.force_login(clinician)
    assert client.get("/review/")["Location"] == "/accounts/2fa/"
    # allauth asks for the password again before a second factor is added.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith(
        "/accounts/reauthenticate/"
    )
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp(secret)})
    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    kinds = set(Authenticator.objects.filter(user=clinician).values_list("type", flat=True))
    assert kinds == {"totp", "recovery_codes"}
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    assert client.get("/review/").status_code == 200


def test_removing_the_second_factor_sends_staff_back_to_enrolment(client, clinician):
    client.force_login(clinician)
    assert client.get("/review/").status_code == 200
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.post("/accounts/2fa/totp/deactivate/", {})
    assert not Authenticator.objects.filter(user=clinician, type="totp").exists()
    assert client.get("/review/")["Location"] == "/accounts/2fa/"


def test_patients_are_not_asked_for_a_second_factor(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/me/").status_code == 200


def test_passkeys_are_offered_as_a_second_option(client):
    client.force_login(StaffFactory(role="clinician", mfa=False))
    page = client.get("/accounts/2fa/").content.decode()
    assert "/accounts/2fa/webauthn/add/" in page
    assert "/accounts/2fa/totp/activate/" in page


def test_a_session_from_before_the_rule_is_checked_once(client):
    clinician = StaffFactory(role="clinician", mfa=False)
    client.force_login(clinician)
    session = client.session
    del session["clinic.mfa"]
    session.save()
    assert client.get("/review/")["Location"] == "/accounts/2fa/"


# -- idle sessions -----------------------------------------------------------------


def test_sessions_are_idle_timeouts_by_role(client, clinician, patient_user):
    client.force_login(clinician)
    assert client.session.get_expiry_age() == settings.SESSION_STAFF_IDLE_SECONDS == 30 * 60
    client.force_login(patient_user)
    assert client.session.get_expiry_age() == settings.SESSION_PATIENT_IDLE_SECONDS == 60 * 60


def test_activity_keeps_a_session_and_idleness_ends_it(client, clinician):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(clinician)
    # Active every 20 minutes for an hour: still logged in (a fixed 30-minute
    # session would have ended).
    for minutes in (20, 40, 60):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            assert client.get("/review/").status_code == 200, minutes
    with time_machine.travel(start + datetime.timedelta(minutes=60 + 31), tick=False):
        assert client.get("/review/")["Location"].startswith("/accounts/login/")


def test_stay_logged_in_restarts_the_clock(client, patient_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(patient_user)
    with time_machine.travel(start + datetime.timedelta(minutes=50), tick=False):
        response = client.post("/session/keepalive/")
        assert response.json() == {"idle_seconds": 3600}
    with time_machine.travel(start + datetime.timedelta(minutes=100), tick=False):
        assert client.get("/me/").status_code == 200
    assert client.get("/session/keepalive/").status_code == 405


def test_pages_carry_the_idle_warning_without_inline_script(client, patient_user):
    client.force_login(patient_user)
    page = client.get("/me/").content.decode()
    assert 'id="session-timeout"' in page
    assert 'data-idle-seconds="3600"' in page
    assert 'data-warning-seconds="120"' in page
    assert "js/session-timeout.js" in page
    assert "<script>" not in page
    assert (ROOT / "static/js/session-timeout.js").exists()
    anonymous = Client().get("/accounts/login/").content.decode()
    assert "session-timeout" not in anonymous


def test_idle_lengths_come_from_the_environment():
    script = (
        "import clinic.settings as s;"
        "print(s.SESSION_STAFF_IDLE_SECONDS, s.SESSION_PATIENT_IDLE_SECONDS)"
    )
    environment = {
        **os.environ,
        "DJANGO_SESSION_STAFF_IDLE_SECONDS": "900",
        "DJANGO_SESSION_PATIENT_IDLE_SECONDS": "1800",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.stdout.split() == ["900", "1800"], result.stderr
    example = (ROOT / ".env.example").read_text()
    assert "DJANGO_SESSION_STAFF_IDLE_SECONDS=1800" in example
    assert "DJANGO_SESSION_PATIENT_IDLE_SECONDS=3600" in example


def test_demo_staff_log_in_with_the_printed_second_factor(client):
    """`make run`'s demo: staff are pre-enrolled, so their logins still work."""
    from clinic.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_people

    logins = {login.email: login for login in seed_people()}
    scheduler = logins["scheduler@example.org"]
    assert len(scheduler.recovery_codes) == 10
    step = login(client, scheduler.email, DEMO_PASSWORD)
    assert step["Location"] == "/accounts/2fa/authenticate/"
    done = client.post("/accounts/2fa/authenticate/", {"code": totp(DEMO_TOTP_SECRET)})
    assert done.status_code == 302
    assert client.get("/schedule/").status_code == 200
    # A recovery code works once, in place of the app's code.
    client.post("/accounts/logout/")
    login(client, scheduler.email, DEMO_PASSWORD)
    client.post("/accounts/2fa/authenticate/", {"code": scheduler.recovery_codes[0]})
    assert client.get("/schedule/").status_code == 200
    # Seeding again changes nothing.
    again = {login.email: login for login in seed_people()}
    assert again["scheduler@example.org"].recovery_codes == scheduler.recovery_codes[1:]
