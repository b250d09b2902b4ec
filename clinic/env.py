"""Read settings from the environment, failing loudly on a bad value.

Each helper raises ImproperlyConfigured naming the variable and what was
expected, so a typo in production stops the process at start-up instead of
running with a silent default.
"""

from __future__ import annotations

import os
import re
import zoneinfo

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} must be set in the environment.")
        if default is None:
            return ""
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty entry: use a,b,c.")
    return items


def env_time_zone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an IANA time zone such as America/New_York."
        ) from None
    return value


def env_email_list(name: str, default: list[str]) -> list[str]:
    items = env_list(name, default)
    for item in items:
        if "@" not in item or item.startswith("@") or item.endswith("@"):
            raise ImproperlyConfigured(f"{name} has {item!r}, which is not an email address.")
    return items


_RATE = re.compile(r"^\d+/\d*(?:\.\d+)?[smhd]/(?:ip|key|user)$")


def env_rate(name: str, default: str) -> str:
    """A rate limit in allauth's form: `5/15m/key`, several separated by commas."""
    value = env_str(name, default)
    for part in value.split(","):
        if not _RATE.match(part.strip()):
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a rate limit such as 20/m/ip,5/15m/key "
                "(count/period[s|m|h|d]/ip|key|user)."
            )
    return value
