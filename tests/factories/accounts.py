"""Factories for people: users by role, patients, invitations."""

from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.accounts.models import Invitation, Patient, User

PASSWORD = "correct-horse-battery-9"


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


class StaffFactory(UserFactory):
    """A member of staff: role is clinician, scheduler or admin."""

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
