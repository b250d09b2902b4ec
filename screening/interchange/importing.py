"""Import of `clinic-intake/1` documents as submitted intakes.

One document, one transaction: it is validated, its patient is matched (by
`external_id`, else by email and date of birth) or created without a login,
it is stored as a submitted intake (source "import") and screened; an urgent
safety answer alerts the on-call clinicians as a web submission does. The
same document imported twice is stored once (its content hash is kept).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Lower

from clinic.accounts.models import Patient
from screening.engine import IntakeDocument, MedicationKnowledge, parse_document
from screening.engine.document import content_hash
from screening.models import Intake
from screening.services.intake import has_crisis_answer, intake_raise_safety_alert
from screening.services.policy import PolicyArg
from screening.services.screen import intake_screen


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What importing one document did: `created` (stored and screened),
    `unchanged` (the same document was already stored) or `valid` (dry run)."""

    status: str
    intake: Intake | None = None
    patient_created: bool = False


def _given_hash(document: dict[str, Any] | str | bytes) -> str | None:
    """The hash of the document exactly as given (it parsed, so it is JSON)."""
    if not isinstance(document, dict):
        try:
            document = json.loads(document)
        except (ValueError, TypeError):
            return None
    return content_hash(document) if isinstance(document, dict) else None


def _find_patient(doc: IntakeDocument) -> Patient | None:
    if doc.external_id:
        patient = Patient.objects.filter(external_id=doc.external_id).first()
        if patient is not None:
            return patient
        intake = (
            Intake.objects.filter(external_id=doc.external_id).select_related("patient").first()
        )
        if intake is not None:
            return intake.patient
    if doc.patient.email:
        # lower(email) = lower(%s): the expression of patient_email_dob_idx
        # (email__iexact is UPPER(email), which no index serves).
        return (
            Patient.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower=doc.patient.email.lower(), date_of_birth=doc.patient.date_of_birth)
            .order_by("pk")
            .first()
        )
    return None


def _new_patient(doc: IntakeDocument) -> Patient:
    p = doc.patient
    external_id = doc.external_id or None
    if external_id and Patient.objects.filter(external_id=external_id).exists():
        external_id = None
    return Patient.objects.create(
        given_name=p.given_name,
        family_name=p.family_name,
        email=(p.email or "").lower(),
        date_of_birth=p.date_of_birth,
        sex_at_birth=p.sex_at_birth,
        phone=p.phone or "",
        preferred_language=p.preferred_language or "en",
        referring_clinician=p.referring_clinician or "",
        external_id=external_id,
    )


def intake_import(
    *,
    document: dict[str, Any] | str | bytes,
    dry_run: bool = False,
    policy: PolicyArg = None,
    knowledge: MedicationKnowledge | None = None,
) -> ImportOutcome:
    """Validate, store and screen one document, all or nothing.

    Raises `screening.engine.DocumentError` (with JSON paths) for an invalid
    document; nothing is stored then. With `dry_run` only validates (and
    says whether the document is already stored)."""
    doc = parse_document(document)
    canonical = doc.to_json_dict()
    digest = content_hash(canonical)
    # An exported web intake comes back as it was stored (perhaps not in the
    # canonical form): its hash as given finds it too.
    hashes = {digest, _given_hash(document)} - {None}
    existing = Intake.objects.filter(
        content_hash__in=hashes, status=Intake.Status.SUBMITTED
    ).first()
    if existing is not None:
        return ImportOutcome("unchanged", existing)
    if dry_run:
        return ImportOutcome("valid")
    try:
        with transaction.atomic():
            return _store(doc, canonical, digest, policy, knowledge)
    except IntegrityError:
        # Another import stored the same document at the same moment.
        existing = Intake.objects.filter(content_hash=digest).first()
        if existing is None:
            raise
        return ImportOutcome("unchanged", existing)


def _store(doc, canonical, digest, policy, knowledge) -> ImportOutcome:
    patient = _find_patient(doc)
    created = patient is None
    if created:
        patient = _new_patient(doc)
    else:
        # Serialise imports for one patient (version numbers).
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        if (
            doc.external_id
            and not patient.external_id
            and not Patient.objects.filter(external_id=doc.external_id).exists()
        ):
            patient.external_id = doc.external_id
            patient.save(update_fields=["external_id"])
    latest = patient.intakes.aggregate(top=Max("version"))["top"] or 0
    previous = patient.intakes.filter(status=Intake.Status.SUBMITTED).order_by("-version").first()
    signed_at = doc.consent.signed_at
    intake = Intake.objects.create(
        patient=patient,
        version=latest + 1,
        previous=previous,
        status=Intake.Status.SUBMITTED,
        source=Intake.Source.IMPORT,
        document=canonical,
        step_state={},
        external_id=doc.external_id or "",
        content_hash=digest,
        started_at=signed_at,
        submitted_at=signed_at,
    )
    intake_screen(intake=intake, policy=policy, knowledge=knowledge)
    if has_crisis_answer(canonical):
        # A positive safety answer is acted on however it arrives: the on-call
        # clinicians are emailed once this import commits.
        intake_raise_safety_alert(intake=intake)
    return ImportOutcome("created", intake, patient_created=created)
