"""Factories for people: users by role, patients, invitations."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import struct
import time

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.accounts.models import Invitation, Patient, User

PASSWORD = "correct-horse-battery-9"
# Staff are enrolled in TOTP by default (the app requires it of them); tests
# that log in through the second step compute codes from this secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


def totp(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits), computed here independently of allauth."""
    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def enrol_totp(user: User, secret: str = TOTP_SECRET) -> None:
    """Give `user` a TOTP authenticator and recovery codes, as allauth's own
    enrolment does."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)


class StaffFactory(UserFactory):
    """A member of staff: role is clinician, scheduler or admin; enrolled in
    TOTP unless `mfa=False` (to test enrolment itself)."""

    class Params:
        role = "clinician"

    is_staff = factory.LazyAttribute(lambda o: o.role in {"scheduler", "admin"})
    is_superuser = factory.LazyAttribute(lambda o: o.role == "admin")

    @factory.post_generation
    def add_role(self, create, extracted, **kwargs):
        role = "admin" if self.is_superuser else None
        if role is None:
            role = "scheduler" if self.is_staff else "clinician"
        if create and role != "admin":
            self.groups.add(Group.objects.get(name=role))

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if create and extracted is not False:
            enrol_totp(self)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    date_of_birth = datetime.date(1982, 3, 14)
    sex_at_birth = "female"

    @classmethod
    def _create(cls, model_class, *args, with_login=False, **kwargs):
        patient = super()._create(model_class, *args, **kwargs)
        if with_login:
            user = UserFactory(
                email=patient.email, first_name=patient.given_name, last_name=patient.family_name
            )
            user.groups.add(Group.objects.get(name="patient"))
            patient.user = user
            patient.save(update_fields=["user"])
        return patient


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    patient = factory.SubFactory(PatientFactory)
    email = factory.LazyAttribute(lambda o: o.patient.email)
    nonce = factory.Sequence(lambda n: f"nonce-{n:08d}")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(days=14))
