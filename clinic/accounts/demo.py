"""Demo people for `seed_demo`. Idempotent: running it twice changes nothing.

The passwords are demo-only and printed by `make run`; never use them for a
real clinic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from clinic.accounts.models import Patient, User

DEMO_PASSWORD = "demo-clinic-2026"
# Staff must use a second factor, so the demo staff are enrolled in TOTP with
# this one demo-only secret (add it to an authenticator app once, or run
# `python manage.py demo_code` for the current code) and recovery codes.
DEMO_TOTP_SECRET = "DEMOCLINICDEMOCLINICDEMOCLINIC23"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str
    recovery_codes: tuple[str, ...] = ()


STAFF = [
    DemoLogin("admin", "admin@example.org", "Alex Admin"),
    DemoLogin("clinician", "dr.okafor@example.org", "Ada Okafor"),
    DemoLogin("clinician", "dr.lindqvist@example.org", "Erik Lindqvist"),
    DemoLogin("scheduler", "scheduler@example.org", "Sam Scheduler"),
]

PATIENTS = [
    # (email, given, family, date of birth, has a login)
    ("dana.reyes@example.org", "Dana", "Reyes", date(1982, 3, 14), True),
    ("marco.silva@example.org", "Marco", "Silva", date(1975, 7, 2), True),
    ("priya.natarajan@example.org", "Priya", "Natarajan", date(1990, 11, 23), True),
    ("lucia.fernandez@example.org", "Lucía", "Fernández", date(1968, 1, 9), False),
]


def _user(email: str, name: str, *, password: str) -> User:
    first, _, last = name.partition(" ")
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last}
    )
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _enrol_totp(user: User) -> tuple[str, ...]:
    """Enrol a demo member of staff in TOTP (once) and return their unused
    recovery codes."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    codes = RecoveryCodes.activate(user)
    return tuple(codes.get_unused_codes())


@transaction.atomic
def seed_people() -> list[DemoLogin]:
    logins = []
    for login in STAFF:
        user = _user(login.email, login.name, password=DEMO_PASSWORD)
        if login.role == "admin":
            if not user.is_superuser:
                user.is_superuser = user.is_staff = True
                user.save()
        else:
            user.groups.add(Group.objects.get(name=login.role))
            if login.role == "scheduler" and not user.is_staff:
                user.is_staff = True
                user.save()
            if login.email == "dr.okafor@example.org" and not user.is_on_call:
                user.is_on_call = True
                user.save()
        logins.append(
            DemoLogin(login.role, login.email, login.name, recovery_codes=_enrol_totp(user))
        )
    patient_group = Group.objects.get(name="patient")
    for email, given, family, born, has_login in PATIENTS:
        patient, _ = Patient.objects.get_or_create(
            email=email,
            date_of_birth=born,
            defaults={"given_name": given, "family_name": family},
        )
        if has_login and patient.user_id is None:
            user = _user(email, f"{given} {family}", password=DEMO_PASSWORD)
            user.groups.add(patient_group)
            patient.user = user
            patient.save()
        if has_login:
            logins.append(DemoLogin("patient", email, f"{given} {family}"))
    return logins
