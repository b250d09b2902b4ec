"""The one way a view reaches an intake: `get_intake_for(request, pk)`.

A patient reaches only their own intakes; staff reach any, and their access
is logged. Anyone else gets 404, so the existence of a record is not revealed.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from clinic.accounts.access import log_staff_access
from clinic.accounts.roles import PATIENT, STAFF_ROLES, role_of
from screening.models import Intake


def get_intake_for(request: HttpRequest, pk: int) -> Intake:
    role = role_of(request.user)
    try:
        intake = Intake.objects.select_related("patient").get(pk=pk)
    except (Intake.DoesNotExist, ValueError, TypeError):
        raise Http404("No such intake.") from None
    if role == PATIENT:
        if intake.patient.user_id != request.user.pk:
            raise Http404("No such intake.")
        return intake
    if role in STAFF_ROLES:
        log_staff_access(request, intake.patient)
        return intake
    raise Http404("No such intake.")
