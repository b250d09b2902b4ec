"""What keeps background work honest: worker heartbeats and the urgent
safety alerts waiting to be delivered."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per running task worker, touched every few seconds. A task
    claimed by a worker whose heartbeat is older than the lease is handed to
    another worker (see clinic.operations.worker)."""

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True)
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        indexes = [
            # /healthz and the lease check read the newest heartbeats.
            models.Index(fields=["-beat_at"], name="ops_heartbeat_beat_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} ({self.pid})"


class SafetyAlert(models.Model):
    """An urgent safety alert to the on-call clinicians, recorded in the same
    transaction as the answer that raised it, so that it cannot be lost, and
    unique per `key` (one per intake), so that it is sent at most once.

    `message_id` is fixed when the alert is recorded: if a worker dies after
    the mail server accepted the email and before `sent_at` was committed,
    the retry carries the same Message-ID and mail systems that de-duplicate
    by it show one email."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.CASCADE, related_name="safety_alerts"
    )
    source = models.CharField(_("source"), max_length=40)
    link = models.CharField(_("link"), max_length=500)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("last queued at"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("safety alert")
        verbose_name_plural = _("safety alerts")
        indexes = [
            # The worker's sweep: alerts not yet sent.
            models.Index(
                fields=["enqueued_at"],
                name="ops_alert_unsent_idx",
                condition=models.Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Safety alert {self.key}"

    @staticmethod
    def new_key() -> str:
        return f"alert-{uuid.uuid4().hex}"
