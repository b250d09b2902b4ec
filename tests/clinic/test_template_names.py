"""One naming scheme for included templates (issue 11): they live under
`<app>/partials/` (or the site's `partials/`), and no template is named with a
leading underscore."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_is_named_with_a_leading_underscore():
    underscored = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("_*.html"))
    assert underscored == []
