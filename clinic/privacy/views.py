"""The patient's own data, from their page: JSON and a printable page."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic.accounts.access import patient_for_user
from clinic.accounts.roles import PATIENT, role_required
from clinic.privacy.services import patient_data_export


def _own_export(request: HttpRequest) -> dict[str, Any]:
    patient = patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record.")
    return patient_data_export(patient)


@role_required(PATIENT)
@never_cache
@require_GET
def my_data_json(request: HttpRequest) -> HttpResponse:
    """Everything the clinic holds about the logged-in patient, as a JSON
    file (each intake in the clinic-intake/1 format)."""
    data = _own_export(request)
    name = f"my-clinic-data-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _tree(value: Any) -> dict[str, Any]:
    """A nested value as nodes the template renders recursively."""
    if isinstance(value, dict):
        return {
            "kind": "map",
            "items": [(key.replace("_", " ").capitalize(), _tree(v)) for key, v in value.items()],
        }
    if isinstance(value, list):
        return {"kind": "list", "items": [_tree(v) for v in value]}
    if value is None:
        return {"kind": "empty"}
    if value is True or value is False:
        return {"kind": "bool", "value": value}
    return {"kind": "text", "value": str(value)}


@role_required(PATIENT)
@never_cache
@require_GET
def my_data_page(request: HttpRequest) -> HttpResponse:
    """The same, as a page to read and print (or save as PDF)."""
    data = _own_export(request)
    sections = [
        (key, _tree(data[key]))
        for key in (
            "patient",
            "account",
            "appointments",
            "check_ins",
            "reminders_sent",
            "safety_alerts",
        )
    ]
    intakes = [(intake, _tree(intake["document"])) for intake in data["intakes"]]
    return render(
        request,
        "privacy/my_data.html",
        {"data": data, "sections": sections, "intakes": intakes},
    )
