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


def _is_autosave(response) -> bool:
    request = response.request
    return (
        request.method == "POST"
        and "/intake/step/" in response.url
        and request.headers.get("x-intake-autosave") == "1"
    )


def autosave_quickly(page: Page, delay_ms: int = 60) -> None:
    """Shorten the pause before an autosave (the page's own code path, with
    its `data-autosave-delay`), so that a test can let it run between fields."""
    page.locator("form.intake-form").evaluate(
        "(form, delay) => form.setAttribute('data-autosave-delay', String(delay))", delay_ms
    )


def _already(page: Page, name: str, value) -> bool:
    values = value if isinstance(value, list) else [value]
    return page.evaluate(
        """([name, values]) => {
            const fields = [...document.querySelectorAll(`[name="${name}"]`)];
            if (!fields.length) { return false; }
            const kind = fields[0].type;
            if (kind === "radio" || kind === "checkbox") {
                const checked = fields.filter(f => f.checked).map(f => f.value);
                const single = kind === "checkbox" && fields.length === 1;
                const wanted = single ? [fields[0].value] : values;
                return checked.length === wanted.length && wanted.every(v => checked.includes(v));
            }
            return fields[0].value === values[0];
        }""",
        [name, values],
    )


def fill_slowly(page: Page, data: dict) -> int:
    """Type each field as a patient who pauses between fields would: after
    each one, wait for the autosave it set off to reach the server.
    Returns how many autosaves ran."""
    saves = 0
    for name, value in data.items():
        if name == "action" or name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
            continue
        if _already(page, name, value):
            continue  # nothing to type: the page shows it already (no autosave)
        with page.expect_response(_is_autosave) as saved:
            fill_fields(page, {name: value})
        assert saved.value.ok, saved.value.status
        saves += 1
    return saves


def fill_step_slowly(page: Page, step_key: str, document: dict, patient) -> int:
    """A whole step typed slowly, list rows added with the page's own button
    ("Add another ...") and typed into, the first row typed into the empty
    row the page shows."""
    from screening.intake.steps import STEP_BY_KEY
    from tests.factories.intake import _form_post

    step = STEP_BY_KEY[step_key]
    autosave_quickly(page)
    saves = 0
    if step.form_class is not None:
        data = _form_post(step.form_class, step.form_class.initial_from(document, patient))
        saves += fill_slowly(page, {k: v if len(v) > 1 else v[0] for k, v in data.items()})
    for spec in step.lists:
        for i, row in enumerate(document.get(spec.section) or []):
            if i > 0:
                page.locator(f'[data-add-row="{spec.prefix}"]').click()
                expect(page.locator(f'[name^="{spec.prefix}-{i}-"]').first).to_be_focused()
            data = _form_post(
                spec.form_class, spec.form_class.initial_from_row(row), f"{spec.prefix}-{i}"
            )
            saves += fill_slowly(page, {k: v[0] for k, v in data.items()})
    return saves
