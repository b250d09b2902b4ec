"""Invitations: staff send them, patients accept them once, expired, used and
replaced links say so and offer a new one."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.utils import timezone

from clinic.accounts.invitations import (
    SALT,
    InvitationError,
    invitation_accept,
    invitation_send,
)
from clinic.accounts.models import Invitation, Patient
from tests.factories.accounts import PatientFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-42"
LINK = re.compile(r"http://\S+/invitations/accept/(\S+)/")


def token_from(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def send(patient, by=None, capture=None):
    with capture(execute=True):
        return invitation_send(patient=patient, by=by)


def test_staff_invite_a_new_patient_by_email(client, scheduler, django_capture_on_commit_callbacks):
    client.force_login(scheduler)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/invitations/new/",
            {
                "given_name": "Lucía",
                "family_name": "Fernández",
                "email": "Lucia@Example.org",
                "date_of_birth": "1968-01-09",
                "preferred_language": "es",
            },
            follow=True,
        )
    assert "Invitation sent to Lucía Fernández" in response.content.decode()
    patient = Patient.objects.get(email="lucia@example.org")
    invitation = patient.invitations.get()
    assert invitation.created_by == scheduler and invitation.is_open
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=14)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lucia@example.org"]
    # The link's token is signed with a timestamp: compare what it carries.
    assert signing.loads(token_from(message), salt=SALT) == {
        "i": invitation.pk,
        "n": invitation.nonce,
    }


def test_invitation_email_is_in_the_patients_language(django_capture_on_commit_callbacks):
    patient = PatientFactory(given_name="Lucía", preferred_language="es")
    send(patient, capture=django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert "Hola, Lucía" in message.body
    assert "988" in message.body
    assert message.subject.startswith("Su invitación")


def test_invite_form_keeps_what_was_typed_and_says_what_is_wrong(client, clinician):
    client.force_login(clinician)
    response = client.post(
        "/invitations/new/",
        {
            "given_name": "Ana\x00",
            "family_name": "Ruiz",
            "email": "not-an-email",
            "date_of_birth": "2999-01-01",
            "preferred_language": "en",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Ruiz"' in page and 'value="not-an-email"' in page
    assert "Enter a valid email address." in page
    assert "cannot be in the future" in page
    assert "Null characters are not allowed." in page
    assert not Patient.objects.filter(family_name="Ruiz").exists()


@pytest.mark.parametrize("fixture", ["patient_user"])
def test_patients_cannot_invite(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/invitations/new/").status_code == 403


def test_accepting_creates_a_verified_patient_login_and_lands_on_the_intake(
    client, django_capture_on_commit_callbacks
):
    patient = PatientFactory()
    send(patient, capture=django_capture_on_commit_callbacks)
    token = token_from(mail.outbox[0])
    page = client.get(f"/invitations/accept/{token}/")
    assert page.status_code == 200
    assert f"Welcome, {patient.given_name}" in page.content.decode()

    weak = client.post(
        f"/invitations/accept/{token}/", {"password1": "short", "password2": "short"}
    )
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    patient.refresh_from_db()
    assert patient.user is None

    response = client.post(
        f"/invitations/accept/{token}/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[0][0] == "/intake/"
    assert response.redirect_chain[-1][0] == "/intake/step/about/"
    patient.refresh_from_db()
    user = patient.user
    assert user is not None and user.email == patient.email
    assert user.check_password(NEW_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == ["patient"]
    assert EmailAddress.objects.get(user=user).verified
    assert response.context["user"] == user
    assert Invitation.objects.get(patient=patient).used_at is not None


def test_a_used_link_says_so(client, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    send(patient, capture=django_capture_on_commit_callbacks)
    token = token_from(mail.outbox[0])
    invitation_accept(token=token, password=NEW_PASSWORD)
    response = client.get(f"/invitations/accept/{token}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "already been used" in page
    assert "Send me a new link" not in page  # they have an account: log in instead
    with pytest.raises(InvitationError) as exc:
        invitation_accept(token=token, password=NEW_PASSWORD)
    assert exc.value.reason == "used"


def test_an_expired_link_says_so_and_sends_a_new_one(client, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    with time_machine.travel(timezone.now() - datetime.timedelta(days=15), tick=False):
        send(patient, capture=django_capture_on_commit_callbacks)
    old_token = token_from(mail.outbox[0])
    response = client.get(f"/invitations/accept/{old_token}/")
    assert response.status_code == 410
    assert "has expired" in response.content.decode()
    assert "Send me a new link" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(f"/invitations/resend/{old_token}/")
    assert "We have sent you a new link" in resent.content.decode()
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [patient.email]
    new_token = token_from(mail.outbox[1])
    assert client.get(f"/invitations/accept/{new_token}/").status_code == 200


def test_an_invitation_is_valid_until_its_last_day(client, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    send(patient, capture=django_capture_on_commit_callbacks)
    token = token_from(mail.outbox[0])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=13, hours=23)):
        assert client.get(f"/invitations/accept/{token}/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=14, minutes=1)):
        assert client.get(f"/invitations/accept/{token}/").status_code == 410


def test_resending_invalidates_the_old_link(client, clinician, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    send(patient, capture=django_capture_on_commit_callbacks)
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/invitations/patient/{patient.pk}/send/")
    client.logout()
    old, new = token_from(mail.outbox[0]), token_from(mail.outbox[1])
    response = client.get(f"/invitations/accept/{old}/")
    assert response.status_code == 410
    assert "A newer invitation was sent" in response.content.decode()
    assert client.get(f"/invitations/accept/{new}/").status_code == 200
    assert patient.invitations.filter(revoked_at__isnull=True).count() == 1


def test_a_tampered_link_is_not_valid(client, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    send(patient, capture=django_capture_on_commit_callbacks)
    token = token_from(mail.outbox[0])
    response = client.get(f"/invitations/accept/{token[:-2]}xx/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert "Send me a new link" not in response.content.decode()


def test_a_patient_with_an_account_is_not_invited():
    patient = PatientFactory(with_login=True)
    with pytest.raises(InvitationError):
        invitation_send(patient=patient, by=None)


def test_admin_action_sends_invitations(client, clinic_admin, django_capture_on_commit_callbacks):
    patients = [PatientFactory(), PatientFactory(), PatientFactory(with_login=True)]
    client.force_login(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/patient/",
            {"action": "send_invitation", "_selected_action": [p.pk for p in patients]},
            follow=True,
        )
    page = response.content.decode()
    assert "Invitations sent: 2." in page
    assert patients[2].full_name in page
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in patients[:2])


@pytest.mark.parametrize("rows", [1, 3])
def test_invite_page_queries_do_not_grow_with_rows(
    client, scheduler, rows, django_assert_num_queries
):
    from tests.factories.accounts import InvitationFactory

    InvitationFactory.create_batch(rows)
    client.force_login(scheduler)
    client.get("/invitations/new/")  # warm the session and role caches
    with django_assert_num_queries(QUERIES_ON_INVITE_PAGE):
        response = client.get("/invitations/new/")
    assert response.content.decode().count("Send again") == rows


QUERIES_ON_INVITE_PAGE = 4


def test_a_spanish_speaking_patient_accepts_in_spanish(client, django_capture_on_commit_callbacks):
    patient = PatientFactory(given_name="Lucía", preferred_language="es")
    send(patient, capture=django_capture_on_commit_callbacks)
    token = token_from(mail.outbox[0])
    page = client.get(f"/invitations/accept/{token}/").content.decode()
    assert "Bienvenido(a), Lucía" in page and "Crear contraseña y empezar" in page
    response = client.post(
        f"/invitations/accept/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.cookies["django_language"].value == "es"
    page = client.get("/intake/", follow=True).content.decode()
    assert "Sus datos" in page


def test_the_language_chosen_last_on_the_invitation_page_is_kept(
    client, django_capture_on_commit_callbacks
):
    """Issue 9: choosing English on the page of a Spanish invitation, then
    setting a password, used to land the patient in Spanish."""
    patient = PatientFactory(given_name="Lucía", preferred_language="es")
    send(patient, capture=django_capture_on_commit_callbacks)
    token = token_from(mail.outbox[0])
    url = f"/invitations/accept/{token}/"
    assert "Crear contraseña y empezar" in client.get(url).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": url})
    page = client.get(url).content.decode()
    assert "Set password and start" in page
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.cookies["django_language"].value == "en"
    patient.refresh_from_db()
    assert patient.preferred_language == "en"
    page = client.get("/intake/", follow=True).content.decode()
    assert "About you" in page and "Sus datos" not in page
    assert 'value="en" selected' in page or '<option value="en" selected>' in page


def test_an_old_link_cannot_trigger_unlimited_resends(client, django_capture_on_commit_callbacks):
    """The probe's finding: each POST from an old link sent another email."""
    patient = PatientFactory()
    with time_machine.travel(timezone.now() - datetime.timedelta(days=15), tick=False):
        send(patient, capture=django_capture_on_commit_callbacks)
    old_token = token_from(mail.outbox[0])
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/invitations/resend/{old_token}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/invitations/resend/{old_token}/")
    assert refused.status_code == 429
    assert "New links were sent several times today" in refused.content.decode()
    assert len(mail.outbox) == 1 + 3
    # A day later the patient may ask again; staff could send one at any time.
    later = timezone.now() + datetime.timedelta(days=1, minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/invitations/resend/{old_token}/").status_code == 200
    assert len(mail.outbox) == 5
