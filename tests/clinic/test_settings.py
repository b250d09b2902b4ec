"""Settings fail loudly on bad values, and accept good ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("X_FLAG", value)
    assert env.env_bool("X_FLAG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env.env_bool("X_FLAG", True) is True


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_env_bool_rejects_other_values_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("X_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=r"X_FLAG=.* is not a boolean"):
        env.env_bool("X_FLAG", False)


def test_env_int_rejects_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='twelve' is not a whole number"):
        env.env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="X_NUM=0 must be at least 1"):
        env.env_int("X_NUM", 5, minimum=1)
    monkeypatch.setenv("X_NUM", "7")
    assert env.env_int("X_NUM", 5, minimum=1) == 7


def test_env_time_zone_rejects_unknown_zone(monkeypatch):
    monkeypatch.setenv("X_TZ", "Mars/Olympus_Mons")
    with pytest.raises(ImproperlyConfigured, match="not an IANA time zone"):
        env.env_time_zone("X_TZ", "UTC")
    monkeypatch.setenv("X_TZ", "Europe/Madrid")
    assert env.env_time_zone("X_TZ", "UTC") == "Europe/Madrid"


def test_env_list_rejects_empty_entries(monkeypatch):
    monkeypatch.setenv("X_LIST", "a,,b")
    with pytest.raises(ImproperlyConfigured, match="empty entry"):
        env.env_list("X_LIST", [])
    monkeypatch.setenv("X_LIST", "a, b")
    assert env.env_list("X_LIST", []) == ["a", "b"]


def test_env_email_list_rejects_non_addresses(monkeypatch):
    monkeypatch.setenv("X_MAILS", "oncall@example.org,not-an-address")
    with pytest.raises(ImproperlyConfigured, match="not-an-address"):
        env.env_email_list("X_MAILS", [])


def _load_settings(**overrides: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with a given environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CLINIC_", "EMAIL_"))
    }
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import clinic.settings as s; print(s.TIME_ZONE, s.DEBUG)"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = _load_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_bad_debug_value_stops_start_up():
    result = _load_settings(DJANGO_DEBUG="sometimes", DJANGO_SECRET_KEY="x")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='sometimes' is not a boolean" in result.stderr


def test_bad_database_url_stops_start_up():
    result = _load_settings(DJANGO_SECRET_KEY="x", DATABASE_URL="nosuchdb://somewhere/x")
    assert result.returncode != 0
    assert "DATABASE_URL is not a valid database URL" in result.stderr


def test_bad_time_zone_stops_start_up():
    result = _load_settings(DJANGO_SECRET_KEY="x", CLINIC_TIME_ZONE="Nowhere/City")
    assert result.returncode != 0
    assert "CLINIC_TIME_ZONE='Nowhere/City' is not an IANA time zone" in result.stderr


def test_an_unknown_holiday_country_or_subdivision_stops_start_up():
    result = _load_settings(DJANGO_SECRET_KEY="x", CLINIC_COUNTRY="Atlantis")
    assert result.returncode != 0
    assert "CLINIC_COUNTRY='Atlantis' is not a country the holidays library knows" in result.stderr
    result = _load_settings(DJANGO_SECRET_KEY="x", CLINIC_COUNTRY="US", CLINIC_SUBDIVISION="XX")
    assert result.returncode != 0
    assert "CLINIC_SUBDIVISION='XX' is not a subdivision of US" in result.stderr
    result = _load_settings(DJANGO_SECRET_KEY="x", CLINIC_COUNTRY="ES", CLINIC_SUBDIVISION="")
    assert result.returncode == 0, result.stderr


def test_good_environment_loads_with_defaults():
    result = _load_settings(DJANGO_SECRET_KEY="x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["America/New_York", "False"]


def test_manage_py_names_the_missing_setting_instead_of_a_traceback():
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CLINIC_", "EMAIL_"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**environment, "DJANGO_DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Configuration error: DJANGO_SECRET_KEY must be set" in result.stderr
    assert "DJANGO_DEBUG=1" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_rate_reads_allauths_rate_limits(monkeypatch):
    monkeypatch.setenv("X_RATE", "20/m/ip,5/15m/key")
    assert env.env_rate("X_RATE", "1/m/ip") == "20/m/ip,5/15m/key"
    monkeypatch.setenv("X_RATE", "five per minute")
    with pytest.raises(ImproperlyConfigured, match="X_RATE='five per minute' is not a rate limit"):
        env.env_rate("X_RATE", "1/m/ip")
