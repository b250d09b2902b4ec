"""axe-core finds no serious accessibility problem on Consults to book and
on the scheduler's limited case page with its "Book a consult" button."""

from __future__ import annotations

import pytest

from tests.browser.axe import serious_violations
from tests.factories.review import consult_decided

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_to_book_and_limited_case_pages_are_accessible(live_server, login_page, scheduler):
    intake = consult_decided()
    consult_decided()
    page = login_page(scheduler)
    problems = {}
    for path in ("/review/to-book/", f"/review/{intake.pk}/"):
        page.goto(f"{live_server.url}{path}")
        problems[path] = serious_violations(page)
    assert problems == {path: [] for path in problems}
