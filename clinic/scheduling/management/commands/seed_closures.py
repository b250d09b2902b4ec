"""Add the public holidays of the clinic's country as closure days.

python manage.py seed_closures                # this year and the next
python manage.py seed_closures --year 2028    # one year (repeatable)
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.scheduling.closures import closures_seed


class Command(BaseCommand):
    help = "Add the public holidays of CLINIC_COUNTRY / CLINIC_SUBDIVISION as closure days."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years")

    def handle(self, *args, years=None, **options):
        this_year = timezone.localdate().year
        years = years or [this_year, this_year + 1]
        if any(not 1900 <= year <= 2199 for year in years):
            raise CommandError("Give years between 1900 and 2199.")
        added = closures_seed(years=years)
        where = settings.CLINIC_COUNTRY + (
            f"-{settings.CLINIC_SUBDIVISION}" if settings.CLINIC_SUBDIVISION else ""
        )
        self.stdout.write(
            f"Closure days: {len(added)} public holidays of {where} added for "
            f"{', '.join(map(str, sorted(years)))}."
        )
