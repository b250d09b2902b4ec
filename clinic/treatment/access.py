"""The one way a view reaches a treatment session: staff only (a patient
sees only that a session took place, on their own page). Each read is
logged, of the session and of the patient; anyone else gets 404."""

from __future__ import annotations

from auditlog.signals import accessed
from django.http import Http404, HttpRequest

from clinic.accounts.access import log_staff_access
from clinic.accounts.roles import STAFF_ROLES, role_of
from clinic.treatment.models import TreatmentSession


def get_session_for(request: HttpRequest, pk) -> TreatmentSession:
    try:
        session = TreatmentSession.objects.select_related(
            "patient",
            "appointment",
            "appointment__room",
            "appointment__clinician",
            "appointment__appointment_type",
            "started_by",
            "signed_by",
        ).get(pk=pk)
    except (TreatmentSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None
    if role_of(request.user) not in STAFF_ROLES:
        raise Http404("No such session.")
    log_staff_access(request, session.patient)
    accessed.send(sender=TreatmentSession, instance=session)
    return session
