"""The task worker the clinic runs: django-tasks-db's worker, made to survive.

django-tasks-db claims a READY row by setting it RUNNING with the worker's id
and never looks at it again, so a worker killed mid-task (SIGKILL, the
machine lost, the out-of-memory killer) leaves its task RUNNING for ever; and
its loop exits on the first database error. This worker adds:

- a heartbeat: a thread touches the worker's `WorkerHeartbeat` row every
  `HEARTBEAT_SECONDS`, also while a long task runs;
- a lease: a RUNNING task whose worker has not beaten for `LEASE` is set
  READY again, by whichever worker notices first (each one looks every
  `SWEEP_SECONDS`), so another worker picks it up within a minute;
- the sweep of undelivered urgent safety alerts (clinic.safety);
- survival of a database outage: a database error in the loop, or in a task,
  is logged, the connection dropped, and the loop retried with back-off (1 s
  doubling to 30 s); a task that failed because the database went away is
  set READY again (not FAILED) once the database is back.

A task can therefore run twice: when its worker died after the task's effect
and before the task was marked done. The clinic's tasks are written for that
(reminders and alerts lock their row and commit `sent_at` with the send).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from clinic.operations.models import WorkerHeartbeat
from clinic.safety import safety_alerts_requeue_undelivered

logger = logging.getLogger("clinic.worker")

HEARTBEAT_SECONDS = 5
SWEEP_SECONDS = 10
BACKOFF_MAX_SECONDS = 30
# Heartbeats of workers gone this long are deleted.
FORGET_AFTER = timedelta(days=1)
# Errors that mean "the database is not there right now".
DATABASE_DOWN = (OperationalError, InterfaceError)


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_WORKER_LEASE_SECONDS)


def heartbeat_beat(*, worker_id: str, started_at=None) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": started_at or now,
                "beat_at": now,
            },
        )


def tasks_requeue_abandoned(*, now=None) -> int:
    """Set READY again every RUNNING task whose worker is silent for longer
    than the lease. A worker with no heartbeat row at all (a plain
    `db_worker`) gets the lease counted from the task's start."""
    now = now or timezone.now()
    cutoff = now - lease()
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "beat_at"))
    requeued = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for row in running.only("id", "worker_ids", "started_at"):
            owner = row.worker_ids[-1] if row.worker_ids else None
            last_sign = beats.get(owner) or row.started_at
            if last_sign is not None and last_sign >= cutoff:
                continue
            DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
            logger.warning("Task %s of silent worker %s queued again", row.pk, owner)
            requeued += 1
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return requeued


def tasks_requeue_own(*, worker_id: str) -> int:
    """After a database outage: this worker runs nothing now, so any task
    still RUNNING under its id was interrupted and goes back to READY."""
    requeued = 0
    for row in DBTaskResult.objects.running().only("id", "worker_ids"):
        if row.worker_ids and row.worker_ids[-1] == worker_id:
            requeued += DBTaskResult.objects.filter(
                pk=row.pk, status=TaskResultStatus.RUNNING
            ).update(status=TaskResultStatus.READY, started_at=None)
    return requeued


def maintenance_sweep() -> None:
    """What every worker does every SWEEP_SECONDS, and once at start."""
    tasks_requeue_abandoned()
    safety_alerts_requeue_undelivered()


class SupervisedWorker(Worker):
    """See the module docstring."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._failures = 0

    # -- the heartbeat thread ------------------------------------------------

    def _heartbeat_loop(self) -> None:
        last_sweep = 0.0
        while not self._stop.is_set():
            try:
                heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
                if time.monotonic() - last_sweep >= SWEEP_SECONDS:
                    maintenance_sweep()
                    last_sweep = time.monotonic()
            except DatabaseError as exc:
                logger.warning("Heartbeat failed (database unavailable?): %s", exc)
                connection.close()
            except Exception:  # a bug here must not stop the heartbeat
                logger.exception("Worker maintenance failed")
            self._stop.wait(HEARTBEAT_SECONDS)
        connection.close()

    # -- the main loop ---------------------------------------------------------

    def run(self) -> None:
        heartbeat = None
        if not self.batch:
            heartbeat = threading.Thread(
                target=self._heartbeat_loop, name="worker-heartbeat", daemon=True
            )
        first = True
        try:
            while self.running:
                try:
                    heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
                    if first or self._failures:
                        tasks_requeue_own(worker_id=self.worker_id)
                        maintenance_sweep()
                    if heartbeat is not None and not heartbeat.is_alive():
                        heartbeat.start()
                    if self._failures:
                        logger.warning("Database reachable again; worker resumes")
                    self._failures = 0
                    first = False
                    super().run()
                    return
                except DATABASE_DOWN as exc:
                    self._failures += 1
                    delay = min(BACKOFF_MAX_SECONDS, 2 ** (self._failures - 1))
                    logger.error(
                        "Database unavailable (%s); retrying in %s s (attempt %s)",
                        str(exc).strip().splitlines()[0] if str(exc).strip() else exc,
                        delay,
                        self._failures,
                    )
                    self.startup_delay = False
                    with contextlib.suppress(DatabaseError):
                        connection.close()
                    time.sleep(delay)
        finally:
            self._stop.set()
            if heartbeat is not None and heartbeat.is_alive():
                heartbeat.join(timeout=HEARTBEAT_SECONDS + 1)
            # A worker that stops cleanly is not "silent".
            with contextlib.suppress(DatabaseError):
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """django-tasks-db's run_task, except that a task that failed because
        the database went away is left RUNNING under this worker's id (so
        `tasks_requeue_own` sets it READY once the database is back) instead
        of being marked FAILED."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                return_value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                return_value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except DATABASE_DOWN:
            raise
        except BaseException as exc:
            db_task_result.set_failed(exc)
            task_finished.send(
                sender=type(db_task_result.task.get_backend()),
                task_result=db_task_result.task_result,
            )
        finally:
            self.running_task = False
            self._run_tasks += 1
