"""The outcomes charts as server-rendered SVG, drawn as the case page's PHQ-9
trend is (`screening.review.chart`): no script, presentation attributes
only, a title and a description for screen readers, black on white so they
print. Each chart has a table of the same numbers beside it on the page."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from screening.engine.vocabulary import PHQ9_BANDS, band_floors

MAX_SCORE = PHQ9_BANDS[-1][0]
# The PHQ-9 bands' lower bounds above the first, where the trend draws its lines.
BAND_LINES = band_floors(PHQ9_BANDS)

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 40


def _frame(chart_id: str, title: str, desc: str) -> list[str]:
    bottom = HEIGHT - BOTTOM
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="outcomes-chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#000" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" '
        f'stroke="#000" stroke-width="1"/>',
    ]


def _scale(value: float, maximum: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / maximum)


def _xs(count: int) -> list[float]:
    inner = WIDTH - LEFT - RIGHT - 20
    if count == 1:
        return [LEFT + 10 + inner / 2]
    return [LEFT + 10 + inner * i / (count - 1) for i in range(count)]


def _empty(parts: list[str], message: str) -> SafeString:
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="13" '
        f'fill="#000">{escape(message)}</text></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text


def trend_svg(chart_id: str, label: str, by_week: bool, points: Sequence) -> SafeString:
    """Mean PHQ-9 by week (or session number) with a band of one standard
    deviation either side. `points`: objects with x, n, mean, sd."""
    axis = _("Week") if by_week else _("Session")
    title = _("Mean PHQ-9 by %(axis)s, %(treatment)s") % {
        "axis": axis.lower(),
        "treatment": label,
    }
    summary = "; ".join(f"{axis} {p.x}: {p.mean:.1f} ± {p.sd:.1f} (n={p.n})" for p in points) or _(
        "Fewer than 10 courses measured."
    )
    parts = _frame(chart_id, title, summary)
    for score in (0, 5, 10, 15, 20, 27):
        y = _scale(score, MAX_SCORE)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#000">{score}</text>'
        )
    for score, _name in BAND_LINES:
        y = _scale(score, MAX_SCORE)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#999" '
            f'stroke-width="0.75" stroke-dasharray="4 3"/>'
        )
    bottom = HEIGHT - BOTTOM
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'font-size="11" fill="#000">{escape(axis)}</text>'
    )
    if not points:
        return _empty(parts, _("Fewer than 10 courses measured"))
    xs = _xs(len(points))
    pairs = list(zip(xs, points, strict=True))
    upper = [(x, _scale(min(MAX_SCORE, p.mean + p.sd), MAX_SCORE)) for x, p in pairs]
    lower = [(x, _scale(max(0.0, p.mean - p.sd), MAX_SCORE)) for x, p in pairs]
    band = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower[::-1])
    parts.append(f'<polygon points="{band}" fill="#cfd8e3" stroke="none"/>')
    means = [(x, _scale(p.mean, MAX_SCORE)) for x, p in zip(xs, points, strict=True)]
    if len(means) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in means)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#0d47a1" stroke-width="2"/>')
    step = max(1, len(points) // 12)
    for index, ((x, y), p) in enumerate(zip(means, points, strict=True)):
        text = escape(f"{axis} {p.x}: {p.mean:.1f} ± {p.sd:.1f} (n={p.n})")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#0d47a1" stroke="#000">'
            f"<title>{text}</title></circle>"
        )
        if index % step == 0 or index == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" font-size="10" '
                f'fill="#000">{p.x}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text


def quarterly_svg(chart_id: str, label: str, points: Sequence) -> SafeString:
    """Intent-to-treat response (solid, circles) and remission (dashed,
    squares) per quarter, in percent; quarters with fewer than 10 courses
    are left out. `points`: objects with label, n, response, remission."""
    shown = [p for p in points if p.response is not None]
    title = _("Response and remission per quarter, %(treatment)s") % {"treatment": label}
    summary = "; ".join(
        _("%(quarter)s: response %(response)s%%, remission %(remission)s%% (n=%(n)s)")
        % {
            "quarter": p.label,
            "response": round(100 * p.response.proportion),
            "remission": round(100 * p.remission.proportion),
            "n": p.n,
        }
        for p in shown
    ) or _("Fewer than 10 courses in every quarter.")
    parts = _frame(chart_id, title, summary)
    for percent in (0, 25, 50, 75, 100):
        y = _scale(percent, 100)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#000">{percent}%</text>'
        )
        if percent:
            parts.append(
                f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd" '
                f'stroke-width="0.75"/>'
            )
    if not shown:
        return _empty(parts, _("Fewer than 10 courses in every quarter"))
    xs = _xs(len(shown))
    bottom = HEIGHT - BOTTOM
    for name, attr, dash in ((_("Response"), "response", ""), (_("Remission"), "remission", "5 3")):
        coords = [
            (x, _scale(100 * getattr(p, attr).proportion, 100))
            for x, p in zip(xs, shown, strict=True)
        ]
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        if len(coords) > 1:
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="#000" stroke-width="2"{dashing}/>'
            )
        for (x, y), p in zip(coords, shown, strict=True):
            value = getattr(p, attr)
            text = escape(
                f"{p.label} {name}: {round(100 * value.proportion)}% "
                f"({round(100 * value.low)}-{round(100 * value.high)}%, n={p.n})"
            )
            if attr == "response":
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#0d47a1" stroke="#000">'
                    f"<title>{text}</title></circle>"
                )
            else:
                parts.append(
                    f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" '
                    f'stroke="#000" stroke-width="1.5"><title>{text}</title></rect>'
                )
    for x, p in zip(xs, shown, strict=True):
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" font-size="10" '
            f'fill="#000">{escape(p.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text
