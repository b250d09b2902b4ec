"""Import clinic-intake/1 documents as submitted intakes, and screen them.

    python manage.py import_intakes PATH [PATH ...] [--dry-run]

PATH is a file, a folder (every *.json and *.jsonl in it, sorted by name) or
`-` for standard input. A file holds one document (a JSON object), several
(a JSON array), or one per line (JSON Lines, what `export_intakes` prints),
so an export imports as it is. Documents are stored in chunks of 500
(`intakes_import`), each document all or nothing as on its own: its
patient is matched by external_id, else by email and date of birth, or
created without a login. Importing the same document again stores nothing
new. An invalid document (one over the format's limits too: a field longer
than its column, a list over 50 entries) gives `PATH: json.path: message`
lines on standard error (PATH:LINE for JSON Lines, PATH[i] for an array) and
the others are still imported. `--dry-run` validates only. Exits 2 when any
input was invalid, else 0.
"""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from screening.engine import DocumentError
from screening.interchange import (
    IMPORT_SUFFIXES,
    documents_in,
    expand_paths,
    intakes_import,
    read_source,
)
from screening.management.commands._cli import error_lines, progress

logger = logging.getLogger(__name__)

# Documents stored together, in one transaction (see intakes_import): big
# enough that the per-query costs are spread thin, small enough that one
# refused by the database (the chunk is then imported one at a time) costs
# little.
CHUNK = 500


class Command(BaseCommand):
    help = "Import intake documents (files, folders of *.json, or - for stdin) and screen them."
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; store nothing.")

    def handle(self, *args, **options) -> None:
        from screening.services.policy import current_knowledge, current_policy

        dry_run = options["dry_run"]
        verbose = options["verbosity"] >= 2
        policy = current_policy()
        knowledge = current_knowledge()
        stdin = options.get("stdin")
        inputs = expand_paths(options["paths"], IMPORT_SUFFIXES)
        counts = {"created": 0, "unchanged": 0, "valid": 0, "invalid": 0}
        chunk: list = []

        def flush() -> None:
            self._import_chunk(chunk, dry_run, policy, knowledge, counts, verbose, bar)
            chunk.clear()

        with progress(len(inputs), self.stderr, "Importing") as bar:
            for path, problem in inputs:
                bar.update(1)
                for document in documents_in(read_source(path, problem, stdin)):
                    chunk.append(document)
                    if len(chunk) >= CHUNK:
                        flush()
            flush()
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

    def _import_chunk(self, chunk, dry_run, policy, knowledge, counts, verbose, bar) -> None:
        """Import a chunk of documents at once (`intakes_import`) and report
        on each, in order."""
        readable = [document for document in chunk if document.error is None]
        results = iter(
            intakes_import(
                documents=[document.data for document in readable],
                dry_run=dry_run,
                policy=policy,
                knowledge=knowledge,
            )
            if readable
            else []
        )
        for document in chunk:
            name = document.name
            if document.error is not None:
                counts["invalid"] += 1
                self._error(bar, error_lines(name, [("$", document.error)]))
                continue
            outcome = next(results)
            if isinstance(outcome, DocumentError):
                counts["invalid"] += 1
                self._error(bar, error_lines(name, outcome.errors))
                continue
            if isinstance(outcome, DatabaseError):
                # The format's limits should keep every value in its column;
                # should one still not fit, this document is refused (rolled
                # back) and the batch goes on.
                counts["invalid"] += 1
                logger.error("Import of %s failed in the database", name, exc_info=outcome)
                text = str(outcome).strip()
                first = text.splitlines()[0] if text else ""
                message = f"the database refused it ({type(outcome).__name__}: {first})"
                self._error(bar, error_lines(name, [("$", message)]))
                continue
            counts[outcome.status] += 1
            if verbose:
                where = f" (intake {outcome.intake.pk})" if outcome.intake else ""
                self.stdout.write(f"{name}: {outcome.status}{where}")

    def _error(self, bar, text: str) -> None:
        if bar.disable:
            self.stderr.write(text, ending="")
        else:
            bar.write(text.rstrip("\n"), file=getattr(self.stderr, "_out", None))
