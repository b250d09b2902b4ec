"""What the screening commands share: error lines, dates, the progress bar."""

from __future__ import annotations

import datetime
import sys
from typing import Any

from django.core.management.base import CommandError


def error_lines(name: str, errors: list[tuple[str, str]]) -> str:
    """`PATH: json.path: message`, one line per error."""
    return "".join(f"{name}: {path}: {message}\n" for path, message in errors)


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD)") from None


def progress(total: int | None, stream: Any, desc: str, unit: str = "doc"):
    """A tqdm progress bar on the command's standard error; shown only on a
    terminal, so logs and pipes stay clean."""
    from tqdm import tqdm

    out = getattr(stream, "_out", stream) or sys.stderr
    return tqdm(total=total, file=out, desc=desc, unit=unit, disable=None, leave=False)
