"""Reading the inputs of the command-line tools: files, folders and stdin.

A PATH is a file, a folder (every `*.json` in it, sorted by name; for
import also `*.jsonl`) or `-` for standard input. `expand_paths` lists the inputs (so a
progress bar knows the total); `read_source` reads one; `documents_in` splits
one into its documents: a JSON object is one document, a JSON array holds
several (`name[0]`, `name[1]`, ...), and JSON Lines (what `export_intakes`
prints) one per line (`name:1`, `name:2`, ...). Nothing here raises for a
bad path or bad JSON: the problem comes back as an `error`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

STDIN = "-"
# What a folder given to import_intakes is read for.
IMPORT_SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    data: bytes | None
    error: str | None = None


def expand_paths(
    paths: Sequence[str], suffixes: tuple[str, ...] = (".json",)
) -> list[tuple[str, str | None]]:
    """The inputs as (name, error): folders expanded to their files ending in
    one of `suffixes` (*.json unless told), sorted."""
    names: list[tuple[str, str | None]] = []
    for path in paths:
        if path == STDIN:
            names.append((STDIN, None))
        elif os.path.isdir(path):
            try:
                with os.scandir(path) as it:
                    found = sorted(
                        e.name for e in it if e.name.endswith(suffixes) and not e.is_dir()
                    )
            except OSError as exc:
                names.append((path, f"cannot read the folder ({exc.strerror})"))
                continue
            names.extend((os.path.join(path, name), None) for name in found)
        elif os.path.exists(path):
            names.append((path, None))
        else:
            names.append((path, "no such file or folder"))
    return names


def read_source(name: str, error: str | None = None, stdin: BinaryIO | None = None) -> Source:
    """Read one input listed by expand_paths."""
    if error is not None:
        return Source(name, None, error)
    if name == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            return Source(name, stream.read())
        except (OSError, ValueError) as exc:
            return Source(name, None, f"cannot read standard input ({exc})")
    try:
        with open(name, "rb") as fh:
            return Source(name, fh.read())
    except OSError as exc:
        return Source(name, None, f"cannot read the file ({exc.strerror or type(exc).__name__})")


def read_sources(paths: Sequence[str], stdin: BinaryIO | None = None) -> Iterator[Source]:
    """Yield each input, in the order given (a folder's files sorted by name)."""
    for name, error in expand_paths(paths):
        yield read_source(name, error, stdin)


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """One document of a source: `data` is the parsed JSON value (or the raw
    bytes of a single document, so its own parse errors are reported), or
    `error` says why it could not be read."""

    name: str
    data: Any
    error: str | None = None


def documents_in(source: Source) -> list[SourceDocument]:
    """The documents of one source: an object, an array of them, or JSON Lines."""
    if source.data is None:
        return [SourceDocument(source.name, None, source.error or "cannot be read")]
    try:
        value = json.loads(source.data)
    except ValueError as exc:
        if "Extra data" not in str(exc):
            return [SourceDocument(source.name, source.data)]  # the importer says what is wrong
        return _json_lines(source)
    if isinstance(value, list):
        if not value:
            return [SourceDocument(source.name, None, "is an empty list: no documents")]
        return [SourceDocument(f"{source.name}[{i}]", item) for i, item in enumerate(value)]
    return [SourceDocument(source.name, source.data)]


def _json_lines(source: Source) -> list[SourceDocument]:
    found: list[SourceDocument] = []
    for number, line in enumerate(source.data.splitlines(), start=1):
        if not line.strip():
            continue
        name = f"{source.name}:{number}"
        try:
            found.append(SourceDocument(name, json.loads(line)))
        except ValueError as exc:
            found.append(SourceDocument(name, None, f"is not valid JSON ({exc})"))
    return found
