"""The one way a view reaches a patient's record.

`get_patient_for(request, pk)` returns the patient when the user may see it:
the patient themself, or staff (clinician, scheduler, admin), whose access is
logged. Anyone else gets 404, so the existence of a record is not revealed.
"""

from __future__ import annotations

from auditlog.signals import accessed
from django.http import Http404, HttpRequest

from clinic.accounts.models import Patient
from clinic.accounts.roles import PATIENT, STAFF_ROLES, role_of


def patient_for_user(user) -> Patient | None:
    """The patient record linked to a patient's login, if any."""
    try:
        return user.patient
    except Patient.DoesNotExist:
        return None


def log_staff_access(request: HttpRequest, instance) -> None:
    """Record that a member of staff opened a patient's record."""
    if role_of(request.user) in STAFF_ROLES:
        accessed.send(sender=instance.__class__, instance=instance)


def get_patient_for(request: HttpRequest, pk: int) -> Patient:
    role = role_of(request.user)
    try:
        patient = Patient.objects.get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None
    if role == PATIENT:
        if patient.user_id != request.user.pk:
            raise Http404("No such patient.")
        return patient
    if role in STAFF_ROLES:
        log_staff_access(request, patient)
        return patient
    raise Http404("No such patient.")


def log_staff_reads(request: HttpRequest, patients, *, what: str) -> None:
    """Record that a member of staff read these patients' data on one page
    (an admin list or change page): one access row per patient, written in
    one query, naming the page (`what`) and its address."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    if role_of(request.user) not in STAFF_ROLES:
        return
    unique = {patient.pk: patient for patient in patients if patient is not None}
    if not unique:
        return
    content_type = ContentType.objects.get_for_model(Patient)
    address = request.META.get("REMOTE_ADDR") or None
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(pk),
                object_id=pk,
                object_repr=str(patient),
                action=LogEntry.Action.ACCESS,
                actor=request.user,
                actor_email=request.user.email,
                remote_addr=address,
                additional_data={"read": what, "path": request.path},
            )
            for pk, patient in unique.items()
        ]
    )
