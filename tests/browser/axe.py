"""Accessibility scans with axe-core, offline (axe-playwright-python carries it).

The script is injected with page.evaluate, which a strict CSP allows."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


def serious_violations(page) -> list[str]:
    results = _AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"-> {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def assert_accessible(page) -> None:
    problems = serious_violations(page)
    assert problems == [], "\n".join(problems)
