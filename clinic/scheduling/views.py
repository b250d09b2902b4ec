"""Schedule views for staff and the patient's appointments."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.accounts.roles import ADMIN, CLINICIAN, PATIENT, SCHEDULER, role_required


@role_required(SCHEDULER, CLINICIAN, ADMIN)
def schedule(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Schedule"})


@role_required(PATIENT)
def my_appointments(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Your appointments"})
