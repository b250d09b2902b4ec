"""The one test on the production password hasher: the rest of the suite
hashes with a fast one (tests/conftest.py, `_fast_password_hasher`)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.test import override_settings

from tests.factories.accounts import UserFactory

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
