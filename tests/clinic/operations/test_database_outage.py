"""A database that cannot be reached answers 503 with a page that says to try
again in a minute (JSON for the intake's autosave), never the 500 page.

Each case runs a real process whose database is unreachable: a SQLite file in
a directory that does not exist, and a PostgreSQL port nobody listens on."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

UNREACHABLE = {
    "missing-sqlite-file": "sqlite:////nonexistent-dir/for-outage/db.sqlite3",
    "closed-pg-port": "postgres://clinic:clinic@127.0.0.1:9/clinic_unreachable",
}

SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "a-session-that-needs-the-database"
out = []
for method, path, headers in [
    ("get", "/intake/", {}),
    ("get", "/me/", {}),
    ("get", "/review/", {}),
    ("post", "/intake/step/about/", {"HTTP_X_INTAKE_AUTOSAVE": "1"}),
    ("post", "/accounts/login/", {}),
]:
    data = {"login": "someone@example.org", "password": "x"} if "login" in path else {"a": "b"}
    r = getattr(client, method)(path, data, **headers) if method == "post" else client.get(path)
    out.append({"path": path, "status": r.status_code, "type": r["Content-Type"],
                "retry": r.get("Retry-After"), "cache": r.get("Cache-Control"),
                "body": r.content.decode()})
print(json.dumps(out))
"""


@pytest.mark.parametrize("database", sorted(UNREACHABLE))
def test_an_unreachable_database_answers_503_try_again_in_a_minute(database):
    environment = {
        **os.environ,
        "DATABASE_URL": UNREACHABLE[database],
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DJANGO_DEBUG": "0",
        "PGCONNECT_TIMEOUT": "3",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answers = {a["path"]: a for a in json.loads(result.stdout.strip().splitlines()[-1])}
    for path in ("/intake/", "/me/", "/review/", "/accounts/login/"):
        answer = answers[path]
        assert answer["status"] == 503, (path, answer)
        assert answer["retry"] == "60" and answer["cache"] == "no-store"
        assert "try again in a minute" in answer["body"]
        assert "988" in answer["body"]
        assert "Something went wrong" not in answer["body"]
    autosave = answers["/intake/step/about/"]
    assert autosave["status"] == 503 and autosave["type"] == "application/json"
    body = json.loads(autosave["body"])
    assert body["saved"] is False and body["retry_after"] == 60
    assert "try again in a minute" in body["error"]
    # Logged as a warning about the database, not as a server error.
    assert "Internal Server Error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "Service Unavailable" not in result.stderr
    assert "Database unavailable on GET /intake/" in result.stderr
