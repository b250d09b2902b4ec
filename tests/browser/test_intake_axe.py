"""axe-core on every intake page (and the invitation pages) in Chromium: no
serious or critical violations. axe is injected with page.evaluate, which
the strict Content-Security-Policy allows (a script tag would be blocked)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail

from clinic.accounts.invitations import invitation_send
from screening.intake.steps import STEPS
from screening.services.intake import COMPLETE, FORM_STEPS, intake_start, intake_submit
from tests.browser.intake_steps import invitation_path
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.intake import URGENT_SAFETY, IntakeFactory, document_for, sections_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_intake_page_passes_axe(live_server, login_page):
    url = live_server.url
    problems: list[str] = []

    invited = PatientFactory()
    invitation_send(patient=invited, by=None)
    page = login_page(PatientFactory(with_login=True).user)
    page.goto(url + invitation_path(mail.outbox[0]))
    problems += serious_violations(page)

    patient = PatientFactory(with_login=True)
    intake = intake_start(patient=patient)
    # Part-filled, with the urgent answers, so the crisis box is on the pages.
    document = sections_of(document_for(patient, URGENT_SAFETY))
    intake.document = {k: document[k] for k in ("patient", "depression", "suicide_screen")}
    intake.save()
    page = login_page(patient.user)
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for step in STEPS:
        path = "/intake/review/" if step.key == "review" else f"/intake/step/{step.key}/"
        page.goto(url + path)
        problems += serious_violations(page)
    # A step showing errors.
    page.goto(url + "/intake/step/physical/")
    page.get_by_label("Upper number (systolic), mmHg").fill("100")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Please check these answers").wait_for()
    problems += serious_violations(page)

    assert csp_errors == []  # no inline script or style anywhere in the steps

    # On a phone.
    page.set_viewport_size({"width": 375, "height": 800})
    for key in ("feeling", "treatments"):
        page.goto(f"{url}/intake/step/{key}/")
        problems += serious_violations(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    # The confirmation and the printable copy of a sent intake.
    sent = IntakeFactory()
    sent.document = sections_of(document_for(sent.patient, URGENT_SAFETY))
    sent.step_state = dict.fromkeys(FORM_STEPS, COMPLETE)
    sent.save()
    intake_submit(intake=sent)
    page = login_page(sent.patient.user)
    for path in (f"/intake/{sent.pk}/submitted/", f"/intake/{sent.pk}/", "/intake/"):
        page.goto(url + path)
        problems += serious_violations(page)

    # Staff invite page, and an invitation link that no longer works.
    page = login_page(StaffFactory(role="scheduler"))
    page.goto(url + "/invitations/new/")
    problems += serious_violations(page)
    page.goto(url + invitation_path(mail.outbox[0]))
    problems += serious_violations(page)
    invitation_send(patient=invited, by=None)  # replaces the first link
    page.goto(url + invitation_path(mail.outbox[0]))
    problems += serious_violations(page)

    assert problems == []
