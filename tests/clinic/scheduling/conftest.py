from __future__ import annotations

import datetime

import pytest
import time_machine

from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.scheduling import RoomFactory, local_dt, working_week


@pytest.fixture
def frozen_now():
    """The clinic's 'now': Monday 2 March 2026, 08:00 local time (ticking)."""
    with time_machine.travel(local_dt(2026, 3, 2, 8), tick=True) as traveller:
        yield traveller


@pytest.fixture
def okafor(db):
    doctor = StaffFactory(role="clinician", first_name="Ada", last_name="Okafor")
    working_week(doctor, days=range(5))
    return doctor


@pytest.fixture
def dana(db):
    return PatientFactory(given_name="Dana", family_name="Reyes", email="dana@example.org")


@pytest.fixture
def chair(db):
    return RoomFactory(name="Infusion chair 1")


@pytest.fixture
def tms_room(db):
    return RoomFactory(name="TMS room")


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)
