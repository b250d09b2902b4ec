"""/healthz: 200 with the database reachable, 503 otherwise, no login, no data."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.django_db
def test_healthz_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_503_when_database_unreachable():
    """A real process whose database cannot be reached answers 503."""
    environment = dict(os.environ)
    environment["DATABASE_URL"] = "sqlite:////nonexistent-dir/for-healthz/db.sqlite3"
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**environment, "DJANGO_SETTINGS_MODULE": "clinic.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '503 {"status": "unavailable"}'
