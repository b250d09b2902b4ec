"""The outcomes page in a real browser, with the demo year of courses: the
results table and the server-drawn charts at desktop and phone width, no
sideways scrolling on a phone, the filters, and no serious axe finding on the
outcomes, report and course pages."""

from __future__ import annotations

import io

import pytest

from screening.outcomes import demo
from screening.outcomes.models import CourseResult
from tests.browser.axe import serious_violations
from tests.factories.accounts import StaffFactory
from tests.factories.outcomes import seed_cadences

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_year(db):
    seed_cadences()
    doctor = StaffFactory(role="clinician", email="dr.demo@example.org")
    demo.seed(io.StringIO())
    return doctor


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_outcomes_page_shows_results_and_charts(live_server, login_page, demo_year, viewport):
    page = login_page(demo_year)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(f"{live_server.url}/outcomes/")
    assert page.get_by_role("heading", name="Outcomes", exact=True).is_visible()
    tms = page.get_by_test_id("row-tms")
    assert tms.locator("td").first.inner_text() == str(demo.COURSES_PER_TREATMENT)
    assert "%" in tms.inner_text()
    charts = page.locator("svg.outcomes-chart[role=img]")
    assert charts.count() == 9  # 4 trends, 4 treatments' quarters and all treatments'
    assert page.locator("svg.outcomes-chart polyline").count() >= 5
    for key in ("all", "tms", "ect", "esketamine", "iv_ketamine"):
        assert page.get_by_test_id(f"quarter-chart-{key}").locator("circle").count() >= 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0]  # the wide table scrolls in its own box
    assert serious_violations(page) == []

    # Filter to one treatment: one row, one trend.
    page.get_by_label("Treatment", exact=True).select_option("ect")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**treatment=ect**")
    assert page.get_by_test_id("row-ect").is_visible()
    assert page.get_by_test_id("row-tms").count() == 0
    assert page.locator("[data-testid^=trend-chart-]").count() == 1


def test_report_and_course_pages_are_accessible(live_server, login_page, demo_year):
    page = login_page(demo_year)
    problems = {}
    course = CourseResult.objects.filter(treatment="ect").first().course_id
    for path in ("/outcomes/report/?period=all", f"/outcomes/courses/{course}/"):
        page.goto(f"{live_server.url}{path}")
        problems[path] = serious_violations(page)
    assert problems == {path: [] for path in problems}
    assert page.get_by_test_id("course-result").is_visible()
