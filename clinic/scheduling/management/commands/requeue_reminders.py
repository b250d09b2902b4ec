"""Queue every due, unsent reminder again (a safety net; delivery is
idempotent, so running it twice sends nothing twice)."""

from django.core.management.base import BaseCommand

from clinic.scheduling.tasks import reminders_requeue_due


class Command(BaseCommand):
    help = "Queue due, unsent reminders for the worker (safe to repeat)."

    def handle(self, *args, **options) -> None:
        count = reminders_requeue_due()
        self.stdout.write(f"{count} reminder(s) queued.")
