"""Accounts: email login rules, password reset and email verification by email."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, connection, transaction

from clinic.accounts.models import User
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_whatever_its_case():
    User.objects.create_user("Ada@Example.org", "x-password-1")
    assert User.objects.get(email="ada@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ADA@example.ORG")


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="reset.me@example.org")
    response = client.post("/accounts/password/reset/", {"email": "reset.me@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["reset.me@example.org"]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    page = client.get(link.group(1), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    new_password = "a-brand-new-passphrase-7"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_unverified_email_gets_a_verification_email_instead_of_a_session(client):
    user = User.objects.create_user("new.clinician@example.org", PASSWORD)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "/accounts/confirm-email/" in response["Location"]
    assert len(mail.outbox) == 1
    assert "confirm" in mail.outbox[0].subject.lower()
    assert EmailAddress.objects.get(user=user).verified is False
    assert "_auth_user_id" not in client.session


def test_sign_up_is_closed(client):
    response = client.get("/accounts/signup/")
    assert "Sign Up Closed" in response.content.decode()
    client.post(
        "/accounts/signup/",
        {"email": "walk.in@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(email="walk.in@example.org").exists()


@pytest.mark.postgres
def test_tests_run_on_postgresql_with_the_case_insensitive_email_index():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'user_email_ci_unique'")
        (definition,) = cursor.fetchone()
    assert "lower((email)::text)" in definition
