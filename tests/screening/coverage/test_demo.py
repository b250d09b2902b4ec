"""The prior-authorization demo: a patient with two failed SSRI trials and one
failed SNRI trial, the TMS checklist of each seeded payer on her case page,
and an approval of 36 sessions counting down as sessions complete."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.accounts.models import Patient
from clinic.scheduling.models import AppointmentStatus
from clinic.scheduling.services.booking import appointment_set_status
from screening.coverage.models import Authorization, PayerPolicy
from screening.coverage.selectors import patient_authorizations

pytestmark = pytest.mark.django_db


def test_demo_patient_checklists_and_countdown(client, clinician):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Prior-authorization demo: already loaded." in out.getvalue()
    elena = Patient.objects.get(email="elena.park@example.org")
    assert Authorization.objects.filter(patient=elena).count() == 1
    (summary,) = patient_authorizations(elena)
    assert summary.authorization.units_approved == 36
    assert 0 < summary.used + summary.booked <= 36  # the course, within the approval
    assert summary.left == 36 - summary.used

    intake = elena.intakes.get(status="submitted")
    client.force_login(clinician)
    page = client.get(f"/review/{intake.pk}/").content.decode()
    for policy in PayerPolicy.objects.filter(treatment="tms"):
        assert f'data-testid="checklist-{policy.pk}-initial"' in page
    assert "SSRI: sertraline, Lexapro (escitalopram)" in page
    assert 'data-kind="trial_classes" data-status="met"' in page

    upcoming = elena.appointments.filter(
        appointment_type__slug="tms-session", start__gte=timezone.now()
    ).first()
    appointment_set_status(
        appointment=upcoming, status=AppointmentStatus.COMPLETED, changed_by=None
    )
    (after,) = patient_authorizations(elena)
    assert after.left == summary.left - 1
