"""Private calendar feeds, one live secret URL each: clinicians' (their
schedule) and patients' (their own appointments)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient, User
from clinic.scheduling.models import CalendarFeed, PatientCalendarFeed


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


@transaction.atomic
def patient_calendar_feed_create(*, patient: Patient) -> PatientCalendarFeed:
    """A new secret subscription URL for the patient; an older one is revoked."""
    patient_calendar_feed_revoke(patient=patient)
    return PatientCalendarFeed.objects.create(patient=patient)


@transaction.atomic
def patient_calendar_feed_revoke(*, patient: Patient) -> int:
    return PatientCalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
