"""Screen clinic-intake/1 documents and print the results; stores nothing.

    python manage.py screen_intake PATH [PATH ...] [--workers N]

PATH is a file, a folder (every *.json in it, sorted by name) or `-` for
standard input. Each valid document gives one line on standard output: its
clinic-screening/1 result as compact JSON with "file": PATH added, in input
order. An invalid one gives `PATH: json.path: message` lines on standard
error. Exits 2 when any input was invalid, else 0.

The policy and dose table are read from the database once; the documents are
then screened by the engine alone. Large inputs are shared among worker
processes (one per core by default), keeping the input order.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections

from screening.engine import DocumentError, parse_document, screen
from screening.interchange.sources import STDIN, expand_paths, read_source
from screening.management.commands._cli import error_lines

_dumps = json.JSONEncoder(separators=(",", ":")).encode
# Inputs per worker task, and the least input worth starting workers for.
CHUNK = 250
PARALLEL_FROM = 1000

# Set before the workers fork, read by them.
_RULES: tuple[Any, Any] | None = None


def screen_inputs(
    inputs: list[tuple[str, str | None]], policy: Any, knowledge: Any, stdin: Any = None
) -> tuple[list[str], list[str]]:
    """Screen inputs; returns (result lines, error text per invalid input)."""
    out: list[str] = []
    err: list[str] = []
    for name, problem in inputs:
        source = read_source(name, problem, stdin)
        if source.data is None:
            err.append(error_lines(name, [("$", source.error or "cannot be read")]))
            continue
        try:
            doc = parse_document(source.data)
        except DocumentError as exc:
            err.append(error_lines(name, exc.errors))
            continue
        out.append(_dumps({"file": name, **screen(doc, policy, knowledge)}))
    return out, err


def _screen_chunk(inputs: list[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
    assert _RULES is not None
    return screen_inputs(inputs, *_RULES)


class Command(BaseCommand):
    help = "Screen intake documents (files, folders of *.json, or - for stdin); stores nothing."
    stealth_options = ("stdin",)
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="Worker processes for large inputs (default: one per core; 1: none).",
        )

    def handle(self, *args, **options) -> None:
        global _RULES
        from screening.services.policy import current_knowledge, current_policy

        policy, _version = current_policy()
        knowledge = current_knowledge()
        inputs = expand_paths(options["paths"])
        workers = options["workers"] or (os.cpu_count() or 1)
        parallel = (
            workers > 1
            and len(inputs) >= PARALLEL_FROM
            and all(name != STDIN for name, _ in inputs)
            and "fork" in multiprocessing.get_all_start_methods()
        )
        if parallel:
            _RULES = (policy, knowledge)
            connections.close_all()
            chunks = [inputs[i : i + CHUNK] for i in range(0, len(inputs), CHUNK)]
            out: list[str] = []
            err: list[str] = []
            with multiprocessing.get_context("fork").Pool(min(workers, len(chunks))) as pool:
                for chunk_out, chunk_err in pool.imap(_screen_chunk, chunks):
                    out.extend(chunk_out)
                    err.extend(chunk_err)
        else:
            out, err = screen_inputs(inputs, policy, knowledge, options.get("stdin"))
        try:
            if out:
                self.stdout.write("\n".join(out), ending="\n")
            if err:
                self.stderr.write("".join(err), ending="")
            self.stdout.flush()
            self.stderr.flush()
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as Unix tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            raise SystemExit(1) from None
        if err:
            raise SystemExit(2)
