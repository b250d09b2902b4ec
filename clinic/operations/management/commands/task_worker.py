"""`manage.py task_worker`: the clinic's task worker (use it, not db_worker).

Same options as django-tasks-db's `db_worker`, plus a heartbeat, a lease on
claimed tasks and survival of database outages: see clinic.operations.worker.
Run it under a supervisor that restarts it (`make run` does; the systemd unit
is in docs/deploy.md).
"""

from __future__ import annotations

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from clinic.operations.worker import SupervisedWorker


class Command(DbWorkerCommand):
    help = "Run the clinic's task worker (db_worker with heartbeat, lease and outage survival)"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        worker = SupervisedWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
