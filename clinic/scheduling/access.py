"""The one way a view reaches an appointment or a check-in.

Staff (clinician, scheduler, admin) may reach any appointment, and their
access is logged like access to the patient; a patient only their own.
Anyone else gets 404, so the existence of a record is not revealed.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from clinic.accounts.access import log_staff_access
from clinic.accounts.roles import PATIENT, STAFF_ROLES, role_of
from clinic.scheduling.models import Appointment, CheckIn


def get_appointment_for(request: HttpRequest, pk: int) -> Appointment:
    role = role_of(request.user)
    try:
        appointment = Appointment.objects.select_related(
            "patient", "clinician", "room", "appointment_type", "course"
        ).get(pk=pk)
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such appointment.") from None
    if role == PATIENT:
        if appointment.patient.user_id != request.user.pk:
            raise Http404("No such appointment.")
        return appointment
    if role in STAFF_ROLES:
        log_staff_access(request, appointment.patient)
        return appointment
    raise Http404("No such appointment.")


def get_checkin_for(request: HttpRequest, token: str) -> CheckIn:
    """A check-in, only for the patient it was sent to."""
    if "\x00" in token:  # PostgreSQL cannot even compare it
        raise Http404("No such check-in.")
    checkin = (
        CheckIn.objects.select_related("patient", "appointment__appointment_type")
        .filter(token=token)
        .first()
    )
    if checkin is None or role_of(request.user) != PATIENT:
        raise Http404("No such check-in.")
    if checkin.patient.user_id != request.user.pk:
        raise Http404("No such check-in.")
    return checkin
