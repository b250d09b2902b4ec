"""Helpers for the intake browser tests: fill a step in the real page from
the same form data the view tests post."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

INVITATION_PATH = re.compile(r"https?://[^/\s]+(/invitations/accept/\S+/)")


def invitation_path(message) -> str:
    match = INVITATION_PATH.search(message.body)
    assert match, message.body
    return match.group(1)


def fill_fields(page: Page, data: dict) -> None:
    """Type each value into the field of that name, as a patient would."""
    for name, value in data.items():
        if name == "action" or name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
            continue
        values = value if isinstance(value, list) else [value]
        fields = page.locator(f'[name="{name}"]')
        first = fields.first
        kind = first.get_attribute("type")
        tag = first.evaluate("element => element.tagName.toLowerCase()")
        if kind == "radio":
            page.locator(f'[name="{name}"][value="{values[0]}"]').check()
        elif kind == "checkbox":
            if fields.count() > 1:
                for item in values:
                    page.locator(f'[name="{name}"][value="{item}"]').check()
            else:
                first.check()
        elif tag == "select":
            first.select_option(values[0])
        else:
            first.fill(values[0])


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def expect_step(page: Page, live_url: str, key: str) -> None:
    expect(page).to_have_url(f"{live_url}/intake/step/{key}/")
