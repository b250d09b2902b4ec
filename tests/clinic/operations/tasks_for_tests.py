"""A task for the worker's process tests: it appends the worker's process id
to a file, and on its first run holds on (so that the worker can be killed
in the middle of it)."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def record_run(*, path: str, hold_first: bool) -> int:
    log = Path(path)
    with log.open("a") as handle:
        handle.write(f"{os.getpid()}\n")
    runs = len(log.read_text().splitlines())
    if hold_first and runs == 1:
        time.sleep(300)
    return runs
