"""Named state changes of prior authorization: the clinician's record, the
packet (rendered as PDF and kept), authorizations, and policy edits."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.accounts.models import Patient
from screening.coverage.models import (
    Authorization,
    Packet,
    PayerPolicy,
    PriorAuthRecord,
)

RECORD_FIELDS = (
    "diagnosis_icd10",
    "pdmp_checked_on",
    "height_cm",
    "weight_kg",
    "psychiatrist_name",
    "psychiatrist_npi",
    "substance_use_treated",
)


def _locked_record(patient: Patient) -> PriorAuthRecord:
    record, _ = PriorAuthRecord.objects.select_for_update().get_or_create(patient=patient)
    return record


def _json_day(value) -> str | None:
    return value.isoformat() if value else None


@transaction.atomic
def record_update(
    *, patient: Patient, by, values: dict[str, Any], trial_details: dict[str, dict]
) -> PriorAuthRecord:
    """Store what the clinician added: the record's fields and per-trial
    details (keyed by the trial's medication). The audit log keeps each change."""
    record = _locked_record(patient)
    for name in RECORD_FIELDS:
        if name in values:
            setattr(record, name, values[name])
    details = dict(record.trial_details or {})
    for key, found in trial_details.items():
        cleaned = {
            "improvement_pct": found.get("improvement_pct"),
            "started_on": _json_day(found.get("started_on")),
            "ended_on": _json_day(found.get("ended_on")),
        }
        if any(v is not None for v in cleaned.values()):
            details[key] = cleaned
        else:
            details.pop(key, None)
    record.trial_details = details
    record.updated_by = by
    record.updated_at = timezone.now()
    record.save()
    return record


@transaction.atomic
def record_add_therapy(
    *, patient: Patient, by, modality: str, sessions, started_on, ended_on
) -> PriorAuthRecord:
    record = _locked_record(patient)
    record.psychotherapy = [
        *(record.psychotherapy or []),
        {
            "modality": modality,
            "sessions": sessions,
            "started_on": _json_day(started_on),
            "ended_on": _json_day(ended_on),
        },
    ]
    record.updated_by, record.updated_at = by, timezone.now()
    record.save()
    return record


@transaction.atomic
def record_add_score(*, patient: Patient, by, scale: str, total: int, on) -> PriorAuthRecord:
    record = _locked_record(patient)
    record.scores = [*(record.scores or []), {"scale": scale, "total": total, "on": _json_day(on)}]
    record.updated_by, record.updated_at = by, timezone.now()
    record.save()
    return record


@transaction.atomic
def record_remove_entry(*, patient: Patient, by, list_name: str, index: int) -> bool:
    """Remove one therapy course or score the clinician added (False when gone)."""
    if list_name not in ("psychotherapy", "scores"):
        return False
    # Nothing to remove writes nothing (no empty record for a patient without one).
    record = PriorAuthRecord.objects.select_for_update().filter(patient=patient).first()
    entries = list(getattr(record, list_name) or []) if record is not None else []
    if record is None or not 0 <= index < len(entries):
        return False
    del entries[index]
    setattr(record, list_name, entries)
    record.updated_by, record.updated_at = by, timezone.now()
    record.save()
    return True


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """HTML to PDF with WeasyPrint (real text, selectable and searchable)."""
    from weasyprint import HTML  # heavy import (pango): only when a packet is generated

    return HTML(string=html, base_url=base_url).write_pdf()


@transaction.atomic
def packet_generate(
    *,
    intake,
    policy: PayerPolicy,
    by,
    context: dict[str, Any],
    cover_letter: str,
    sessions_requested: int,
    stage: str,
) -> Packet:
    """Render the packet to PDF from the template and keep it (who, when,
    which policy version, the criteria then, the PDF's SHA-256)."""
    html = render_to_string(
        "coverage/packet_pdf.html",
        {
            **context,
            "cover_letter": cover_letter,
            "sessions_requested": sessions_requested,
            "stage": stage,
            "generated_at": timezone.now(),
            "generated_by": by,
        },
    )
    pdf = render_pdf(html)
    return Packet.objects.create(
        patient=intake.patient,
        intake=intake,
        policy=policy,
        policy_version=policy.version,
        criteria=[c.to_record() for c in policy.criteria.all()],
        stage=stage,
        cover_letter=cover_letter,
        sessions_requested=sessions_requested,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_by=by,
    )


@transaction.atomic
def authorization_save(*, authorization: Authorization, by) -> Authorization:
    """Create or change an authorization (the audit log keeps each change)."""
    if authorization.pk is None:
        authorization.created_by = by
    authorization.full_clean()
    authorization.save()
    return authorization


@transaction.atomic
def policy_touch(*, policy: PayerPolicy) -> PayerPolicy:
    """A policy or its criteria changed: bump its version."""
    locked = PayerPolicy.objects.select_for_update().get(pk=policy.pk)
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["version", "updated_at"])
    policy.version, policy.updated_at = locked.version, locked.updated_at
    return policy
