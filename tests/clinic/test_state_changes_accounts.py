"""The checklist of every accounts view that changes state (as healthchecks
does per view): invitations (staff send them, the link sets a password, an
old link asks for a new one) and the idle warning's "stay logged in". A GET
is refused or shows a form and changes nothing, a role that may not use it is
refused, a bad id or token is a 404, and the effect on the database (and the
email) is what the view says."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from clinic.accounts.invitations import invitation_send
from clinic.accounts.middleware import SEEN_SESSION_KEY
from clinic.accounts.models import Invitation, Patient
from tests.factories.accounts import PatientFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-42"
LINK = re.compile(r"http://\S+/invitations/accept/(\S+)/")
INVITE = {
    "given_name": "Lucía",
    "family_name": "Fernández",
    "email": "lucia@example.org",
    "date_of_birth": "1968-01-09",
    "preferred_language": "es",
}


def state() -> tuple:
    return (
        list(Patient.objects.order_by("pk").values_list("pk", "user", "email")),
        list(Invitation.objects.order_by("pk").values_list("pk", "used_at", "nonce")),
        get_user_model().objects.count(),
    )


def sent_token(patient, capture, mailoutbox) -> str:
    with capture(execute=True):
        invitation_send(patient=patient)
    return LINK.search(mailoutbox[-1].body).group(1)


# -- invitation_new: staff invite a new patient --------------------------------------------


def test_the_invite_forms_get_changes_nothing(client, scheduler, mailoutbox):
    before = state()
    client.force_login(scheduler)
    assert client.get("/invitations/new/").status_code == 200
    assert state() == before and mailoutbox == []


def test_a_patient_cannot_invite(client, patient_user, mailoutbox):
    before = state()
    client.force_login(patient_user)
    assert client.post("/invitations/new/", INVITE).status_code == 403
    assert state() == before and mailoutbox == []


@pytest.mark.parametrize("role", ["scheduler", "clinician", "clinic_admin"])
def test_staff_invite_a_new_patient(
    client, request, mailoutbox, django_capture_on_commit_callbacks, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/invitations/new/", INVITE).status_code == 302
    patient = Patient.objects.get(email="lucia@example.org")
    assert patient.user is None and patient.preferred_language == "es"
    invitation = patient.invitations.get()
    assert invitation.created_by == user and invitation.is_open
    assert [m.to for m in mailoutbox] == [["lucia@example.org"]]


# -- invitation_patient_send: invite a patient on file ---------------------------------------


def test_inviting_a_patient_on_file_checklist(
    client, scheduler, patient_user, mailoutbox, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="robin@example.org")
    url = f"/invitations/patient/{patient.pk}/send/"
    before = state()
    client.force_login(scheduler)
    assert client.get(url).status_code == 405
    assert client.post("/invitations/patient/999999/send/").status_code == 404
    client.force_login(patient_user)
    assert client.post(url).status_code == 403
    assert state() == before and mailoutbox == []
    client.force_login(scheduler)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert patient.invitations.get().created_by == scheduler
    assert [m.to for m in mailoutbox] == [["robin@example.org"]]


def test_a_patient_with_an_account_is_not_invited_again(client, scheduler, mailoutbox):
    patient = PatientFactory(with_login=True)
    before = state()
    client.force_login(scheduler)
    response = client.post(f"/invitations/patient/{patient.pk}/send/", follow=True)
    assert "already has an account" in response.content.decode()
    assert state() == before and mailoutbox == []


# -- invitation_accept: the link sets a password -------------------------------------------------


def test_accepting_checklist(client, mailoutbox, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    token = sent_token(patient, django_capture_on_commit_callbacks, mailoutbox)
    url = f"/invitations/accept/{token}/"
    passwords = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    before = state()
    assert client.get(url).status_code == 200  # the form only
    assert client.post("/invitations/accept/no-such-token/", passwords).status_code == 404
    assert state() == before
    assert client.post(url, passwords).status_code == 302
    patient.refresh_from_db()
    assert patient.user is not None and patient.user.check_password(NEW_PASSWORD)
    assert patient.invitations.get().used_at is not None
    # Used once: a second post creates no second login.
    users = get_user_model().objects.count()
    client.logout()
    assert client.post(url, passwords).status_code == 410
    assert get_user_model().objects.count() == users


def test_another_patients_link_only_ever_sets_that_patients_login(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    """The link is the access: a logged-in patient following another's link
    does not attach that login to themself."""
    mine = PatientFactory(with_login=True)
    theirs = PatientFactory()
    token = sent_token(theirs, django_capture_on_commit_callbacks, mailoutbox)
    client.force_login(mine.user)
    passwords = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(f"/invitations/accept/{token}/", passwords).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.user is not None and theirs.user != mine.user
    assert not mine.user.check_password(NEW_PASSWORD)


# -- invitation_resend: an old link asks for a new one ---------------------------------------


def test_resending_checklist(client, mailoutbox, django_capture_on_commit_callbacks):
    patient = PatientFactory(email="robin@example.org")
    token = sent_token(patient, django_capture_on_commit_callbacks, mailoutbox)
    first = patient.invitations.get()
    before, sent = state(), len(mailoutbox)
    assert client.get(f"/invitations/resend/{token}/").status_code == 405
    assert client.post("/invitations/resend/no-such-token/").status_code == 404
    assert state() == before and len(mailoutbox) == sent
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/invitations/resend/{token}/").status_code == 200
    assert len(mailoutbox) == sent + 1 and mailoutbox[-1].to == ["robin@example.org"]
    assert LINK.search(mailoutbox[-1].body).group(1) != token
    first.refresh_from_db()
    assert not first.is_open  # the old link no longer works


# -- session_keepalive: "stay logged in" ---------------------------------------------------------


def test_keepalive_checklist(client, clinician):
    assert client.post("/session/keepalive/").status_code == 302  # to the login
    client.force_login(clinician)
    assert client.get("/session/keepalive/").status_code == 405
    session = client.session
    session[SEEN_SESSION_KEY] = 0
    session.save()
    response = client.post("/session/keepalive/")
    assert response.status_code == 200 and response.json()["idle_seconds"] > 0
    assert client.session[SEEN_SESSION_KEY] > 0  # the idle clock started again
