"""The PHQ-9 trend as a server-rendered SVG: no script, no inline style
(presentation attributes only), black on white so it prints."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from screening.engine.vocabulary import PHQ9_BANDS, band_floors
from screening.labels import band_label

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
MAX_SCORE = PHQ9_BANDS[-1][0]
# Lower bound of each PHQ-9 band above the first, with its name.
BAND_LINES = band_floors(PHQ9_BANDS)


def _y(total: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - total / MAX_SCORE)


def _x(day: datetime.date, first: datetime.date, last: datetime.date) -> float:
    span = (last - first).days
    inner = WIDTH - LEFT - RIGHT
    if span == 0:
        return LEFT + inner / 2
    return LEFT + inner * (day - first).days / span


def phq9_trend_svg(points: Sequence[tuple[datetime.date, int, str]]) -> SafeString:
    """An SVG line chart of PHQ-9 totals over time. Intake versions are
    circles, follow-up check-ins squares."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="phq9-chart" role="img" aria-labelledby="phq9-chart-title phq9-chart-desc">',
        '<title id="phq9-chart-title">PHQ-9 total over time</title>',
    ]
    summary = "; ".join(f"{day.isoformat()}: {total} ({kind})" for day, total, kind in points)
    parts.append(f'<desc id="phq9-chart-desc">{escape(summary or "No PHQ-9 answers yet.")}</desc>')
    bottom = HEIGHT - BOTTOM
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#000" stroke-width="1"/>'
    )
    parts.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" '
        f'stroke="#000" stroke-width="1"/>'
    )
    for score in (0, *(floor for floor, _name in BAND_LINES), MAX_SCORE):
        y = _y(score)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#000">{score}</text>'
        )
    for score, name in BAND_LINES:
        y = _y(score)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#777" '
            f'stroke-width="0.75" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{y - 3:.1f}" text-anchor="end" font-size="10" '
            f'fill="#444">{escape(band_label(name))}</text>'
        )
    if not points:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="13" '
            f'fill="#000">No PHQ-9 answers yet</text>'
        )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text
    first, last = points[0][0], points[-1][0]
    coords = [(_x(day, first, last), _y(total)) for day, total, _kind in points]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0d47a1" stroke-width="2"/>')
    for (day, total, kind), (x, y) in zip(points, coords, strict=True):
        label = escape(f"{day.isoformat()}: PHQ-9 {total} ({kind})")
        if kind == "intake":
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#0d47a1" stroke="#000">'
                f"<title>{label}</title></circle>"
            )
        else:
            parts.append(
                f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" '
                f'stroke="#000" stroke-width="1.5"><title>{label}</title></rect>'
            )
        parts.append(
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="11" '
            f'fill="#000">{total}</text>'
        )
    for day in sorted({p[0] for p in points}):
        x = _x(day, first, last)
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="10" '
            f'fill="#000">{day.strftime("%Y-%m-%d")}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text
