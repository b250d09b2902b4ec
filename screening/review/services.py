"""Named state changes of a case: assign, acknowledge a flag, add a note,
decide, and record a view. Each writes one line of the case history."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from screening.labels import step_titles
from screening.models import Flag, Intake
from screening.review.models import CaseDecision, CaseEvent, CaseNote, FlagAcknowledgement
from screening.services.intake import IntakeError, intake_start_update

Status = Intake.ReviewStatus
Kind = CaseDecision.Kind

# The status each decision puts the case in.
STATUS_AFTER = {
    Kind.BOOK_CONSULT: Status.CONSULT_TO_BOOK,
    Kind.MORE_INFO: Status.MORE_INFO,
    Kind.NOT_SUITABLE: Status.CLOSED,
    Kind.REFERRED: Status.CLOSED,
}


class CaseActionError(Exception):
    """An action that cannot be done as asked; the message says why, in plain words."""


def case_event_record(*, intake: Intake, actor, action: str, detail: str = "") -> CaseEvent:
    """Append one line to the case history. The only way history is written."""
    return CaseEvent.objects.create(intake=intake, actor=actor, action=action, detail=detail)


def _start_review(intake: Intake) -> None:
    """A clinician working on a case that awaits review takes it into review."""
    if intake.review_status == Status.AWAITING:
        intake.review_status = Status.IN_REVIEW
        intake.save(update_fields=["review_status", "updated_at"])


@transaction.atomic
def case_assign(*, intake: Intake, to, by) -> Intake:
    """Assign the case to a clinician (or to nobody when `to` is None)."""
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    intake.assigned_to = to
    intake.save(update_fields=["assigned_to", "updated_at"])
    _start_review(intake)
    if to is None:
        detail = "Unassigned"
    elif to == by:
        detail = f"Assigned to themself ({to.email})"
    else:
        detail = f"Assigned to {to.get_full_name() or to.email} ({to.email})"
    case_event_record(intake=intake, actor=by, action=CaseEvent.Action.ASSIGNED, detail=detail)
    return intake


@transaction.atomic
def flag_acknowledge(*, flag: Flag, by, note: str = "") -> FlagAcknowledgement:
    """Acknowledge a flag. Acknowledging it again keeps the first
    acknowledgement and changes nothing."""
    ack, created = FlagAcknowledgement.objects.get_or_create(
        flag=flag, defaults={"intake_id": flag.intake_id, "by": by, "note": note.strip()}
    )
    if created:
        Flag.objects.filter(pk=flag.pk).update(acknowledged=True)
        flag.acknowledged = True
        intake = Intake.objects.select_for_update().get(pk=flag.intake_id)
        _start_review(intake)
        detail = f"Acknowledged {flag.code} ({flag.severity})"
        if ack.note:
            detail += f": {ack.note}"
        case_event_record(
            intake=intake, actor=by, action=CaseEvent.Action.FLAG_ACKNOWLEDGED, detail=detail
        )
    return ack


def acknowledgements_carry_forward(*, intake_ids: Sequence[int], **_signal) -> int:
    """When intakes are screened again (a rescreen after a policy change, say),
    their current flags are new rows. A new flag with the code and severity of
    an earlier flag of the same intake that a clinician acknowledged is that
    topic already read: it gets the same acknowledgement (who, when, note).
    A flag whose severity changed is a new topic and stays unacknowledged.
    Without this, every urgent case ever closed would come back to the queue
    after a rescreen. Four queries for a batch of intakes; returns how many
    acknowledgements were carried. Connected to screening's
    `results_replaced` signal."""
    earlier = (
        FlagAcknowledgement.objects.filter(intake_id__in=intake_ids, flag__is_current=False)
        .order_by("at", "pk")
        .values_list("intake_id", "flag__code", "flag__severity", "by_id", "at", "note")
    )
    first: dict[tuple[int, str, str], tuple] = {}
    for intake_id, code, severity, by_id, at, note in earlier:
        first.setdefault((intake_id, code, severity), (by_id, at, note))
    if not first:
        return 0
    carried = []
    # Only the intakes that had an acknowledgement (few of a rescreen's batch).
    for flag_id, intake_id, code, severity in Flag.objects.filter(
        intake_id__in={intake_id for intake_id, _code, _severity in first},
        is_current=True,
        acknowledgement__isnull=True,
    ).values_list("pk", "intake_id", "code", "severity"):
        ack = first.get((intake_id, code, severity))
        if ack is not None:
            by_id, at, note = ack
            carried.append(
                FlagAcknowledgement(
                    flag_id=flag_id, intake_id=intake_id, by_id=by_id, at=at, note=note
                )
            )
    FlagAcknowledgement.objects.bulk_create(carried, ignore_conflicts=True)
    if carried:
        Flag.objects.filter(pk__in=[ack.flag_id for ack in carried]).update(acknowledged=True)
    return len(carried)


@transaction.atomic
def case_note_add(*, intake: Intake, by, body: str) -> CaseNote:
    note = CaseNote.objects.create(intake=intake, author=by, body=body.strip())
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    _start_review(intake)
    case_event_record(
        intake=intake, actor=by, action=CaseEvent.Action.NOTE_ADDED, detail=note.body[:500]
    )
    return note


def _reopen_steps(*, intake: Intake, steps: list[str], by) -> None:
    """Open a new draft version of the patient's intake, pre-filled, for the
    given steps (the intake service does it). CaseActionError when it refuses."""
    try:
        intake_start_update(patient=intake.patient, steps=steps, by=by)
    except IntakeError as exc:
        raise CaseActionError(
            f"The intake could not be reopened: {exc} Nothing was changed."
        ) from exc


def patient_email(intake: Intake) -> str:
    patient = intake.patient
    if patient.email:
        return patient.email
    if patient.user_id is not None:
        return patient.user.email
    return ""


def _send_more_info_email(*, intake: Intake, steps: Sequence[str], message: str) -> None:
    """Tell the patient which parts of the intake to update. Never mentions flags."""
    address = patient_email(intake)
    if not address:
        return
    patient = intake.patient
    with translation.override(patient.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "patient": patient,
            "steps": step_titles(steps),
            "message": message,
            "intake_url": settings.CLINIC_BASE_URL.rstrip("/") + reverse("intake:start"),
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
        }
        subject = render_to_string("review/email/more_info_subject.txt", context).strip()
        body = render_to_string("review/email/more_info_body.txt", context)
    transaction.on_commit(
        lambda: send_mail(
            subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False
        )
    )


@transaction.atomic
def case_decide(
    *,
    intake: Intake,
    kind: str,
    by,
    steps: Sequence[str] = (),
    message: str = "",
    reason: str = "",
    referred_to: str = "",
) -> CaseDecision:
    """Record a decision and move the case to the status it implies.

    Request more information also emails the patient what to update and
    reopens the intake for those steps as a new draft version (the intake
    service does that); if that fails, nothing is changed and CaseActionError
    says why.
    """
    kind = Kind(kind)
    steps = list(steps)
    if kind == Kind.MORE_INFO and not steps:
        raise CaseActionError("Choose at least one part of the intake for the patient to update.")
    if kind == Kind.NOT_SUITABLE and not reason.strip():
        raise CaseActionError("Give the reason.")
    if kind == Kind.REFERRED and not referred_to.strip():
        raise CaseActionError("Say where the patient is referred.")
    intake = (
        Intake.objects.select_for_update(of=("self",))
        .select_related("patient__user")
        .get(pk=intake.pk)
    )
    if kind == Kind.MORE_INFO:
        _reopen_steps(intake=intake, steps=steps, by=by)
    decision = CaseDecision.objects.create(
        intake=intake,
        kind=kind,
        by=by,
        at=timezone.now(),
        steps=steps if kind == Kind.MORE_INFO else [],
        message=message.strip() if kind == Kind.MORE_INFO else "",
        reason=reason.strip() if kind == Kind.NOT_SUITABLE else "",
        referred_to=referred_to.strip() if kind == Kind.REFERRED else "",
    )
    intake.review_status = STATUS_AFTER[kind]
    intake.save(update_fields=["review_status", "updated_at"])
    detail = kind.label
    if kind == Kind.MORE_INFO:
        detail += f": {', '.join(step_titles(steps))}"
        _send_more_info_email(intake=intake, steps=steps, message=decision.message)
    elif kind == Kind.NOT_SUITABLE:
        detail += f": {decision.reason}"
    elif kind == Kind.REFERRED:
        detail += f": {decision.referred_to}"
    case_event_record(intake=intake, actor=by, action=CaseEvent.Action.DECIDED, detail=detail)
    return decision
