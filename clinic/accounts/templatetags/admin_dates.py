"""A date hierarchy for admin lists whose cost does not grow with the table.

Django's `{% date_hierarchy %}` reads the filtered list's first and last date
and then `SELECT DISTINCT date_trunc(...)` over every filtered row (a
sequential scan of 300,000 appointments on each page at a clinic network's
size). This one reads the first and last date of the whole table (two reads
at the ends of the field's index) and offers every year, month or day in
that range: a link may lead to an empty list, none is missing. Used by
`ScaleFreeDateHierarchyMixin` through `admin/scale_free_change_list.html`.
"""

from __future__ import annotations

import calendar
import datetime

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


def _table_range(cl) -> tuple[datetime.date, datetime.date] | None:
    field_name = cl.date_hierarchy
    bounds = cl.model._default_manager.aggregate(
        first=models.Min(field_name), last=models.Max(field_name)
    )
    first, last = bounds["first"], bounds["last"]
    if first is None or last is None:
        return None
    if isinstance(first, datetime.datetime):
        first = timezone.localtime(first) if timezone.is_aware(first) else first
        last = timezone.localtime(last) if timezone.is_aware(last) else last
        first, last = first.date(), last.date()
    return first, last


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register.inclusion_tag("admin/date_hierarchy.html")
def scale_free_date_hierarchy(cl) -> dict:
    if not cl.date_hierarchy:
        return {"show": False}
    field_name = cl.date_hierarchy
    year_field, month_field, day_field = (f"{field_name}__{p}" for p in ("year", "month", "day"))
    year, month, day = (_int(cl.params.get(f)) for f in (year_field, month_field, day_field))
    if year and month and day:
        # The deepest level reads nothing: Django's own tag does the same.
        return date_hierarchy(cl)
    span = _table_range(cl)
    if span is None:
        return {"show": False}
    first, last = span

    def link(filters: dict) -> str:
        return cl.get_query_string(filters, [f"{field_name}__"])

    if not year and first.year == last.year:
        year = first.year
    if year and not month and first.year == last.year and first.month == last.month:
        month = first.month
    if year and month:
        days_in_month = calendar.monthrange(year, month)[1]
        days = [
            d
            for d in (datetime.date(year, month, n) for n in range(1, days_in_month + 1))
            if first <= d <= last
        ]
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: d.day}),
                    "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                }
                for d in days
            ],
        }
    if year:
        months = [
            datetime.date(year, m, 1)
            for m in range(1, 13)
            if (year, m) >= (first.year, first.month) and (year, m) <= (last.year, last.month)
        ]
        return {
            "show": True,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({year_field: year, month_field: m.month}),
                    "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                }
                for m in months
            ],
        }
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link({year_field: y}), "title": str(y)}
            for y in range(first.year, last.year + 1)
        ],
    }
