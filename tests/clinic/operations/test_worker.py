"""The task worker: a task claimed by a worker that died is run again by
another, urgent safety alerts are never lost and sent once per intake, and
/healthz tells when the worker is silent.

django-tasks-db alone leaves a task claimed by a killed worker RUNNING for
ever (it picks only READY rows): the first tests reproduce that."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clinic.operations.models import SafetyAlert, WorkerHeartbeat
from clinic.safety import crisis_alert_raise
from screening.services.intake import intake_raise_safety_alert
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.intake import IntakeFactory
from tests.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


class RefusingSMTPBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def on_call(settings):
    settings.CLINIC_ONCALL_EMAILS = ["oncall@clinic.example"]
    return StaffFactory(role="clinician", is_on_call=True, email="dr.on.call@example.org")


def claimed_by(worker_id: str, *, beat_seconds_ago: int | None, started_seconds_ago: int = 120):
    """Every queued task as a worker left it when it was killed mid-task."""
    now = timezone.now()
    DBTaskResult.objects.update(
        status="RUNNING",
        started_at=now - timedelta(seconds=started_seconds_ago),
        worker_ids=[worker_id],
    )
    if beat_seconds_ago is not None:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname="gone",
            pid=1,
            started_at=now - timedelta(seconds=600),
            beat_at=now - timedelta(seconds=beat_seconds_ago),
        )


def test_a_safety_alert_claimed_by_a_worker_that_died_is_sent_by_the_next(on_call):
    intake = IntakeFactory()
    assert intake_raise_safety_alert(intake=intake, link="http://x/review/1/")
    claimed_by("killed-worker", beat_seconds_ago=90)
    run_worker()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dr.on.call@example.org", "oncall@clinic.example"]
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "killed-worker" and len(task.worker_ids) == 2
    alert = SafetyAlert.objects.get()
    assert alert.sent_at is not None and alert.key == f"intake-{intake.pk}"


def test_a_task_claimed_by_a_plain_worker_without_heartbeat_is_taken_after_the_lease(on_call):
    crisis_alert_raise(patient=PatientFactory(), source="check-in", link="http://x/")
    claimed_by("old-db-worker", beat_seconds_ago=None, started_seconds_ago=120)
    run_worker()
    assert len(mail.outbox) == 1


def test_a_task_of_a_worker_still_beating_is_left_to_it(on_call):
    crisis_alert_raise(patient=PatientFactory(), source="check-in", link="http://x/")
    claimed_by("busy-worker", beat_seconds_ago=2, started_seconds_ago=300)
    run_worker()
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_one_alert_per_intake_however_often_it_is_raised(on_call):
    intake = IntakeFactory()
    assert intake_raise_safety_alert(intake=intake, link="http://x/1/") is True
    # The claim on the intake is gone (e.g. cleared by hand): the alert's key
    # still holds it to one.
    type(intake).objects.filter(pk=intake.pk).update(safety_alerted_at=None)
    intake.refresh_from_db()
    assert intake_raise_safety_alert(intake=intake, link="http://x/1/") is True
    run_worker()
    run_worker()
    assert SafetyAlert.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_alert_whose_worker_died_mid_send_goes_again_with_the_same_message_id(on_call):
    alert = crisis_alert_raise(
        patient=PatientFactory(), source="intake", link="http://x/2/", key="intake-2"
    )
    run_worker()
    first = mail.outbox[0]
    assert first.extra_headers["Message-ID"] == alert.message_id
    assert alert.message_id.startswith("<safety-alert.") and alert.message_id.endswith(">")
    # The worker died after the mail server took the email, before it could
    # record it: the attempt is recorded, sent_at is not, the task is lost.
    SafetyAlert.objects.filter(pk=alert.pk).update(
        sent_at=None, enqueued_at=timezone.now() - timedelta(minutes=2)
    )
    DBTaskResult.objects.all().delete()
    run_worker()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].extra_headers["Message-ID"] == alert.message_id
    alert.refresh_from_db()
    assert alert.attempts == 2 and alert.sent_at is not None
    run_worker()
    assert len(mail.outbox) == 2


def test_an_alert_whose_task_was_never_queued_is_sent_by_the_sweep(on_call):
    """The web process died between the commit and queueing the task."""
    alert = crisis_alert_raise(patient=PatientFactory(), source="intake", link="http://x/3/")
    DBTaskResult.objects.all().delete()
    run_worker()
    assert mail.outbox == []  # queued a minute ago at most: not swept yet
    SafetyAlert.objects.filter(pk=alert.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=61)
    )
    run_worker()
    assert len(mail.outbox) == 1


def test_a_mail_server_failure_is_retried_until_the_alert_is_sent(on_call, settings):
    settings.EMAIL_BACKEND = "tests.clinic.operations.test_worker.RefusingSMTPBackend"
    alert = crisis_alert_raise(patient=PatientFactory(), source="intake", link="http://x/4/")
    run_worker()
    alert.refresh_from_db()
    assert alert.sent_at is None
    assert alert.last_error.startswith("SMTPServerDisconnected")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    SafetyAlert.objects.filter(pk=alert.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=2)
    )
    run_worker()
    assert len(mail.outbox) == 1
    alert.refresh_from_db()
    assert alert.sent_at is not None and alert.last_error == "" and alert.attempts == 2


# /healthz and the worker's heartbeat --------------------------------------------


def beat(seconds_ago: int, worker_id: str = "w1") -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": "h",
            "pid": 1,
            "started_at": now - timedelta(hours=1),
            "beat_at": now - timedelta(seconds=seconds_ago),
        },
    )


def test_healthz_shows_the_last_heartbeat_of_a_live_worker(client):
    beat(4)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["worker_last_seen"] == WorkerHeartbeat.objects.get().beat_at.isoformat()


def test_healthz_reports_a_worker_silent_for_over_two_minutes(client):
    beat(121)
    beat(400, worker_id="w0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "worker silent"
    assert body["worker_last_seen"] == (
        WorkerHeartbeat.objects.get(worker_id="w1").beat_at.isoformat()
    )
    # A load balancer's check of one web process leaves the worker out.
    assert client.get("/healthz?scope=web").json() == {"status": "ok"}


def test_healthz_reports_tasks_waiting_with_no_worker_ever_seen(client, on_call):
    crisis_alert_raise(patient=PatientFactory(), source="intake", link="http://x/")
    assert client.get("/healthz").status_code == 200  # just queued
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - timedelta(minutes=3),
        run_after=timezone.now() - timedelta(minutes=3),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "worker silent", "worker_last_seen": None}


def test_a_batch_worker_leaves_no_heartbeat_behind():
    run_worker()
    assert not WorkerHeartbeat.objects.exists()


def test_admins_see_heartbeats_and_alerts_read_only(client, clinic_admin, scheduler, on_call):
    beat(3)
    crisis_alert_raise(patient=PatientFactory(), source="intake", link="http://x/", key="k-1")
    client.force_login(clinic_admin)
    assert "k-1" in client.get("/admin/operations/safetyalert/").content.decode()
    assert "w1" in client.get("/admin/operations/workerheartbeat/").content.decode()
    assert client.get("/admin/operations/safetyalert/add/").status_code == 403
    client.force_login(scheduler)
    assert client.get("/admin/operations/safetyalert/").status_code in (302, 403)
