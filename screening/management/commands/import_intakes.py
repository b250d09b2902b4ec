"""Import clinic-intake/1 documents as submitted intakes, and screen them.

    python manage.py import_intakes PATH [PATH ...] [--dry-run]

PATH is a file, a folder (every *.json in it, sorted by name) or `-` for
standard input. Each document is stored all or nothing: its patient is
matched by external_id, else by email and date of birth, or created without
a login. Importing the same document again stores nothing new. An invalid
document gives `PATH: json.path: message` lines on standard error and the
others are still imported. `--dry-run` validates only. Exits 2 when any
input was invalid, else 0.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from screening.engine import DocumentError
from screening.interchange import expand_paths, intake_import, read_source
from screening.management.commands._cli import error_lines, progress


class Command(BaseCommand):
    help = "Import intake documents (files, folders of *.json, or - for stdin) and screen them."
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; store nothing.")

    def handle(self, *args, **options) -> None:
        from screening.services.screen import current_knowledge, current_policy

        dry_run = options["dry_run"]
        verbose = options["verbosity"] >= 2
        policy = current_policy()
        knowledge = current_knowledge()
        stdin = options.get("stdin")
        inputs = expand_paths(options["paths"])
        counts = {"created": 0, "unchanged": 0, "valid": 0, "invalid": 0}
        with progress(len(inputs), self.stderr, "Importing") as bar:
            for name, problem in inputs:
                source = read_source(name, problem, stdin)
                bar.update(1)
                if source.data is None:
                    counts["invalid"] += 1
                    self._error(bar, error_lines(name, [("$", source.error or "cannot be read")]))
                    continue
                try:
                    outcome = intake_import(
                        document=source.data, dry_run=dry_run, policy=policy, knowledge=knowledge
                    )
                except DocumentError as exc:
                    counts["invalid"] += 1
                    self._error(bar, error_lines(name, exc.errors))
                    continue
                counts[outcome.status] += 1
                if verbose:
                    where = f" (intake {outcome.intake.pk})" if outcome.intake else ""
                    self.stdout.write(f"{name}: {outcome.status}{where}")
        if dry_run:
            self.stdout.write(
                f"Dry run: {counts['valid']} valid, {counts['unchanged']} already imported, "
                f"{counts['invalid']} invalid; nothing stored."
            )
        else:
            self.stdout.write(
                f"Imported {counts['created']}, already imported {counts['unchanged']}, "
                f"invalid {counts['invalid']}."
            )
        self.stdout.flush()
        self.stderr.flush()
        if counts["invalid"]:
            raise SystemExit(2)

    def _error(self, bar, text: str) -> None:
        if bar.disable:
            self.stderr.write(text, ending="")
        else:
            bar.write(text.rstrip("\n"), file=getattr(self.stderr, "_out", None))
