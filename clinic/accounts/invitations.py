"""Invitations: the emailed, signed, single-use link that lets a patient set
a password and start their intake.

- `invitation_send(patient=..., by=...)`: a new invitation with a random
  nonce; earlier open ones are revoked; the link is emailed after commit.
- `invitation_check(token)`: the invitation a link names, or an
  InvitationError saying why it cannot be used (bad, expired, used, revoked).
- `invitation_accept(token=..., password=...)`: creates the login (email
  verified, in the "patient" group), links it to the patient, uses the link up.

The token is `django.core.signing` data (salt "invitation") holding the
invitation's pk and nonce; the row says whether it is still open.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from clinic.accounts.models import Invitation, Patient, User
from clinic.accounts.roles import PATIENT

SALT = "invitation"


class InvitationError(Exception):
    """Why a link cannot be used: `reason` is bad, expired, used, revoked,
    has_account or too_many (new links asked for too often); `invitation` is
    set when the link named a real invitation."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT)


def invitation_link(invitation: Invitation) -> str:
    path = reverse("invitation_accept", args=[invitation_token(invitation)])
    return settings.CLINIC_BASE_URL.rstrip("/") + path


def invitation_check(token: str) -> Invitation:
    """The open invitation the token names; raises InvitationError otherwise."""
    try:
        data = signing.loads(token, salt=SALT)
        pk, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvitationError("bad") from None
    invitation = Invitation.objects.select_related("patient").filter(pk=pk, nonce=nonce).first()
    if invitation is None:
        raise InvitationError("bad")
    if invitation.used_at is not None:
        raise InvitationError("used", invitation)
    if invitation.revoked_at is not None:
        raise InvitationError("revoked", invitation)
    if invitation.expires_at <= timezone.now():
        raise InvitationError("expired", invitation)
    if invitation.patient.user_id is not None:
        raise InvitationError("has_account", invitation)
    return invitation


def _send_email(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("patient").get(pk=invitation_id)
    patient = invitation.patient
    language = (patient.preferred_language or settings.LANGUAGE_CODE).split("-")[0]
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    context = {
        "patient": patient,
        "link": invitation_link(invitation),
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "expires_at": invitation.expires_at,
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    with translation.override(language):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    message.send()


@transaction.atomic
def invitation_send(*, patient: Patient, by: User | None = None) -> Invitation:
    """Invite the patient by email; earlier open links stop working."""
    if patient.user_id is not None:
        raise InvitationError("has_account")
    if not patient.email:
        raise InvitationError("no_email")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    now = timezone.now()
    patient.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    invitation = Invitation.objects.create(
        patient=patient,
        email=patient.email,
        nonce=secrets.token_urlsafe(32),
        created_by=by if getattr(by, "pk", None) else None,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation_id = invitation.pk
    transaction.on_commit(lambda: _send_email(invitation_id))
    return invitation


@transaction.atomic
def invitation_resend(*, token: str) -> Invitation:
    """A new link for the patient a used-up, expired or revoked link named
    (sent to the address on file, never to one the visitor gives), at most
    INVITATION_RESENDS_PER_DAY a day; InvitationError("too_many") beyond."""
    try:
        invitation = invitation_check(token)
    except InvitationError as exc:
        if exc.invitation is None or exc.reason == "has_account":
            raise
        invitation = exc.invitation
    # Asked for by whoever holds an old link: a few a day, counted in the
    # database (so across processes), then the clinic's phone number.
    patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
    since = timezone.now() - timedelta(days=1)
    recent = patient.invitations.filter(created_by__isnull=True, created_at__gte=since).count()
    if recent >= settings.INVITATION_RESENDS_PER_DAY:
        raise InvitationError("too_many", invitation)
    return invitation_send(patient=patient, by=None)


@transaction.atomic
def invitation_accept(*, token: str, password: str, language: str = "") -> User:
    """Create the patient's login from an open invitation and use it up.

    `language` is the one the patient read the page in (the one they chose
    last): it becomes their preferred language.

    Raises InvitationError when the link cannot be used and
    django.core.exceptions.ValidationError when the password is too weak.
    """
    invitation = invitation_check(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None or invitation.revoked_at is not None:
        raise InvitationError("used", invitation)
    patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
    if patient.user_id is not None:
        raise InvitationError("has_account", invitation)
    email = invitation.email.lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvitationError("has_account", invitation)
    user = User(email=email, first_name=patient.given_name, last_name=patient.family_name)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=PATIENT))
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    patient.user = user
    fields = ["user"]
    if language and language != patient.preferred_language:
        patient.preferred_language = language
        fields.append("preferred_language")
    patient.save(update_fields=fields)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return user
