"""Deletion requests: `erase_patient` removes what the law allows, keeps what
it requires (submitted clinical records, safety alerts, the access log), and
is refused under a legal hold."""

from __future__ import annotations

import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from clinic.accounts.models import Invitation, Patient
from clinic.privacy.models import ErasureRecord, LegalHold
from clinic.privacy.services import ErasureRefused, patient_erase
from clinic.safety import crisis_alert_raise
from clinic.scheduling.models import Appointment, CheckIn, Reminder
from screening.models import Intake
from tests.factories.accounts import InvitationFactory, PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for
from tests.factories.scheduling import AppointmentFactory, CheckInFactory, ReminderFactory
from tests.factories.screening import IntakeFactory

pytestmark = pytest.mark.django_db


def erase(patient, admin, *extra) -> str:
    out = io.StringIO()
    call_command(
        "erase_patient",
        str(patient.pk),
        "--by",
        admin.email,
        "--reason",
        "REQ-7",
        *extra,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def with_records(client):
    """A patient with a submitted intake, a draft, a future appointment with
    a pending check-in and reminder, an invitation and a logged-in session."""
    patient = PatientFactory(with_login=True, given_name="Dana", phone="+1 555 0100")
    IntakeFactory(patient=patient, document=document_for(patient, LIKELY_TRD))
    Intake.objects.create(patient=patient, version=2, status="draft", document={})
    future = AppointmentFactory(patient=patient)
    ReminderFactory(appointment=future)
    CheckInFactory(appointment=future, patient=patient)
    InvitationFactory(patient=patient)
    crisis_alert_raise(patient=patient, source="intake", link="http://x/")
    LogEntry.objects.create(
        content_type_id=1, object_pk=str(patient.pk), object_repr="Dana", action=3
    )
    client.force_login(patient.user)
    return patient


def test_a_patient_with_clinical_records_keeps_them_and_loses_the_rest(
    client, with_records, clinic_admin
):
    patient = with_records
    user_pk = patient.user.pk
    out = erase(patient, clinic_admin)
    assert "Erasure record" in out
    patient.refresh_from_db()
    # Removed: the login (and its session), drafts, pending check-in,
    # unsent reminders, invitations; the future appointment is cancelled.
    assert patient.user is None
    assert not get_user_model().objects.filter(pk=user_pk).exists()
    assert client.get("/me/").status_code == 302  # the session is gone
    assert not patient.intakes.filter(status="draft").exists()
    assert not CheckIn.objects.filter(patient=patient).exists()
    assert not Reminder.objects.filter(appointment__patient=patient).exists()
    assert not Invitation.objects.filter(patient=patient).exists()
    assert Appointment.objects.get(patient=patient).status == "cancelled"
    # Kept: the submitted intake with the identity it belongs to, the safety
    # alert, the access log.
    assert patient.intakes.filter(status="submitted").count() == 1
    assert patient.given_name == "Dana"
    assert patient.safety_alerts.count() == 1
    assert LogEntry.objects.filter(object_pk=str(patient.pk)).exists()
    record = ErasureRecord.objects.get(patient=patient)
    assert record.requested_by == clinic_admin and record.reason == "REQ-7"
    assert not record.anonymised
    assert record.removed["draft_intakes"] == 1 and record.removed["login"] == 1
    assert record.kept["submitted_intakes"] == 1 and record.kept["access_log"] is True


def test_a_patient_without_clinical_records_is_anonymised(clinic_admin):
    patient = PatientFactory(
        with_login=True, given_name="Ezra", family_name="Lowe", phone="+1 555 0111"
    )
    patient.external_id = "EXT-1"
    patient.save()
    Intake.objects.create(patient=patient, version=1, status="draft", document={"a": 1})
    record = patient_erase(patient=patient, requested_by=clinic_admin, reason="asked by email")
    patient.refresh_from_db()
    assert (patient.given_name, patient.family_name) == ("Erased", f"patient {patient.pk}")
    assert (patient.email, patient.phone, patient.external_id) == ("", "", None)
    assert patient.date_of_birth == datetime.date(1900, 1, 1)
    assert not patient.intakes.exists() and patient.user is None
    assert record.anonymised is True
    assert not Patient.objects.filter(given_name="Ezra").exists()


def test_a_legal_hold_blocks_erasure_until_released(with_records, clinic_admin):
    patient = with_records
    hold = LegalHold.objects.create(
        patient=patient, reason="Litigation 2026-14", placed_by=clinic_admin
    )
    with pytest.raises(CommandError, match="legal hold"):
        erase(patient, clinic_admin)
    with pytest.raises(ErasureRefused):
        patient_erase(patient=patient, requested_by=clinic_admin, reason="x")
    patient.refresh_from_db()
    assert patient.user is not None and patient.intakes.count() == 2
    assert not ErasureRecord.objects.exists()

    LegalHold.objects.filter(pk=hold.pk).update(
        released_at=timezone.now(), released_by=clinic_admin
    )
    erase(patient, clinic_admin)
    assert ErasureRecord.objects.filter(patient=patient).exists()


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(with_records, clinic_admin):
    out = erase(with_records, clinic_admin, "--dry-run")
    assert "Dry run, nothing changed" in out and '"draft_intakes": 1' in out
    with_records.refresh_from_db()
    assert with_records.user is not None and with_records.intakes.count() == 2
    assert not ErasureRecord.objects.exists()


def test_only_an_admin_may_carry_it_out(with_records, clinician):
    with pytest.raises(CommandError, match="is not an admin"):
        erase(with_records, clinician)


def test_legal_holds_and_erasure_records_are_for_admins_in_the_admin(
    client, clinic_admin, scheduler, with_records
):
    client.force_login(scheduler)
    assert client.get("/admin/privacy/legalhold/").status_code in (302, 403)
    client.force_login(clinic_admin)
    assert client.get("/admin/privacy/legalhold/add/").status_code == 200
    response = client.post(
        "/admin/privacy/legalhold/add/",
        {"patient": with_records.pk, "reason": "Records request in progress"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.placed_by == clinic_admin and hold.released_at is None
    assert client.get("/admin/privacy/erasurerecord/").status_code == 200
