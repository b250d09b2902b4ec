"""Pages about the logged-in person."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from clinic.accounts.access import patient_for_user
from clinic.accounts.middleware import idle_seconds_for, restart_idle_clock
from clinic.accounts.roles import PATIENT, STAFF_ROLES, role_required, signed_in


@role_required(PATIENT)
def patient_home(request: HttpRequest) -> HttpResponse:
    """The patient's own page: their intake and their appointments."""
    patient = patient_for_user(request.user)
    intakes = list(patient.intakes.order_by("-version")) if patient else []
    # The latest version's crisis answers keep the crisis resources in view.
    show_crisis = bool(intakes) and intakes[0].shows_crisis_resources
    return render(
        request,
        "accounts/patient_home.html",
        {"patient": patient, "intakes": intakes, "show_crisis": show_crisis},
    )


@signed_in
def no_role(request: HttpRequest) -> HttpResponse:
    """A logged-in account with no role yet (e.g. a new staff account)."""
    return render(request, "accounts/no_role.html", status=403)


@role_required(PATIENT, *STAFF_ROLES)
@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """ "Stay logged in" on the idle warning: the idle clock starts again."""
    restart_idle_clock(request, request.user)
    return JsonResponse({"idle_seconds": idle_seconds_for(request.user)})
