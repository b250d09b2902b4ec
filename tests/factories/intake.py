"""Factories for intakes, and the form posts that fill each intake step.

`document_for(patient, example)` is one of the worked examples (copied into
screening/demo_documents/) made the patient's own; `step_post(step, document,
patient)` is what a browser would post to fill that step with the document's
answers.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import factory
from django import forms
from django.utils import timezone

from screening.models import Intake
from tests.factories.accounts import PatientFactory

DOCUMENTS = Path(__file__).resolve().parents[2] / "screening" / "demo_documents"
LIKELY_TRD = "01-likely-trd-no-cautions"
HYPERTENSION = "02-hypertension-and-alcohol"
URGENT_SAFETY = "03-urgent-safety"


def example_document(name: str = LIKELY_TRD) -> dict[str, Any]:
    return json.loads((DOCUMENTS / f"{name}.json").read_text())


def document_for(patient, name: str = LIKELY_TRD, *, completed_on: date | None = None) -> dict:
    """A worked example with the patient's name, birth date and email."""
    doc = copy.deepcopy(example_document(name))
    doc["completed_on"] = (completed_on or timezone.localdate()).isoformat()
    doc["patient"].update(
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth.isoformat(),
        email=patient.email,
    )
    doc["consent"]["signed_name"] = patient.full_name
    return doc


def sections_of(document: dict) -> dict:
    """The sections a draft keeps (no format, no completed_on)."""
    return {k: v for k, v in document.items() if k not in ("format", "completed_on", "external_id")}


class IntakeFactory(factory.django.DjangoModelFactory):
    """A draft intake of a patient with a login."""

    class Meta:
        model = Intake

    patient = factory.SubFactory(PatientFactory, with_login=True)
    version = 1
    status = Intake.Status.DRAFT
    document = factory.LazyFunction(dict)
    step_state = factory.LazyFunction(dict)


def _value(field: forms.Field, value: Any) -> list[str] | None:
    if value is None or value == "":
        return None
    if isinstance(field, forms.BooleanField):
        return ["on"] if value else None
    if isinstance(field, forms.MultipleChoiceField):
        return [str(v) for v in value] or None
    return [str(value)]


def _form_post(form_class, initial: dict, prefix: str | None = None) -> dict[str, list[str]]:
    form = form_class(prefix=prefix)
    data: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        if name == "DELETE":
            continue
        value = _value(field, initial.get(name))
        if value is not None:
            data[form.add_prefix(name)] = value
    return data


def step_post(step_key: str, document: dict, patient, action: str = "next") -> dict:
    """The POST data that fills one step with the document's answers."""
    from screening.intake.steps import STEP_BY_KEY

    step = STEP_BY_KEY[step_key]
    data: dict[str, list[str]] = {"action": [action]}
    if step.form_class is not None:
        data.update(_form_post(step.form_class, step.form_class.initial_from(document, patient)))
    for spec in step.lists:
        rows = document.get(spec.section) or []
        data[f"{spec.prefix}-TOTAL_FORMS"] = [str(len(rows))]
        data[f"{spec.prefix}-INITIAL_FORMS"] = ["0"]
        for i, row in enumerate(rows):
            data.update(
                _form_post(
                    spec.form_class, spec.form_class.initial_from_row(row), f"{spec.prefix}-{i}"
                )
            )
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def end_session_by_timeout(client) -> None:
    """The session times out: it is gone on the server while the browser still
    holds its cookie (not a logout, which also ends the page's resume tokens)."""
    client.session.delete()
