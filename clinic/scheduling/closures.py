"""Days the clinic is closed: public holidays of the clinic's country and
subdivision (from the `holidays` library) and the clinic's own days, kept as
`ClosureDay` rows an admin can edit.

The course proposer and the free-slot finder skip them; booking or moving
onto one needs an override reason, as booking outside working hours does
(`services.rules.working_time_problems` names the closure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays
from django.conf import settings
from django.db import transaction

from clinic.scheduling.models import ClosureDay


def closed_days(first: date, last: date) -> dict[date, str]:
    """{day: name} of the closure days from `first` to `last` inclusive: one query."""
    return dict(
        ClosureDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "name")
    )


def public_holidays(
    years: Iterable[int], *, country: str | None = None, subdivision: str | None = None
) -> dict[date, str]:
    """The public holidays of the clinic's country (and subdivision) in `years`."""
    country = country or settings.CLINIC_COUNTRY
    subdivision = settings.CLINIC_SUBDIVISION if subdivision is None else subdivision
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=list(years))
    return dict(sorted(found.items()))


@transaction.atomic
def closures_seed(
    *, years: Iterable[int], country: str | None = None, subdivision: str | None = None
) -> list[ClosureDay]:
    """Add the public holidays of `years` that are not closure days yet; a day
    the clinic already has (its own, or a holiday it renamed) is left as it is.
    Returns the rows added."""
    wanted = public_holidays(years, country=country, subdivision=subdivision)
    have = set(ClosureDay.objects.filter(date__in=list(wanted)).values_list("date", flat=True))
    added = [
        ClosureDay(date=day, name=name[:120], source=ClosureDay.Source.HOLIDAY)
        for day, name in wanted.items()
        if day not in have
    ]
    return ClosureDay.objects.bulk_create(added)
