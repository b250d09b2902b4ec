"""The navigation's count of urgent cases nobody has opened yet, for
clinicians and admins. Lazy: the one query runs only when a page shows it."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from clinic.accounts.roles import ADMIN, CLINICIAN, role_of
from screening.review.selectors import urgent_unopened_count


def review(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or role_of(user) not in (CLINICIAN, ADMIN):
        return {}
    return {"review_urgent_unopened": cache(urgent_unopened_count)}
