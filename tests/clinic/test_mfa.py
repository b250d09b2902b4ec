"""Two-factor authentication (TOTP) for staff, through allauth's own pages."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from tests.factories.accounts import PASSWORD, StaffFactory, totp

pytestmark = pytest.mark.django_db


def login(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def test_a_clinician_turns_on_totp_and_then_needs_a_code_to_log_in(client):
    clinician = StaffFactory(role="clinician", mfa=False)
    assert login(client, clinician)["Location"] == "/"
    # Turning on 2FA asks for the password again first.
    first = client.get("/accounts/2fa/totp/activate/")
    assert first["Location"].startswith("/accounts/reauthenticate/")
    client.post(first["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=clinician).exists()

    done = client.post("/accounts/2fa/totp/activate/", {"code": totp(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=clinician, type="totp").exists()

    client.post("/accounts/logout/")
    step = login(client, clinician)
    assert step["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/review/").status_code == 302  # still not logged in
    finished = client.post("/accounts/2fa/authenticate/", {"code": totp(secret)})
    assert finished.status_code == 302
    assert client.get("/review/").status_code == 200
