"""Run the real background worker (`task_worker`) in a test: everything queued, then return.

The worker closes and reopens database connections as it does in production,
so tests that use it need `pytest.mark.django_db(transaction=True)`.
"""

from django.core.management import call_command


def run_worker() -> None:
    call_command(
        "task_worker",
        batch=True,
        queue_name="*",
        startup_delay=False,
        reload=False,
        interval=0,
        verbosity=0,
    )
