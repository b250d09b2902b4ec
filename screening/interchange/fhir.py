"""Export of an intake as a FHIR R4 Bundle (built and validated with
`fhir.resources`, FHIR 4.3 "R4B" models, which read and write R4 JSON for
these resources).

The Bundle (type `collection`) holds:
- the Patient;
- a QuestionnaireResponse per LOINC panel, the PHQ-9 (44249-1) and, when
  answered, the GAD-7 (69737-5): LOINC's questionnaire, its item codes as
  linkIds, each answer as its LOINC answer code with its score;
- a QuestionnaireResponse of the clinic's own questionnaire with the C-SSRS
  answers and the whole clinic-intake/1 document attached (item
  `clinic-intake-document`), so nothing the patient said is lost;
- an Observation per instrument total (PHQ-9 44261-6, GAD-7 70274-6) with its
  severity band as the interpretation;
- a Device, the screening rules that raised the flags (name and version);
- one Flag per current screening flag: HL7's flag category (`safety` for
  suicide risk, `clinical` otherwise), the flag-priority extension from its
  severity, the rules as author, code, treatments, summary, evidence, source.

Resource ids are UUIDv5 in this installation's own random namespace
(`Installation.fhir_namespace`), so two clinics never export the same ids.
"""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from screening.engine.scores import gad7_band, phq9_band
from screening.engine.vocabulary import SEVERITIES
from screening.models import Installation, Intake, ScreeningResult

LOINC = "http://loinc.org"
PHQ9_TOTAL = ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]")
GAD7_TOTAL = ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]")
# LOINC panels: (panel code, panel name, item codes in the instrument's order).
PHQ9_PANEL = (
    "44249-1",
    "PHQ-9 quick depression assessment panel [Reported.PHQ]",
    (
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ),
)
GAD7_PANEL = (
    "69737-5",
    "Generalized anxiety disorder 7 item (GAD-7)",
    ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
)
# LOINC answer list LL358-3, by score.
FREQUENCY_ANSWERS = (
    ("LA6568-5", "Not at all"),
    ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"),
    ("LA6571-9", "Nearly every day"),
)
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_PRIORITY = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY_CODES = "http://hl7.org/fhir/flag-priority-code"
# Severity (most severe first) -> flag priority: high, medium, low, no alarm.
PRIORITY = dict(
    zip(
        SEVERITIES,
        (("PH", "High priority"), ("PM", "Medium priority"), ("PL", "Low priority")),
        strict=False,
    )
)
NO_ALARM = ("PN", "No alarm")
SAFETY_FLAGS = frozenset({"suicide_risk"})
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


def _urn(namespace: uuid.UUID, intake: Intake, kind: str, n: int = 0) -> str:
    return f"urn:uuid:{uuid.uuid5(namespace, f'intake/{intake.pk}/{kind}/{n}')}"


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


def _panel_response(panel, scores: list[int], doc, patient_ref: str) -> dict[str, Any]:
    """One LOINC panel answered: LOINC's own questionnaire and item codes."""
    code, name, items = panel
    answers = []
    for item_code, score in zip(items, scores, strict=True):
        answer_code, display = FREQUENCY_ANSWERS[score]
        answers.append(
            {
                "linkId": f"/{item_code}",
                "answer": [
                    {
                        "valueCoding": {
                            "system": LOINC,
                            "code": answer_code,
                            "display": display,
                            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": score}],
                        }
                    }
                ],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"{LOINC}/q/{code}",
        "meta": {"tag": [{"system": LOINC, "code": code, "display": name}]},
        "subject": {"reference": patient_ref},
        "authored": doc["consent"]["signed_at"],
        "item": answers,
    }


def _questionnaire_response(doc: dict[str, Any], patient_ref: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
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


def _observation(
    code: tuple[str, str], total: int, band: str, doc, patient_ref, qr_ref
) -> dict[str, Any]:
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
        "interpretation": [
            {
                "coding": [{"system": _system("CodeSystem/instrument-band"), "code": band}],
                "text": band,
            }
        ],
        "derivedFrom": [{"reference": qr_ref}],
    }


def _rules_device(result: ScreeningResult) -> dict[str, Any]:
    return {
        "resourceType": "Device",
        "deviceName": [{"name": "clinic-screening rules", "type": "model-name"}],
        "version": [{"value": result.rules_version}],
    }


def _flag(flag: dict[str, Any], doc, patient_ref: str, author_ref: str) -> dict[str, Any]:
    category = "safety" if flag["code"] in SAFETY_FLAGS else "clinical"
    priority, priority_display = PRIORITY.get(flag["severity"], NO_ALARM)
    return {
        "resourceType": "Flag",
        "status": "active",
        "category": [
            {"coding": [{"system": FLAG_CATEGORY, "code": category, "display": category.title()}]},
            {
                "coding": [
                    {
                        "system": _system("CodeSystem/screening-severity"),
                        "code": flag["severity"],
                    }
                ],
                "text": f"Screening topic to discuss ({flag['severity']})",
            },
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
        "author": {"reference": author_ref},
        "extension": [
            {
                "url": FLAG_PRIORITY,
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": FLAG_PRIORITY_CODES,
                            "code": priority,
                            "display": priority_display,
                        }
                    ]
                },
            }
        ]
        + [
            {"url": _system("StructureDefinition/flag-evidence"), "valueString": line}
            for line in flag["evidence"]
        ]
        + [{"url": _system("StructureDefinition/flag-source"), "valueString": flag["source"]}],
    }


def intake_fhir_bundle(
    intake: Intake,
    result: ScreeningResult | None = None,
    *,
    namespace: uuid.UUID | None = None,
    validate: bool = True,
) -> dict[str, Any]:
    """The intake as a validated FHIR R4 Bundle, as JSON-ready data.

    `result` defaults to the intake's current screening result (no Flag
    resources without one); `namespace` to this installation's (one query).
    The bundle is built as plain JSON data; `validate` checks it against the
    FHIR R4 models (fhir.resources) and returns their serialisation, which is
    the same data (tests/screening/test_fhir_scale.py). A bulk export builds
    thousands a second unvalidated and validates a sample (export_intakes)."""
    doc = intake.document
    if result is None:
        result = intake.current_result
    if namespace is None:
        namespace = Installation.current().fhir_namespace

    def urn(kind: str, n: int = 0) -> str:
        return _urn(namespace, intake, kind, n)

    patient_ref = urn("patient")
    qr_ref = urn("questionnaire-response")
    entries = [
        (patient_ref, _patient(intake, doc)),
        (qr_ref, _questionnaire_response(doc, patient_ref)),
    ]
    depression = doc["depression"]
    instruments = [("phq9", PHQ9_PANEL, PHQ9_TOTAL, depression["phq9"], phq9_band)]
    if depression.get("gad7") is not None:
        instruments.append(("gad7", GAD7_PANEL, GAD7_TOTAL, depression["gad7"], gad7_band))
    for kind, panel, total_code, scores, band in instruments:
        panel_ref = urn(f"{kind}-response")
        entries.append((panel_ref, _panel_response(panel, scores, doc, patient_ref)))
        total = sum(scores)
        entries.append(
            (urn(kind), _observation(total_code, total, band(total), doc, patient_ref, panel_ref))
        )
    if result is not None:
        device_ref = urn("rules", 0)
        entries.append((device_ref, _rules_device(result)))
        for n, flag in enumerate(result.output.get("flags", [])):
            entries.append((urn("flag", n), _flag(flag, doc, patient_ref, device_ref)))
    data = {
        "resourceType": "Bundle",
        "id": f"intake-{intake.pk}-v{intake.version}",
        "type": "collection",
        # When this bundle was built, in UTC as the FHIR models write it.
        "timestamp": timezone.now().astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
    if not validate:
        return data
    bundle = Bundle.model_validate(data)
    return json.loads(bundle.model_dump_json())
