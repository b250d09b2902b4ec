"""The clinic's time: moments shown and entered in the clinic's time zone."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def clinic_zone():
    return timezone.get_default_timezone()


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, clinic_zone())


def at_local(day: date, clock: time) -> datetime:
    """The aware moment of a wall-clock time on a day in the clinic's zone."""
    return datetime.combine(day, clock, tzinfo=clinic_zone())
