"""The tests on the production password hashers (Argon2 first; older hashes
upgraded at login): the rest of the suite hashes with a fast one
(tests/conftest.py, `_fast_password_hasher`)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.test import override_settings

from clinic.accounts.models import User
from tests.factories.accounts import PASSWORD, PatientFactory, UserFactory

FAST = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.mark.django_db
def test_passwords_are_stored_with_the_production_hasher_and_log_in(client):
    production = [path for path in settings.PASSWORD_HASHERS if path != FAST]
    assert production and settings.PASSWORD_HASHERS[0] == FAST  # the suite's fast one
    with override_settings(PASSWORD_HASHERS=production):
        user = UserFactory(email="real.hash@example.org")
        user.set_password("a-long-real-password-7")
        user.save()
        stored = identify_hasher(user.password)
        assert stored.algorithm == get_hasher("default").algorithm != "md5"
        assert user.check_password("a-long-real-password-7")
        response = client.post(
            "/accounts/login/",
            {"login": "real.hash@example.org", "password": "a-long-real-password-7"},
        )
        assert response.status_code == 302
        assert client.session.get("_auth_user_id") == str(user.pk)


def login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.django_db
def test_argon2_is_the_production_hasher_and_old_hashes_are_upgraded_at_login(client):
    """The one test on the real hashers (the suite puts a fast one first)."""
    from clinic import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        patient = PatientFactory(with_login=True)
        User.objects.filter(pk=patient.user.pk).update(
            password=make_password(PASSWORD, hasher="pbkdf2_sha256")
        )
        assert User.objects.get(pk=patient.user.pk).password.startswith("pbkdf2_sha256$")
        assert login(client, patient.user.email)["Location"] == "/"
        upgraded = User.objects.get(pk=patient.user.pk).password
        # Django's recommended Argon2id parameters (memory 100 MiB, 2 passes, 8 lanes).
        assert upgraded.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
        assert User.objects.get(pk=patient.user.pk).check_password(PASSWORD)
