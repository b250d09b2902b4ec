"""A reminder claimed by a worker that was killed is sent by the next worker,
once, with the Message-ID every attempt of that reminder carries."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clinic.scheduling.services.booking import appointment_book
from tests.clinic.operations.test_worker import claimed_by
from tests.factories.scheduling import appointment_type, local_dt
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reminder_claimed_by_a_worker_that_died_is_sent_once_by_the_next(
    frozen_now, okafor, dana
):
    appointment = appointment_book(
        patient=dana,
        appointment_type=appointment_type("consult"),
        start=local_dt(2026, 3, 4, 10),
        clinician=okafor,
        booked_by=None,
    )
    frozen_now.move_to(local_dt(2026, 3, 3, 10, 1))
    DBTaskResult.objects.filter(run_after__gt=timezone.now()).delete()  # the later reminder
    claimed_by("killed-worker", beat_seconds_ago=60)
    run_worker()
    run_worker()
    assert len(mail.outbox) == 1
    reminder = appointment.reminders.get(sent_at__isnull=False)
    # The same Message-ID for every attempt of one reminder: a resend after a
    # crash in the documented window is recognisable as the same email.
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<reminder.{reminder.pk}@localhost>"
