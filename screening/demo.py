"""Demo intakes for `seed_demo`, one patient in each state. Idempotent.

- Lucía Fernández: invited (no login yet, an open invitation; the link is printed).
- Marco Silva: in progress (a draft with the first steps filled).
- Dana Reyes: submitted and screened, with a crisis answer.
- Priya Natarajan: submitted and screened, with high blood pressure.

The answers are the worked examples of the intake format, copied into
screening/demo_documents/ and given each patient's own name.
"""

from __future__ import annotations

import copy
import json
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.accounts.invitations import invitation_link
from clinic.accounts.models import Invitation, Patient
from screening.engine.vocabulary import FORM_STEPS, STEP_SECTIONS
from screening.models import Intake
from screening.services.intake import COMPLETE, intake_progress, intake_submit

DOCUMENTS = Path(__file__).resolve().parent / "demo_documents"


def demo_document(name: str, patient: Patient) -> dict[str, Any]:
    """A worked example made the patient's own, completed today."""
    doc = json.loads((DOCUMENTS / f"{name}.json").read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    today = timezone.localdate()
    doc["completed_on"] = today.isoformat()
    doc["patient"].update(
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth.isoformat(),
        email=patient.email or None,
    )
    if doc.get("blood_pressure"):
        doc["blood_pressure"]["measured_on"] = (today - timedelta(days=5)).isoformat()
    doc["consent"]["signed_name"] = patient.full_name
    doc["consent"]["signed_at"] = timezone.localtime().isoformat(timespec="seconds")
    return doc


def _patient(email: str) -> Patient | None:
    return Patient.objects.filter(email__iexact=email).first()


def _invited(stdout) -> None:
    patient = _patient("lucia.fernandez@example.org")
    if patient is None or patient.user_id is not None:
        return
    if patient.preferred_language != "es":
        patient.preferred_language = "es"
        patient.save(update_fields=["preferred_language"])
    invitation = next((i for i in patient.invitations.all() if i.is_open), None)
    if invitation is None:
        now = timezone.now()
        invitation = Invitation.objects.create(
            patient=patient,
            email=patient.email,
            nonce=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
    stdout.write(f"  invited    {patient.full_name}: {invitation_link(invitation)}")


def _in_progress(stdout) -> None:
    patient = _patient("marco.silva@example.org")
    if patient is None or patient.intakes.exists():
        return
    doc = demo_document("01-likely-trd-no-cautions", patient)
    steps = FORM_STEPS[:3]

    sections = {s: doc[s] for step in steps for s in STEP_SECTIONS[step]}
    intake = Intake.objects.create(
        patient=patient,
        version=1,
        document=sections,
        step_state=dict.fromkeys(steps, COMPLETE),
    )
    progress = intake_progress(intake)
    stdout.write(
        f"  in progress {patient.full_name}: {progress.done} of {progress.total} steps done"
    )


def _submitted(stdout, email: str, example: str) -> None:
    patient = _patient(email)
    if patient is None or patient.intakes.exists():
        return
    doc = demo_document(example, patient)
    sections = {k: v for k, v in doc.items() if k not in ("format", "completed_on", "external_id")}
    intake = Intake.objects.create(
        patient=patient,
        version=1,
        document=sections,
        step_state=dict.fromkeys(FORM_STEPS, COMPLETE),
        # Demo data: no on-call email for a made-up urgent answer.
        safety_alerted_at=timezone.now(),
    )
    intake_submit(intake=intake)
    stdout.write(f"  submitted  {patient.full_name}: {example}")


@transaction.atomic
def seed(stdout) -> None:
    stdout.write("Demo intakes:")
    _invited(stdout)
    _in_progress(stdout)
    _submitted(stdout, "dana.reyes@example.org", "03-urgent-safety")
    _submitted(stdout, "priya.natarajan@example.org", "02-hypertension-and-alcohol")
