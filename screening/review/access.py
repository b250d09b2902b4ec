"""The one way a view reaches a case (a submitted intake).

`get_case_for(request, pk)` returns a `Case`: clinicians and admins get the
whole case; schedulers get a limited case (names and statuses only, no
answers, no flags); anyone else gets 404, so the existence of a case is not
revealed. Every GET of a case is written to the case history and to the
audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from clinic.accounts.access import log_staff_access
from clinic.accounts.roles import ADMIN, CLINICIAN, SCHEDULER, role_of
from screening.models import Intake
from screening.review.models import CaseEvent
from screening.review.services import case_event_record

FULL_ROLES = frozenset({CLINICIAN, ADMIN})
LIMITED_ROLES = frozenset({SCHEDULER})


@dataclass(frozen=True)
class Case:
    intake: Intake
    # False for schedulers: names and statuses only.
    full: bool


def get_case_for(request: HttpRequest, pk, *, record_as: str = CaseEvent.Action.VIEWED) -> Case:
    """The case `pk` if the user may see it. A GET is a view of the case:
    it is written to the case history (as `record_as`) and the audit log.
    POSTs are actions, which their services record."""
    role = role_of(request.user)
    if role not in FULL_ROLES | LIMITED_ROLES:
        raise Http404("No such case.")
    try:
        intake = Intake.objects.select_related("patient", "assigned_to").get(
            pk=pk, status=Intake.Status.SUBMITTED
        )
    except (Intake.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.") from None
    if request.method == "GET":
        case_event_record(intake=intake, actor=request.user, action=record_as)
        log_staff_access(request, intake.patient)
    return Case(intake=intake, full=role in FULL_ROLES)
