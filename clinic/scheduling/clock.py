"""The clinic's time: moments shown and entered in the clinic's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone


def clinic_zone():
    return timezone.get_default_timezone()


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, clinic_zone())


def at_local(day: date, clock: time) -> datetime:
    """The aware moment of a wall-clock time on a day in the clinic's zone."""
    return datetime.combine(day, clock, tzinfo=clinic_zone())


def later_by(moment: datetime, length: timedelta | int) -> datetime:
    """`length` (a timedelta, or minutes) of elapsed time after `moment`,
    counted in UTC: arithmetic on a local time is wall-clock, so across the
    autumn change 01:30 + 60 minutes would last two hours, and across the
    spring one an end could equal its start."""
    if isinstance(length, int):
        length = timedelta(minutes=length)
    return moment.astimezone(UTC) + length
