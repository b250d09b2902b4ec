"""Clinicians' private calendar feeds: one live secret URL each."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import User
from clinic.scheduling.models import CalendarFeed


@transaction.atomic
def calendar_feed_create(*, clinician: User) -> CalendarFeed:
    """A new secret feed URL; any older one of the clinician is revoked."""
    calendar_feed_revoke(clinician=clinician)
    return CalendarFeed.objects.create(clinician=clinician)


@transaction.atomic
def calendar_feed_revoke(*, clinician: User) -> int:
    return CalendarFeed.objects.filter(clinician=clinician, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
