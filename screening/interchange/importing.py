"""Import of `clinic-intake/1` documents as submitted intakes.

One document, one transaction: it is validated, its patient is matched (by
`external_id`, else by email and date of birth) or created without a login,
it is stored as a submitted intake (source "import") and screened; an urgent
safety answer alerts the on-call clinicians as a web submission does. The
same document imported twice is stored once (its content hash is kept).

`intakes_import` does the same for many documents at once, in a bounded
number of queries (the import command's chunks).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from clinic.accounts.audit import log_created, log_updated
from clinic.accounts.models import Patient
from screening.engine import (
    DocumentError,
    IntakeDocument,
    MedicationKnowledge,
    parse_document,
    screen,
)
from screening.engine.document import canonical_json, content_hash
from screening.models import Intake
from screening.services.intake import (
    has_crisis_answer,
    intake_raise_safety_alert,
    intakes_raise_safety_alerts_new,
)
from screening.services.policy import PolicyArg, resolve_policy
from screening.services.rescreen import fast_commit, results_store
from screening.services.screen import highest_rank, intake_screen

logger = logging.getLogger(__name__)


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
    patient = _patient_row(doc)
    if patient.external_id and Patient.objects.filter(external_id=patient.external_id).exists():
        patient.external_id = None
    patient.save()
    return patient


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


# -- many documents at once ----------------------------------------------------

ImportResult = ImportOutcome | DocumentError | DatabaseError


@dataclass(slots=True)
class _Pending:
    """A valid document of a chunk, on its way to being stored."""

    index: int
    given: dict[str, Any] | str | bytes
    doc: IntakeDocument
    canonical: dict[str, Any]
    digest: str
    hashes: set[str]
    patient: Patient | None = None


def intakes_import(
    *,
    documents: Sequence[dict[str, Any] | str | bytes],
    dry_run: bool = False,
    policy: PolicyArg = None,
    knowledge: MedicationKnowledge | None = None,
) -> list[ImportResult]:
    """`intake_import` for many documents (a chunk of an import), with the
    same outcome for each, in a bounded number of queries whatever their
    number: one result per document, in order, an `ImportOutcome`, or the
    `DocumentError` (invalid) or `DatabaseError` (refused) that
    `intake_import` would have raised.

    The valid, new documents are stored in one transaction: their patients
    matched in a few queries and locked, new ones created, the intakes
    created, screened, and their results and flags written as `rescreen`
    writes them; crisis answers alert the on-call clinicians once this
    commits. A document sharing a patient with another of the chunk (the
    same external_id, email and birth date, or matched patient) or the same
    document twice go one at a time through `intake_import`, in document
    order; so does the whole chunk should its transaction fail in the
    database. So versions, "previous", and all-or-nothing per document are
    as one at a time."""
    results: list[ImportResult | None] = [None] * len(documents)
    pending: list[_Pending] = []
    for index, given in enumerate(documents):
        try:
            doc = parse_document(given)
        except DocumentError as exc:
            results[index] = exc
            continue
        canonical = doc.to_json_dict()
        digest = content_hash(canonical)
        hashes = {digest, _given_hash(given)} - {None}
        pending.append(_Pending(index, given, doc, canonical, digest, hashes))
    if not pending:
        return results  # type: ignore[return-value]
    stored = _stored_by_hash(set().union(*(p.hashes for p in pending)))
    fresh = []
    for p in pending:
        existing = next((stored[h] for h in p.hashes if h in stored), None)
        if existing is not None:
            results[p.index] = ImportOutcome("unchanged", existing)
        elif dry_run:
            results[p.index] = ImportOutcome("valid")
        else:
            fresh.append(p)
    if fresh:
        bulk, alone = _split(fresh)
        try:
            with transaction.atomic():
                # Re-running an import stores nothing twice (the content hash),
                # so a chunk lost to a crash is simply imported again: its
                # commit need not wait for the disk.
                fast_commit()
                done = _store_many(bulk, policy, knowledge)
        except DatabaseError:
            logger.warning(
                "A chunk of %s documents was refused by the database; importing them one at a time",
                len(bulk),
                exc_info=True,
            )
            alone = sorted(bulk + alone, key=lambda p: p.index)
        else:
            for p, intake, created in done:
                results[p.index] = ImportOutcome("created", intake, patient_created=created)
        for p in alone:
            try:
                results[p.index] = intake_import(
                    document=p.given, policy=policy, knowledge=knowledge
                )
            except (DocumentError, DatabaseError) as exc:
                results[p.index] = exc
    return results  # type: ignore[return-value]


def _stored_by_hash(hashes: set[str]) -> dict[str, Intake]:
    found: dict[str, Intake] = {}
    for intake in Intake.objects.filter(
        content_hash__in=hashes, status=Intake.Status.SUBMITTED
    ).only("pk", "patient_id", "content_hash"):
        found.setdefault(intake.content_hash, intake)
    return found


def _patient_keys(doc: IntakeDocument) -> list[tuple]:
    keys: list[tuple] = []
    if doc.external_id:
        keys.append(("external_id", doc.external_id))
    if doc.patient.email:
        keys.append(("email", doc.patient.email.lower(), doc.patient.date_of_birth))
    return keys


def _split(fresh: list[_Pending]) -> tuple[list[_Pending], list[_Pending]]:
    """The documents to store in bulk, each with its existing patient (or
    None: a new one), and those to import one at a time (in order)."""
    seen: dict[str, int] = {}
    key_count: dict[tuple, int] = {}
    repeats: set[int] = set()
    for p in fresh:
        first = next((seen[h] for h in p.hashes if h in seen), None)
        if first is not None:
            repeats.add(p.index)  # the same document again: "unchanged" after the first
            continue
        for h in p.hashes:
            seen[h] = p.index
        for key in _patient_keys(p.doc):
            key_count[key] = key_count.get(key, 0) + 1
    alone = {
        p.index
        for p in fresh
        if p.index in repeats or any(key_count[k] > 1 for k in _patient_keys(p.doc))
    }
    candidates = [p for p in fresh if p.index not in alone]
    matched = _find_patients([p.doc for p in candidates])
    by_patient: dict[int, int] = {}
    for p, patient in zip(candidates, matched, strict=True):
        p.patient = patient
        if patient is not None:
            by_patient[patient.pk] = by_patient.get(patient.pk, 0) + 1
    for p in candidates:
        if p.patient is not None and by_patient[p.patient.pk] > 1:
            alone.add(p.index)
    return (
        [p for p in fresh if p.index not in alone],
        [p for p in fresh if p.index in alone],
    )


def _find_patients(docs: list[IntakeDocument]) -> list[Patient | None]:
    """`_find_patient` for many documents, in three queries."""
    found: list[Patient | None] = [None] * len(docs)
    external_ids = {doc.external_id for doc in docs if doc.external_id}
    by_external: dict[str, Patient] = {}
    if external_ids:
        by_external = {
            patient.external_id: patient
            for patient in Patient.objects.filter(external_id__in=external_ids)
        }
        rest = external_ids - by_external.keys()
        if rest:
            # As _find_patient's .first(): the intakes' default order.
            for intake in Intake.objects.filter(external_id__in=rest).select_related("patient"):
                by_external.setdefault(intake.external_id, intake.patient)
    emails: set[str] = set()
    for i, doc in enumerate(docs):
        if doc.external_id and doc.external_id in by_external:
            found[i] = by_external[doc.external_id]
        elif doc.patient.email:
            emails.add(doc.patient.email.lower())
    if emails:
        by_email: dict[tuple, Patient] = {}
        # lower(email) IN (...): the expression of patient_email_dob_idx.
        for patient in (
            Patient.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .order_by("-pk")
        ):
            by_email[(patient.email_lower, patient.date_of_birth)] = patient  # lowest pk wins
        for i, doc in enumerate(docs):
            if found[i] is None and doc.patient.email:
                key = (doc.patient.email.lower(), doc.patient.date_of_birth)
                found[i] = by_email.get(key)
    return found


def _patient_row(doc: IntakeDocument) -> Patient:
    p = doc.patient
    return Patient(
        given_name=p.given_name,
        family_name=p.family_name,
        email=(p.email or "").lower(),
        date_of_birth=p.date_of_birth,
        sex_at_birth=p.sex_at_birth,
        phone=p.phone or "",
        preferred_language=p.preferred_language or "en",
        referring_clinician=p.referring_clinician or "",
        external_id=doc.external_id or None,
    )


def _store_many(bulk: list[_Pending], policy, knowledge) -> list[tuple[_Pending, Intake, bool]]:
    """Store and screen these documents (no two for one patient)."""
    if not bulk:
        return []
    policy, version, knowledge = resolve_policy(policy, knowledge)
    # Serialise imports for one patient (version numbers), in id order.
    existing_ids = sorted({p.patient.pk for p in bulk if p.patient is not None})
    lock = Patient.objects.select_for_update().filter(pk__in=existing_ids).order_by("pk")
    locked = {patient.pk: patient for patient in lock}
    # A known patient without an external_id is given the sender's (no other
    # patient has it: they would have been matched by it), as `_store` does.
    given = []
    for p in bulk:
        before = locked.get(p.patient.pk) if p.patient is not None else None
        if before is not None and p.doc.external_id and not before.external_id:
            after = copy.copy(before)
            after.external_id = p.doc.external_id
            locked[before.pk] = after
            given.append((before, after))
    if given:
        Patient.objects.bulk_update([after for _, after in given], ["external_id"])
        log_updated(given, ["external_id"])
    latest: dict[int, int] = {}
    previous: dict[int, tuple[int, int]] = {}  # patient -> (version, intake) of the last submitted
    for patient_id, pk, number, status in Intake.objects.filter(
        patient_id__in=existing_ids
    ).values_list("patient_id", "pk", "version", "status"):
        latest[patient_id] = max(latest.get(patient_id, 0), number)
        if status == Intake.Status.SUBMITTED and number > previous.get(patient_id, (0, 0))[0]:
            previous[patient_id] = (number, pk)
    new = [p for p in bulk if p.patient is None]
    patients = Patient.objects.bulk_create([_patient_row(p.doc) for p in new])
    log_created(patients)
    for p, patient in zip(new, patients, strict=True):
        p.patient = patient
    for p in bulk:
        if p.patient.pk in locked:
            p.patient = locked[p.patient.pk]
    now = timezone.now()
    intakes = []
    outputs = []
    for p in bulk:
        signed_at = p.doc.consent.signed_at
        patient_id = p.patient.pk
        output = screen(p.doc, policy, knowledge)
        crisis = has_crisis_answer(p.canonical)
        intakes.append(
            Intake(
                patient=p.patient,
                version=latest.get(patient_id, 0) + 1,
                previous_id=previous.get(patient_id, (0, None))[1],
                status=Intake.Status.SUBMITTED,
                source=Intake.Source.IMPORT,
                document=p.canonical,
                step_state={},
                external_id=p.doc.external_id or "",
                content_hash=p.digest,
                started_at=signed_at,
                submitted_at=signed_at,
                highest_severity_rank=highest_rank(output),
                phq9_total=output["scores"]["phq9_total"],
                # A positive safety answer is acted on however it arrives: the
                # on-call clinicians are emailed once this import commits.
                safety_alerted_at=now if crisis else None,
            )
        )
        outputs.append(output)
    Intake.objects.bulk_create(intakes)
    # The audit entries say what one-at-a-time creation logs: the intake as
    # created, before its screening and alert are stored on it.
    log_created([_as_created(intake) for intake in intakes])
    rows = []
    for intake, output in zip(intakes, outputs, strict=True):
        text = canonical_json(output)
        rows.append((intake.pk, output, hashlib.sha256(text.encode("ascii")).hexdigest(), text))
    results_store(rows, version, now)
    intakes_raise_safety_alerts_new([i for i in intakes if i.safety_alerted_at is not None])
    created = {p.index for p in new}
    return [(p, intake, p.index in created) for p, intake in zip(bulk, intakes, strict=True)]


# Set on an intake after its creation when imported one at a time.
_SET_AFTER_CREATION = ("highest_severity_rank", "phq9_total", "safety_alerted_at")


def _as_created(intake: Intake) -> Intake:
    before = copy.copy(intake)
    for name in _SET_AFTER_CREATION:
        setattr(before, name, Intake._meta.get_field(name).get_default())
    return before
