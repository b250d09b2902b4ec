"""Plan the measurements due in every active course and queue their
check-ins (run daily, e.g. from cron; idempotent)."""

from django.core.management.base import BaseCommand

from screening.outcomes.services import measurements_plan_due


class Command(BaseCommand):
    help = "Plan due outcome measurements for active treatment courses and queue their check-ins."

    def handle(self, *args, **options) -> None:
        created = measurements_plan_due()
        self.stdout.write(f"{created} measurements planned.")
