"""Export stored (submitted) intakes as clinic-intake/1 documents or FHIR R4 Bundles.

    python manage.py export_intakes [--since DATE] [--format clinic-intake/1|fhir] [--out DIR]

With --out, writes one file per intake into DIR (created if missing) and
prints a summary; without it, prints one document per line (JSON Lines) on
standard output. --since keeps intakes submitted on or after that day (in the
clinic's time zone). Importing the exported documents gives the same intakes.
"""

from __future__ import annotations

import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from screening.interchange import intake_export_document, intake_fhir_bundle
from screening.interchange.exporting import intake_export_name
from screening.management.commands._cli import parse_day, progress
from screening.models import Installation, ScreeningResult
from screening.services.rescreen import submitted_intakes

FORMATS = ("clinic-intake/1", "fhir")
# FHIR export: one bundle in this many is checked against the FHIR models.
VALIDATE_EVERY = 500


class Command(BaseCommand):
    help = "Export submitted intakes as clinic-intake/1 documents or FHIR R4 Bundles."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", metavar="DATE", help="Only intakes submitted on or after.")
        parser.add_argument("--format", default="clinic-intake/1", choices=FORMATS)
        parser.add_argument("--out", metavar="DIR", help="Write one file per intake here.")

    def handle(self, *args, **options) -> None:
        since = parse_day(options["since"]) if options["since"] else None
        fmt = options["format"]
        out_dir = options["out"]
        if out_dir:
            try:
                os.makedirs(out_dir, exist_ok=True)
            except OSError as exc:
                raise CommandError(f"--out: cannot create {out_dir}: {exc.strerror}") from None
        intakes = submitted_intakes(since=since).select_related("patient").order_by("pk")
        if fmt == "fhir":
            intakes = intakes.prefetch_related(
                Prefetch(
                    "results",
                    queryset=ScreeningResult.objects.filter(is_current=True),
                    to_attr="current_results",
                )
            )
        total = intakes.count()
        namespace = Installation.current().fhir_namespace
        written = 0
        lines: list[str] = []
        with progress(total, self.stderr, "Exporting", unit="intake") as bar:
            for intake in intakes.iterator(chunk_size=500):
                if fmt == "fhir":
                    current = intake.current_results[0] if intake.current_results else None
                    # Validating a bundle against the FHIR models costs about
                    # 100 times building it: the first and one in VALIDATE_EVERY.
                    data = intake_fhir_bundle(
                        intake,
                        current,
                        namespace=namespace,
                        validate=written % VALIDATE_EVERY == 0,
                    )
                else:
                    data = intake_export_document(intake)
                if out_dir:
                    path = os.path.join(out_dir, intake_export_name(intake, fmt))
                    with open(path, "w", encoding="utf-8") as fh:
                        json.dump(data, fh, indent=2, ensure_ascii=False)
                        fh.write("\n")
                else:
                    lines.append(json.dumps(data, separators=(",", ":"), ensure_ascii=False))
                    if len(lines) >= 1000:
                        self.stdout.write("\n".join(lines))
                        lines = []
                written += 1
                bar.update(1)
        if lines:
            self.stdout.write("\n".join(lines))
        if out_dir:
            self.stdout.write(f"Exported {written} intakes ({fmt}) to {out_dir}.")
