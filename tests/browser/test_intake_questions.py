"""Questions that depend on an earlier answer, in Chromium (issue 9): the
C-SSRS numbered as shown (1, 2, 3 with questions 3-5 hidden; 1-6 when asked),
each question under its own time frame; AUDIT-C questions 2 and 3 hidden after
"Never" and stored as 0."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from screening.models import Intake
from screening.services.intake import COMPLETE, intake_start
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for, step_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_questions(page) -> list[str]:
    """The legends of the C-SSRS questions visible on the page, in order."""
    return [
        " ".join(text.split())
        for text in page.locator("[data-question] legend").evaluate_all(
            "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText)"
        )
    ]


def test_cssrs_numbers_what_is_shown_under_each_time_frame(live_server, login_page):
    patient = PatientFactory(with_login=True)
    intake_start(patient=patient)
    page = login_page(patient.user)
    page.goto(f"{live_server.url}/intake/step/safety/")

    numbers = [q.split(".")[0] for q in shown_questions(page)]
    assert numbers == ["1", "2", "3"]
    assert shown_questions(page)[2].startswith("3. Have you ever done anything")
    lifetime = page.get_by_role("heading", name="Ever in your life:")
    past_month = page.get_by_role("heading", name="In the past month:")
    expect(past_month).to_be_visible()
    expect(lifetime).to_be_visible()
    # Question 6 sits under its own time frame, not under "In the past month".
    q6 = page.locator("[data-question=behavior_lifetime]")
    assert page.locator("section", has=lifetime).locator("[data-question]").count() == 1
    assert (
        page.locator("section", has=past_month).locator("[data-question=behavior_lifetime]").count()
        == 0
    )

    page.get_by_role("group", name="2. Have you actually had").get_by_label("Yes").check()
    assert [q.split(".")[0] for q in shown_questions(page)] == ["1", "2", "3", "4", "5", "6"]
    expect(q6.locator("legend")).to_contain_text("6. Have you ever done anything")
    q6.get_by_label("Yes").check()
    follow_up = page.locator("#cssrs-q6-followup")
    expect(follow_up).to_be_visible()
    expect(follow_up).to_contain_text("Answer this only if you answered yes to question 6.")

    page.get_by_role("group", name="2. Have you actually had").get_by_label("No").check()
    assert [q.split(".")[0] for q in shown_questions(page)] == ["1", "2", "3"]
    expect(q6.locator("legend")).to_contain_text("3. Have you ever done anything")
    expect(follow_up).to_contain_text("Answer this only if you answered yes to question 3.")
    # A screen reader finds the question by its shown number.
    expect(page.get_by_role("group", name=re.compile(r"^3\. Have you ever done"))).to_be_visible()


def test_audit_c_hides_2_and_3_after_never_and_stores_0(live_server, login_page):
    patient = PatientFactory(with_login=True, given_name="Dana", family_name="Reyes")
    intake = intake_start(patient=patient)
    page = login_page(patient.user)
    page.goto(f"{live_server.url}/intake/step/substances/")

    q1 = page.get_by_role("group", name="How often do you have a drink containing alcohol?")
    q2 = page.get_by_role("group", name="How many standard drinks containing alcohol")
    q3 = page.get_by_role("group", name="How often do you have six or more drinks")
    expect(q2).to_be_visible()
    q1.get_by_label("2-4 times a month").check()
    q2.get_by_label("3 or 4").check()
    q3.get_by_label("Monthly", exact=True).check()
    q1.get_by_label("Never").check()
    expect(q2).to_be_hidden()
    expect(q3).to_be_hidden()

    document = document_for(patient, LIKELY_TRD)
    answers = step_post("substances", document, patient)
    for i in range(1, 11):
        value = answers[f"dast_{i}"]
        page.get_by_role("group", name=re.compile(rf"^{i}\. ")).get_by_label(
            "Yes" if value == "yes" else "No", exact=True
        ).check()
    for name in ("ketamine_or_pcp_nonmedical_use", "substance_use_disorder_history"):
        page.locator(f"input[name={name}][value=no]").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{live_server.url}/intake/step/medicines/")
    intake = Intake.objects.get(pk=intake.pk)
    assert intake.step_state["substances"] == COMPLETE
    assert intake.document["substance_use"]["audit_c"] == [0, 0, 0]

    page.goto(f"{live_server.url}/intake/step/substances/")
    expect(q2).to_be_hidden()
    q1.get_by_label("Monthly or less").check()
    expect(q2).to_be_visible()
    expect(q2.get_by_role("radio", checked=True)).to_have_count(0)
