"""Two people book the same slot at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from clinic.scheduling.models import Appointment
from clinic.scheduling.services.booking import appointment_book
from clinic.scheduling.services.rules import BookingConflict
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.scheduling import appointment_type, local_dt, working_week

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_threads_booking_one_slot_exactly_one_wins():
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    working_week(doctor)
    patients = [
        PatientFactory(given_name="Dana", family_name="Reyes"),
        PatientFactory(given_name="Marco", family_name="Silva"),
    ]
    start = local_dt(2030, 3, 4, 10)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(patient):
        try:
            barrier.wait(timeout=10)
            appointment_book(
                patient=patient,
                appointment_type=appointment_type("consult"),
                start=start,
                clinician=doctor,
                booked_by=None,
            )
            outcomes.append("booked")
        except BookingConflict as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[-1] == "booked"
    assert outcomes.count("booked") == 1
    loser = next(o for o in outcomes if o != "booked")
    assert loser.startswith(
        "Dr Okafor already has an appointment 10:00-11:00 on Mon 4 Mar 2030 with "
    )
    assert Appointment.objects.count() == 1


def test_the_database_refuses_overlaps_even_without_the_service():
    """The exclusion constraint itself, bypassing the service's check."""
    from django.db import IntegrityError, transaction

    from tests.factories.scheduling import AppointmentFactory

    assert connection.vendor == "postgresql"
    first = AppointmentFactory(start=local_dt(2030, 3, 4, 10))
    with (
        pytest.raises(IntegrityError, match="appointment_no_overlap_clinician"),
        transaction.atomic(),
    ):
        AppointmentFactory(clinician=first.clinician, start=local_dt(2030, 3, 4, 10, 30))
    with (
        pytest.raises(IntegrityError, match="appointment_no_overlap_patient"),
        transaction.atomic(),
    ):
        AppointmentFactory(patient=first.patient, start=local_dt(2030, 3, 4, 10, 30))
    # Cancelled ones do not count.
    first.status = "cancelled"
    first.save()
    AppointmentFactory(clinician=first.clinician, start=local_dt(2030, 3, 4, 10, 30))


def test_two_workers_delivering_one_reminder_send_one_email():
    import datetime

    from django.core import mail
    from django.utils import timezone

    from clinic.scheduling.tasks import reminder_deliver
    from tests.factories.scheduling import ReminderFactory

    reminder = ReminderFactory(
        appointment__start=timezone.now() + datetime.timedelta(hours=1),
        offset_minutes=120,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            outcomes.append(reminder_deliver(reminder_id=reminder.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already sent, superseded or gone", "sent"]
    assert len(mail.outbox) == 1
