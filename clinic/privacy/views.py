"""The patient's own data, from their page: JSON and a printable page."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
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


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")


def _readable(text: str) -> str:
    """Dates and times as people read them, in the clinic's time zone."""
    try:
        if _DATETIME.fullmatch(text):
            moment = timezone.localtime(datetime.datetime.fromisoformat(text))
            return formats.date_format(moment, "DATETIME_FORMAT")
        if _DATE.fullmatch(text):
            return formats.date_format(datetime.date.fromisoformat(text), "DATE_FORMAT")
    except ValueError:
        pass
    return text


def _tree(value: Any) -> dict[str, Any]:
    """A nested value as nodes the template renders recursively."""
    if isinstance(value, dict):
        return {
            "kind": "map",
            "items": [(key.replace("_", " ").capitalize(), _tree(v)) for key, v in value.items()],
        }
    if isinstance(value, list):
        return {"kind": "list", "items": [_tree(v) for v in value]}
    if value is None or value == "":
        return {"kind": "empty"}
    if value is True or value is False:
        return {"kind": "bool", "value": value}
    return {"kind": "text", "value": _readable(str(value))}


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
        {
            "data": data,
            "sections": sections,
            "intakes": intakes,
            "exported_at": _readable(data["exported_at"]),
        },
    )
