"""Reading the inputs of the command-line tools: files, folders and stdin.

A PATH is a file, a folder (every `*.json` in it, sorted by name) or `-` for
standard input. `expand_paths` lists the inputs (so a progress bar knows the
total); `read_source` reads one. Nothing here raises for a bad path: the
problem comes back as the source's `error`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

STDIN = "-"


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    data: bytes | None
    error: str | None = None


def expand_paths(paths: Sequence[str]) -> list[tuple[str, str | None]]:
    """The inputs as (name, error): folders expanded to their *.json files, sorted."""
    names: list[tuple[str, str | None]] = []
    for path in paths:
        if path == STDIN:
            names.append((STDIN, None))
        elif os.path.isdir(path):
            try:
                with os.scandir(path) as it:
                    found = sorted(
                        e.name for e in it if e.name.endswith(".json") and not e.is_dir()
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
