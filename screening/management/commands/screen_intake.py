"""Screen clinic-intake/1 documents and print the results; stores nothing.

    python manage.py screen_intake PATH [PATH ...]

PATH is a file, a folder (every *.json in it, sorted by name) or `-` for
standard input. Each valid document gives one line on standard output: its
clinic-screening/1 result as compact JSON with "file": PATH added, in input
order. An invalid one gives `PATH: json.path: message` lines on standard
error. Exits 2 when any input was invalid, else 0.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from screening.engine import DocumentError, parse_document, screen
from screening.interchange.sources import expand_paths, read_source
from screening.management.commands._cli import error_lines

_dumps = json.JSONEncoder(separators=(",", ":")).encode


class Command(BaseCommand):
    help = "Screen intake documents (files, folders of *.json, or - for stdin); stores nothing."
    stealth_options = ("stdin",)
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args, **options) -> None:
        from screening.services.screen import current_knowledge, current_policy

        policy, _version = current_policy()
        knowledge = current_knowledge()
        stdin = options.get("stdin")
        out: list[str] = []
        err: list[str] = []
        for name, problem in expand_paths(options["paths"]):
            source = read_source(name, problem, stdin)
            if source.data is None:
                err.append(error_lines(name, [("$", source.error or "cannot be read")]))
                continue
            try:
                doc = parse_document(source.data)
            except DocumentError as exc:
                err.append(error_lines(name, exc.errors))
                continue
            result = screen(doc, policy, knowledge)
            out.append(_dumps({"file": name, **result}))
        if out:
            self.stdout.write("\n".join(out), ending="\n")
        if err:
            self.stderr.write("".join(err), ending="")
        self.stdout.flush()
        self.stderr.flush()
        if err:
            raise SystemExit(2)
