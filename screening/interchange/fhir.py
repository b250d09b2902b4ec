"""Export of an intake as a FHIR R4 Bundle (built and validated with
`fhir.resources`, FHIR 4.3 "R4B" models, which read and write R4 JSON for
these resources).

The Bundle (type `collection`) holds:
- the Patient;
- a QuestionnaireResponse with the PHQ-9, GAD-7 and C-SSRS answers as items
  and the whole clinic-intake/1 document attached (item `clinic-intake-document`),
  so nothing the patient said is lost;
- an Observation for the PHQ-9 total (LOINC 44261-6) and, when answered, the
  GAD-7 total (LOINC 70274-6);
- one Flag per current screening flag: code, severity, treatments, summary,
  evidence and source.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from django.conf import settings
from fhir.resources.R4B.bundle import Bundle

from screening.models import Intake, ScreeningResult

LOINC = "http://loinc.org"
PHQ9_TOTAL = ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]")
GAD7_TOTAL = ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]")
GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
CSSRS_KEYS = (
    "wish_to_be_dead",
    "suicidal_thoughts",
    "method",
    "intent",
    "plan",
    "behavior_lifetime",
    "behavior_past_3_months",
)


def _system(name: str) -> str:
    return f"{settings.CLINIC_BASE_URL.rstrip('/')}/fhir/{name}"


def _urn(intake: Intake, kind: str, n: int = 0) -> str:
    seed = f"{settings.CLINIC_BASE_URL}/intake/{intake.pk}/{kind}/{n}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"


def _patient(intake: Intake, doc: dict[str, Any]) -> dict[str, Any]:
    p = doc["patient"]
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": _system("patient-id"), "value": str(intake.patient_id)}],
        "name": [{"use": "official", "family": p["family_name"], "given": [p["given_name"]]}],
        "birthDate": p["date_of_birth"],
        "gender": GENDER.get(p.get("sex_at_birth") or "unknown", "unknown"),
    }
    if intake.patient.external_id:
        resource["identifier"].append(
            {"system": _system("external-id"), "value": intake.patient.external_id}
        )
    telecom = []
    if p.get("email"):
        telecom.append({"system": "email", "value": p["email"]})
    if p.get("phone"):
        telecom.append({"system": "phone", "value": p["phone"]})
    if telecom:
        resource["telecom"] = telecom
    if p.get("preferred_language"):
        resource["communication"] = [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": p["preferred_language"]}]
                },
                "preferred": True,
            }
        ]
    return resource


def _answers(prefix: str, values: list[Any], kind: str) -> list[dict[str, Any]]:
    return [
        {"linkId": f"{prefix}.{i}", "answer": [{kind: value}]} for i, value in enumerate(values, 1)
    ]


def _questionnaire_response(doc: dict[str, Any], patient_ref: str) -> dict[str, Any]:
    depression = doc["depression"]
    items = [
        {
            "linkId": "phq9",
            "text": "PHQ-9",
            "item": _answers("phq9", depression["phq9"], "valueInteger"),
        }
    ]
    if depression.get("gad7") is not None:
        items.append(
            {
                "linkId": "gad7",
                "text": "GAD-7",
                "item": _answers("gad7", depression["gad7"], "valueInteger"),
            }
        )
    cssrs = []
    for key in CSSRS_KEYS:
        value = doc["suicide_screen"].get(key)
        entry: dict[str, Any] = {"linkId": f"cssrs.{key}"}
        if value is not None:
            entry["answer"] = [{"valueBoolean": value}]
        cssrs.append(entry)
    items.append({"linkId": "cssrs", "text": "C-SSRS screener", "item": cssrs})
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
    items.append(
        {
            "linkId": "clinic-intake-document",
            "text": "The whole clinic-intake/1 document",
            "answer": [
                {
                    "valueAttachment": {
                        "contentType": "application/json",
                        "data": base64.b64encode(text).decode("ascii"),
                        "title": "clinic-intake/1",
                    }
                }
            ],
        }
    )
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": _system("Questionnaire/clinic-intake-1"),
        "subject": {"reference": patient_ref},
        "authored": doc["consent"]["signed_at"],
        "item": items,
    }


def _observation(code: tuple[str, str], total: int, doc, patient_ref, qr_ref) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code[0], "display": code[1]}]},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": doc["completed_on"],
        "valueInteger": total,
        "derivedFrom": [{"reference": qr_ref}],
    }


def _flag(flag: dict[str, Any], doc, patient_ref: str) -> dict[str, Any]:
    return {
        "resourceType": "Flag",
        "status": "active",
        "category": [
            {
                "coding": [
                    {
                        "system": _system("CodeSystem/screening-severity"),
                        "code": flag["severity"],
                    }
                ],
                "text": f"Screening topic to discuss ({flag['severity']})",
            }
        ]
        + [
            {"coding": [{"system": _system("CodeSystem/treatment"), "code": modality}]}
            for modality in flag["modalities"]
        ],
        "code": {
            "coding": [{"system": _system("CodeSystem/screening-flag"), "code": flag["code"]}],
            "text": flag["summary"],
        },
        "subject": {"reference": patient_ref},
        "period": {"start": doc["completed_on"]},
        "extension": [
            {"url": _system("StructureDefinition/flag-evidence"), "valueString": line}
            for line in flag["evidence"]
        ]
        + [{"url": _system("StructureDefinition/flag-source"), "valueString": flag["source"]}],
    }


def intake_fhir_bundle(intake: Intake, result: ScreeningResult | None = None) -> dict[str, Any]:
    """The intake as a validated FHIR R4 Bundle, as JSON-ready data.

    `result` defaults to the intake's current screening result (no Flag
    resources without one)."""
    doc = intake.document
    if result is None:
        result = intake.current_result
    patient_ref = _urn(intake, "patient")
    qr_ref = _urn(intake, "questionnaire-response")
    entries = [
        (patient_ref, _patient(intake, doc)),
        (qr_ref, _questionnaire_response(doc, patient_ref)),
    ]
    phq9 = sum(doc["depression"]["phq9"])
    entries.append((_urn(intake, "phq9"), _observation(PHQ9_TOTAL, phq9, doc, patient_ref, qr_ref)))
    if doc["depression"].get("gad7") is not None:
        gad7 = sum(doc["depression"]["gad7"])
        entries.append(
            (_urn(intake, "gad7"), _observation(GAD7_TOTAL, gad7, doc, patient_ref, qr_ref))
        )
    if result is not None:
        for n, flag in enumerate(result.output.get("flags", [])):
            entries.append((_urn(intake, "flag", n), _flag(flag, doc, patient_ref)))
    data = {
        "resourceType": "Bundle",
        "id": f"intake-{intake.pk}-v{intake.version}",
        "type": "collection",
        "timestamp": (result.computed_at if result else intake.submitted_at).isoformat(),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
    bundle = Bundle.model_validate(data)
    return json.loads(bundle.model_dump_json())
