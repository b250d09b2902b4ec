"""Shared fixtures: users per role, PostgreSQL and Chromium requirements,
Playwright on Debian's Chromium."""

from __future__ import annotations

import os
import shutil

import pytest

# Django imports stay inside the fixtures, so the pure-Python engine tests run
# without Django: `pytest tests/screening/engine -p no:django`.

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return path if os.path.exists(path) or shutil.which(path) else None


def _required(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL and browser tests where those are missing, with a one-line
    reason, unless CI requires them (then they run and fail loudly)."""
    db_url = os.environ.get("DATABASE_URL", "")
    on_postgres = db_url.startswith(("postgres://", "postgresql://"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres and not _required("REQUIRE_POSTGRES"):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if (
            "browser" in item.keywords
            and chromium_path() is None
            and not _required("REQUIRE_BROWSER")
        ):
            item.add_marker(pytest.mark.skip(reason="needs Chromium (apt-get install chromium)"))


@pytest.fixture(autouse=True, scope="session")
def _require_postgres(request):
    if not _required("REQUIRE_POSTGRES"):
        return
    request.getfixturevalue("django_db_setup")
    django_db_blocker = request.getfixturevalue("django_db_blocker")
    if _required("REQUIRE_POSTGRES"):
        from django.db import connection

        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", (
                f"REQUIRE_POSTGRES=1 but the tests run on {connection.vendor}"
            )


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Hash test users' passwords with a fast hasher (as healthchecks and pretalx
    do): the production hasher costs over a second a hash on these machines.
    `tests/clinic/test_password_hashing.py` keeps one test on the real one."""
    from django.conf import settings
    from django.test import override_settings

    if not settings.configured:  # the pure engine tests, run with `-p no:django`
        yield
        return
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=fast):
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        pytest.fail("Chromium is required (REQUIRE_BROWSER=1) but was not found")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def patient_user(db):
    from tests.factories.accounts import PatientFactory

    return PatientFactory(with_login=True).user


@pytest.fixture
def clinician(db):
    from tests.factories.accounts import StaffFactory

    return StaffFactory(role="clinician")


@pytest.fixture
def scheduler(db):
    from tests.factories.accounts import StaffFactory

    return StaffFactory(role="scheduler")


@pytest.fixture
def clinic_admin(db):
    from tests.factories.accounts import StaffFactory

    return StaffFactory(role="admin")


@pytest.fixture
def login_page(live_server, page):
    """Log a user into the browser by setting a real session cookie."""
    from django.conf import settings
    from django.test import Client

    def _login(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return _login
