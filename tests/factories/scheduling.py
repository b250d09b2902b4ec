"""Factories for scheduling: types, rooms, hours, time off, plans, course,
appointments, reminders, feeds, change requests, check-ins."""

from __future__ import annotations

import datetime
import importlib

import factory
from django.utils import timezone

from clinic.scheduling.models import (
    Appointment,
    AppointmentType,
    CalendarFeed,
    ChangeRequest,
    CheckIn,
    ClosureDay,
    Course,
    CoursePlan,
    CoursePlanStep,
    Reminder,
    Room,
    TimeOff,
    WorkingHours,
)
from tests.factories.accounts import PatientFactory, StaffFactory

TZ = datetime.UTC


def local_dt(year, month, day, hour=10, minute=0) -> datetime.datetime:
    """An aware datetime in the clinic's zone (America/New_York by default)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())


def seed_types_and_plans() -> None:
    """Run the data migration's seeding again (idempotent): transactional
    tests flush the database, and with it the seeded types and plans. The
    migration names the course plans as they were then (0004 renamed them)."""
    from django.apps import apps

    renamed = {"FollowUpPlan": "CoursePlan", "FollowUpPlanStep": "CoursePlanStep"}

    class AppsThen:
        @staticmethod
        def get_model(app_label: str, name: str):
            return apps.get_model(app_label, renamed.get(name, name))

    migration = importlib.import_module("clinic.scheduling.migrations.0003_seed_types_and_plans")
    migration.seed(AppsThen, None)
    importlib.import_module("clinic.scheduling.migrations.0007_seed_preparation").seed(apps, None)


def appointment_type(slug: str) -> AppointmentType:
    """One of the types seeded by the data migration."""
    kind = AppointmentType.objects.filter(slug=slug).first()
    if kind is None:
        seed_types_and_plans()
        kind = AppointmentType.objects.get(slug=slug)
    return kind


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentType

    slug = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"Type {n}")
    default_minutes = 60
    needs_clinician = True
    needs_room = False
    reminder_offsets = factory.LazyFunction(lambda: [1440, 120])


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    clinician = factory.SubFactory(StaffFactory, role="clinician")
    weekday = 0
    start_time = datetime.time(8, 0)
    end_time = datetime.time(18, 0)


def working_week(clinician, *, days=range(7), start=datetime.time(8), end=datetime.time(18)):
    """Give a clinician hours on the given weekdays (every day by default)."""
    return [
        WorkingHoursFactory(clinician=clinician, weekday=d, start_time=start, end_time=end)
        for d in days
    ]


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    clinician = factory.SubFactory(StaffFactory, role="clinician")
    start = factory.LazyFunction(lambda: local_dt(2026, 3, 2, 0))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(days=1))
    reason = "Conference"


class CoursePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoursePlan

    slug = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")


class CoursePlanStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoursePlanStep

    plan = factory.SubFactory(CoursePlanFactory)
    position = factory.Sequence(lambda n: n + 1)
    day = 0
    appointment_type = factory.LazyFunction(lambda: appointment_type("follow-up"))


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    patient = factory.SubFactory(PatientFactory)
    name = "Course"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written straight to the database (no booking rules):
    for setting the scene. Tests of the rules call the services."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(StaffFactory, role="clinician")
    appointment_type = factory.LazyFunction(lambda: appointment_type("consult"))
    start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    end = factory.LazyAttribute(
        lambda o: o.start + datetime.timedelta(minutes=o.appointment_type.default_minutes)
    )


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    appointment = factory.SubFactory(AppointmentFactory)
    offset_minutes = 1440
    due_at = factory.LazyAttribute(
        lambda o: o.appointment.start - datetime.timedelta(minutes=o.offset_minutes)
    )


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    clinician = factory.SubFactory(StaffFactory, role="clinician")


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequest

    appointment = factory.SubFactory(AppointmentFactory)
    kind = "cancel"
    message = "I am away that week."


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    appointment = factory.SubFactory(
        AppointmentFactory,
        appointment_type=factory.LazyFunction(lambda: appointment_type("follow-up")),
    )
    patient = factory.LazyAttribute(lambda o: o.appointment.patient)


class ClosureDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosureDay
        django_get_or_create = ("date",)

    date = datetime.date(2026, 12, 25)
    name = "Christmas Day"
    source = ClosureDay.Source.HOLIDAY
