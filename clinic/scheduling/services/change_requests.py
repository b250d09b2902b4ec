"""A patient's request to cancel or reschedule, decided by staff."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from clinic.accounts.models import User
from clinic.scheduling.models import Appointment, ChangeRequest, PatientNotification
from clinic.scheduling.notifications import notification_queue
from clinic.scheduling.services.booking import appointment_cancel, move_step
from clinic.scheduling.services.rules import UNSET, BookingError


@transaction.atomic
def change_request_create(
    *, appointment: Appointment, kind: str, message: str = ""
) -> ChangeRequest:
    if not appointment.is_live or appointment.start <= timezone.now():
        raise BookingError(
            gettext("This appointment can no longer be changed online; please call us.")
        )
    if ChangeRequest.objects.filter(appointment=appointment, state="open").exists():
        raise BookingError(
            gettext("You already asked about this appointment; the clinic will reply.")
        )
    return ChangeRequest.objects.create(appointment=appointment, kind=kind, message=message)


@transaction.atomic
def change_request_decide(
    *,
    change_request: ChangeRequest,
    approve: bool,
    decided_by: User | None,
    start: datetime | None = None,
    clinician=UNSET,
    room=UNSET,
    override_reason: str = "",
) -> ChangeRequest:
    """Approve or decline. Approving a cancel request cancels the appointment;
    approving a reschedule request with a new `start` moves it (by the same
    step as any move; a refused move leaves the request open). The patient
    gets one email with the answer (and the calendar change)."""
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if change_request.state != ChangeRequest.State.OPEN:
        raise BookingError("This request was already decided.")
    change_request.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.DECLINED
    change_request.decided_at = timezone.now()
    change_request.decided_by = decided_by
    change_request.save()
    appointment = change_request.appointment
    if approve and change_request.kind == ChangeRequest.Kind.CANCEL:
        appointment = appointment_cancel(
            appointment=appointment,
            cancelled_by=decided_by,
            reason="Cancelled at the patient's request",
            notify=False,
        )
    if approve and change_request.kind == ChangeRequest.Kind.RESCHEDULE and start is not None:
        appointment = move_step(
            appointment,
            start=start,
            moved_by=decided_by,
            clinician=clinician,
            room=room,
            override_reason=override_reason,
        )
    notification_queue(
        kind=(
            PatientNotification.Kind.REQUEST_APPROVED
            if approve
            else PatientNotification.Kind.REQUEST_DECLINED
        ),
        appointments=[appointment],
        change_request=change_request,
    )
    return change_request
