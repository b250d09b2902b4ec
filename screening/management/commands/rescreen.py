"""Re-screen stored intakes with the current rules and policy.

    python manage.py rescreen [--since DATE] [--batch-size N]

Works in batches (one transaction each) with a progress bar. An intake whose
result differs gets a new current result and the earlier ones stay as history;
an identical result stays current (with the versions it was computed with). Reports how many
intakes' flags changed and which flag codes appeared or disappeared.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from screening.management.commands._cli import error_lines, parse_day, progress
from screening.services.rescreen import intakes_rescreen, submitted_intakes


def _codes(counter) -> str:
    return ", ".join(f"{code} ({n})" for code, n in sorted(counter.items())) or "none"


class Command(BaseCommand):
    help = "Re-screen stored intakes with the current rules and policy, keeping history."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", metavar="DATE", help="Only intakes submitted on or after.")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Worker processes screening batches at once, one database connection each "
            "(PostgreSQL; SQLite always uses 1). Default 2.",
        )

    def handle(self, *args, **options) -> None:
        since = parse_day(options["since"]) if options["since"] else None
        total = submitted_intakes(since=since).count()
        with progress(total, self.stderr, "Re-screening", unit="intake") as bar:
            report = intakes_rescreen(
                since=since,
                batch_size=max(1, options["batch_size"]),
                workers=max(1, options["workers"]),
                on_batch=bar.update,
            )
        self.stdout.write(
            f"Re-screened {report.screened} intakes with rules version "
            f"{report.rules_version}, policy version {report.policy_version}."
        )
        self.stdout.write(
            f"New results stored for {report.stored} intakes; "
            f"{report.screened - report.stored} unchanged."
        )
        self.stdout.write(f"Flags changed for {report.changed} intakes.")
        self.stdout.write(f"Codes appeared: {_codes(report.appeared)}")
        self.stdout.write(f"Codes disappeared: {_codes(report.disappeared)}")
        if report.invalid:
            for pk, errors in report.invalid:
                self.stderr.write(error_lines(f"intake {pk}", errors), ending="")
            self.stderr.flush()
            raise SystemExit(2)
