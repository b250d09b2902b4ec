"""Pages about the logged-in person."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.accounts.access import patient_for_user
from clinic.accounts.roles import PATIENT, role_required, signed_in


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
