"""A patient's data: everything the clinic holds about them, and erasure.

`patient_data_export(patient)` gathers what the clinic holds about one
patient, with each intake as its `clinic-intake/1` document; the patient
downloads it from their page (JSON, and a printable page).

`patient_erase(...)` answers a deletion request: it removes what the law
allows and keeps what it requires (docs/security.md, "Deletion requests"):

- refused while a legal hold is active;
- always removed: the login (and its sessions, MFA devices, email
  addresses), invitations, draft intakes, unanswered check-ins, unsent
  reminders; future booked appointments are cancelled;
- with clinical records (a submitted intake, a completed appointment or an
  answered check-in): those records are kept, with the identity they belong
  to (medical records must be retained and attributable);
- without clinical records: the patient row is anonymised (name, birth date,
  contact details, external id);
- always kept: the access log (auditlog), urgent safety alerts raised, and
  the `ErasureRecord` of the request itself.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient
from clinic.privacy.models import ErasureRecord, LegalHold
from clinic.scheduling.models import AppointmentStatus, Reminder
from clinic.scheduling.services.booking import appointment_cancel

EXPORT_FORMAT = "clinic-patient-export/1"
ANONYMOUS_BIRTH_DATE = datetime.date(1900, 1, 1)


def _when(value) -> str | None:
    return value.isoformat() if value else None


def patient_data_export(patient: Patient) -> dict[str, Any]:
    """Everything the clinic holds about the patient, as JSON-ready data."""
    user = patient.user
    appointments = list(
        patient.appointments.select_related("appointment_type", "clinician", "room").order_by(
            "start"
        )
    )
    reminders = Reminder.objects.filter(
        appointment__patient=patient, sent_at__isnull=False
    ).order_by("sent_at")
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "clinic": settings.CLINIC_NAME,
        "patient": {
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": _when(patient.date_of_birth),
            "sex_at_birth": patient.sex_at_birth,
            "email": patient.email,
            "phone": patient.phone,
            "preferred_language": patient.preferred_language,
            "referring_clinician": patient.referring_clinician,
            "external_id": patient.external_id,
            "record_created_at": _when(patient.created_at),
        },
        "account": (
            {
                "email": user.email,
                "joined_at": _when(user.date_joined),
                "last_login_at": _when(user.last_login),
            }
            if user
            else None
        ),
        "intakes": [
            {
                "version": intake.version,
                "status": intake.status,
                "source": intake.source,
                "started_at": _when(intake.started_at),
                "submitted_at": _when(intake.submitted_at),
                "document": intake.document,
            }
            for intake in patient.intakes.order_by("version")
        ],
        "appointments": [
            {
                "type": a.appointment_type.name,
                "start": _when(a.start),
                "end": _when(a.end),
                "status": a.status,
                "clinician": str(a.clinician) if a.clinician else None,
                "room": str(a.room) if a.room else None,
            }
            for a in appointments
        ],
        "check_ins": [
            {
                "appointment_start": _when(c.appointment.start) if c.appointment else None,
                "completed_at": _when(c.completed_at),
                "phq9_answers": c.phq9_answers,
                "phq9_total": c.phq9_total,
                "safety_answers": c.safety_answers,
            }
            for c in patient.checkins.select_related("appointment").order_by("created_at")
        ],
        "outcome_measurements": [
            {
                "instrument": m.instrument,
                "kind": m.kind,
                "due_on": _when(m.due_on),
                "score": m.score,
                "taken_at": _when(m.taken_at),
                "corrected_at": _when(m.corrected_at),
                "correction_reason": m.correction_reason,
            }
            for m in patient.measurements.order_by("due_on", "taken_at", "pk")
        ],
        "reminders_sent": [
            {"appointment_start": _when(r.appointment.start), "sent_at": _when(r.sent_at)}
            for r in reminders.select_related("appointment")
        ],
        "safety_alerts": [
            {"raised_at": _when(a.created_at), "source": a.source, "sent_at": _when(a.sent_at)}
            for a in patient.safety_alerts.order_by("created_at")
        ],
    }


class ErasureRefused(Exception):
    """The request cannot be carried out (a legal hold)."""


def active_legal_hold(patient: Patient) -> LegalHold | None:
    return patient.legal_holds.filter(released_at__isnull=True).order_by("placed_at").first()


def has_clinical_records(patient: Patient) -> bool:
    """Records the clinic must keep: a submitted intake, a completed
    appointment, an answered check-in."""
    return (
        patient.intakes.filter(submitted_at__isnull=False).exists()
        or patient.appointments.filter(status=AppointmentStatus.COMPLETED).exists()
        or patient.checkins.filter(completed_at__isnull=False).exists()
    )


@transaction.atomic
def patient_erase(*, patient: Patient, requested_by, reason: str) -> ErasureRecord:
    """Carry out a deletion request (see the module docstring). Raises
    ErasureRefused under an active legal hold; nothing is changed then."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    hold = active_legal_hold(patient)
    if hold is not None:
        raise ErasureRefused(
            f"Patient {patient.pk} is under a legal hold since "
            f"{hold.placed_at:%Y-%m-%d} ({hold.reason}); nothing was erased."
        )
    removed: dict[str, int] = {}
    now = timezone.now()

    future = patient.appointments.filter(status=AppointmentStatus.BOOKED, start__gt=now)
    removed["future_appointments_cancelled"] = 0
    for appointment in future:
        appointment_cancel(
            appointment=appointment, cancelled_by=requested_by, reason="Deletion request"
        )
        removed["future_appointments_cancelled"] += 1
    removed["unsent_reminders"] = Reminder.objects.filter(
        appointment__patient=patient, sent_at__isnull=True
    ).delete()[0]
    removed["unanswered_check_ins"] = patient.checkins.filter(completed_at__isnull=True).delete()[0]
    removed["draft_intakes"] = patient.intakes.filter(submitted_at__isnull=True).delete()[0]
    removed["invitations"] = patient.invitations.all().delete()[0]

    user = patient.user
    removed["login"] = 0
    if user is not None:
        patient.user = None
        patient.save(update_fields=["user"])
        for session in Session.objects.filter(expire_date__gt=now).iterator():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
        user.delete()  # with its email addresses and MFA devices
        removed["login"] = 1

    clinical = has_clinical_records(patient)
    if not clinical:
        patient.given_name = "Erased"
        patient.family_name = f"patient {patient.pk}"
        patient.date_of_birth = ANONYMOUS_BIRTH_DATE
        patient.sex_at_birth = ""
        patient.email = ""
        patient.phone = ""
        patient.referring_clinician = ""
        patient.external_id = None
        patient.save()
    kept = {
        "submitted_intakes": patient.intakes.filter(submitted_at__isnull=False).count(),
        "appointments": patient.appointments.count(),
        "answered_check_ins": patient.checkins.filter(completed_at__isnull=False).count(),
        "safety_alerts": patient.safety_alerts.count(),
        "identity": clinical,
        "access_log": True,
    }
    return ErasureRecord.objects.create(
        patient=patient,
        requested_by=requested_by,
        reason=reason[:300],
        anonymised=not clinical,
        removed=removed,
        kept=kept,
    )
