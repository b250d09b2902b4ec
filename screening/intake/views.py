"""The patient's intake steps."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.accounts.roles import PATIENT, role_required


@role_required(PATIENT)
def intake_start(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Your intake"})
