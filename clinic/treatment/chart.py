"""The vitals trend over a course as a server-rendered SVG (no script, no
inline style), like the PHQ-9 chart of the case page."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
LOW, HIGH = 40, 200
SERIES = (
    ("pre_systolic", "pre-dose systolic", "#0d47a1", ""),
    ("peak_systolic", "highest systolic", "#b71c1c", "5 3"),
    ("pre_diastolic", "pre-dose diastolic", "#1b5e20", "2 2"),
)


def _y(value: float) -> float:
    value = max(LOW, min(HIGH, value))
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - LOW) / (HIGH - LOW))


def vitals_trend_svg(points: Sequence[dict]) -> SafeString:
    """``points``: one dict per session, oldest first, with ``day`` and the
    SERIES keys (values may be None)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'class="vitals-chart" role="img" aria-labelledby="vitals-chart-title vitals-chart-desc">',
        '<title id="vitals-chart-title">Blood pressure over the sessions</title>',
    ]
    summary = "; ".join(
        f"{p['day'].isoformat()}: "
        + ", ".join(f"{label} {p[key]}" for key, label, _c, _d in SERIES if p.get(key) is not None)
        for p in points
    )
    parts.append(f'<desc id="vitals-chart-desc">{escape(summary or "No vitals yet.")}</desc>')
    bottom = HEIGHT - BOTTOM
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#000"/>')
    parts.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#000"/>'
    )
    for value in (60, 90, 120, 140, 180):
        y = _y(value)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#000">{value}</text>'
        )
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#999" '
            'stroke-width="0.5" stroke-dasharray="4 3"/>'
        )
    if not points:
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text
    inner = WIDTH - LEFT - RIGHT
    count = len(points)

    def x(i: int) -> float:
        return LEFT + inner / 2 if count == 1 else LEFT + inner * i / (count - 1)

    for key, label, colour, dash in SERIES:
        coords = [(x(i), _y(p[key])) for i, p in enumerate(points) if p.get(key) is not None]
        if len(coords) > 1:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashes}>'
                f"<title>{escape(label)}</title></polyline>"
            )
        for a, b in coords:
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{colour}"/>')
    for i, p in enumerate(points):
        day: datetime.date = p["day"]
        parts.append(
            f'<text x="{x(i):.1f}" y="{bottom + 16}" text-anchor="middle" font-size="10" '
            f'fill="#000">{day.strftime("%m-%d")}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text
