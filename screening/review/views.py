"""The clinician's review queue and case pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.accounts.roles import ADMIN, CLINICIAN, role_required


@role_required(CLINICIAN, ADMIN)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "Review queue"})
