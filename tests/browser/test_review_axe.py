"""axe-core finds no serious accessibility problem on the review pages."""

from __future__ import annotations

import pytest

from tests.browser.axe import serious_violations
from tests.factories.review import case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_queue_case_and_summary_pages_are_accessible(live_server, login_page, clinician):
    urgent = case("urgent")
    case("high")
    page = login_page(clinician)
    problems = {}
    for path in ("/review/", f"/review/{urgent.pk}/", f"/review/{urgent.pk}/summary/"):
        page.goto(f"{live_server.url}{path}")
        problems[path] = serious_violations(page)
    assert problems == {path: [] for path in problems}
