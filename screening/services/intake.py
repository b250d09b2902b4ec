"""The patient's intake: start a draft, save a step, submit, start an update.

A draft `Intake` holds the `clinic-intake/1` sections filled so far in
`document`. `step_state` says, per form step, "complete" or "attention"
(absent: not started); what a patient typed into a step that did not pass
validation is kept under `step_state["_typed"][step]` (the raw form fields),
so nothing typed is ever lost. A submitted version is the whole, validated
document and is never changed again; an update is a new draft version
pre-filled from the last submitted one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.models import Patient
from clinic.safety import crisis_alert_raise, crisis_alerts_raise, document_has_crisis_answer
from screening.engine import DocumentError, parse_document, validate_section
from screening.engine.document import FORMAT, content_hash
from screening.engine.vocabulary import (
    FORM_STEPS,
    REVIEW_STEP,
    SAFETY_STEPS,
    SECTION_STEP,
    STEP_KEYS,
    STEP_SECTIONS,
)
from screening.models import Intake
from screening.services.screen import intake_screen

COMPLETE = "complete"
ATTENTION = "attention"
TYPED_KEY = "_typed"
# Steps whose typed values came from a post kept after the session timed out,
# until the patient has seen and saved them.
KEPT_KEY = "_kept"
# When the patient last logged out: resume tokens issued before it are void.
LOGGED_OUT_KEY = "_logged_out_at"


class IntakeError(Exception):
    """A state change that is not allowed (e.g. saving a submitted version)."""


# -- reads ------------------------------------------------------------------------


def intake_draft_of(patient: Patient) -> Intake | None:
    return patient.intakes.filter(status=Intake.Status.DRAFT).first()


def intake_last_submitted(patient: Patient) -> Intake | None:
    return patient.intakes.filter(status=Intake.Status.SUBMITTED).order_by("-version").first()


def step_states(intake: Intake) -> dict[str, str]:
    """State per form step: "complete", "attention" or "" (not started)."""
    state = intake.step_state or {}
    return {step: state.get(step, "") for step in FORM_STEPS}


def first_incomplete_step(intake: Intake) -> str:
    """Where the patient resumes: the first step not complete, else review."""
    for step, state in step_states(intake).items():
        if state != COMPLETE:
            return step
    return REVIEW_STEP


@dataclass(frozen=True)
class IntakeProgress:
    """How far an intake is: the one count of steps every page and command
    gives ("3 of 10 steps done"). The steps are `STEP_KEYS`: the form steps,
    then review and submit (done once the version is sent)."""

    done: int
    total: int
    attention: tuple[str, ...]  # form steps needing the patient's attention, in order
    resume_at: str  # where the patient carries on


def intake_progress(intake: Intake) -> IntakeProgress:
    states = step_states(intake)
    submitted = intake.status == Intake.Status.SUBMITTED
    done = len(STEP_KEYS) if submitted else sum(s == COMPLETE for s in states.values())
    return IntakeProgress(
        done=done,
        total=len(STEP_KEYS),
        attention=() if submitted else tuple(k for k, s in states.items() if s == ATTENTION),
        resume_at=REVIEW_STEP if submitted else first_incomplete_step(intake),
    )


def typed_values(intake: Intake, step: str) -> dict[str, list[str]] | None:
    return (intake.step_state or {}).get(TYPED_KEY, {}).get(step)


def has_crisis_answer(document: Mapping[str, Any]) -> bool:
    """A crisis answer the clinic must act on at once (see clinic.safety)."""
    return document_has_crisis_answer(document)


def patient_name_for(intake: Intake) -> tuple[str, str]:
    """The name the consent signature must match: the one given in "About
    you", else the clinic's record."""
    section = intake.document.get("patient") or {}
    if section.get("given_name") and section.get("family_name"):
        return section["given_name"], section["family_name"]
    return intake.patient.given_name, intake.patient.family_name


# -- state changes ---------------------------------------------------------------


@transaction.atomic
def intake_start(*, patient: Patient) -> Intake:
    """The patient's draft, created (version 1, or the next version) when
    there is none."""
    draft = intake_draft_of(patient)
    if draft is not None:
        return draft
    last = intake_last_submitted(patient)
    if last is not None:
        return intake_start_update(patient=patient)
    try:
        with transaction.atomic():
            return Intake.objects.create(patient=patient, version=1)
    except IntegrityError:
        # Two tabs started at once: the other one won.
        return patient.intakes.get(status=Intake.Status.DRAFT)


@transaction.atomic
def intake_start_update(
    *, patient: Patient, steps: Iterable[str] | None = None, by: Any = None
) -> Intake:
    """A new draft version pre-filled from the last submitted one.

    `steps` are the steps (or document sections) to reopen: a clinician asks
    for more information about them, and the patient resumes there. Without
    `steps` the patient updates whatever they like. Consent is always signed
    again. An existing draft is reused (its reopened steps are added to).
    """
    reopened = _steps_from(steps or ())
    draft = intake_draft_of(patient)
    if draft is not None:
        if reopened:
            draft.reopened_steps = sorted(
                set(draft.reopened_steps) | set(reopened), key=STEP_KEYS.index
            )
            state = dict(draft.step_state)
            for step in reopened:
                state.pop(step, None)
            draft.step_state = state
            draft.save(update_fields=["reopened_steps", "step_state", "updated_at"])
        return draft
    last = intake_last_submitted(patient)
    if last is None:
        raise IntakeError("There is no submitted intake to update.")
    document = {
        key: copy.deepcopy(value)
        for key, value in last.document.items()
        if key in SECTION_STEP and key != "consent"
    }
    state = {step: COMPLETE for step in FORM_STEPS if step != "consent"}
    for step in reopened:
        state.pop(step, None)
    version = (patient.intakes.aggregate(top=Max("version"))["top"] or 0) + 1
    return Intake.objects.create(
        patient=patient,
        version=version,
        previous=last,
        document=document,
        step_state=state,
        reopened_steps=reopened,
        dose_confirmations=copy.deepcopy(last.dose_confirmations or []),
    )


def _steps_from(names: Iterable[str]) -> list[str]:
    steps = []
    for name in names:
        step = SECTION_STEP.get(name, name)
        if step not in STEP_SECTIONS:
            raise IntakeError(f"Unknown intake step or section: {name!r}")
        if step not in steps:
            steps.append(step)
    return sorted(steps, key=STEP_KEYS.index)


def _locked_draft(intake: Intake) -> Intake:
    locked = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
    if locked.status != Intake.Status.DRAFT:
        raise IntakeError("This intake has been submitted and can no longer change.")
    return locked


def _clean_typed(
    typed: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]],
) -> dict[str, list[str]]:
    """Raw form values, safe to store (PostgreSQL's JSON has no NUL)."""
    pairs = typed.items() if hasattr(typed, "items") else typed
    return {
        str(key).replace("\x00", ""): [str(v).replace("\x00", "\ufffd") for v in values]
        for key, values in pairs
        if key not in ("csrfmiddlewaretoken", "resume", "autosave")
    }


@transaction.atomic
def intake_save_step(
    *, intake: Intake, step: str, sections: Mapping[str, Any], link: str = ""
) -> Intake:
    """Store a step's validated sections and mark the step complete.

    Each section is checked again with the engine (`validate_section`);
    raises DocumentError when one is invalid. When the answers are high-risk
    (see `has_crisis_answer`), the on-call clinicians are alerted, once per intake.
    """
    if step not in STEP_SECTIONS:
        raise IntakeError(f"Unknown intake step: {step!r}")
    if set(sections) != set(STEP_SECTIONS[step]):
        raise IntakeError(f"Step {step} fills {STEP_SECTIONS[step]}, not {tuple(sections)}")
    draft = _locked_draft(intake)
    today = timezone.localdate()
    errors = []
    for key, value in sections.items():
        errors.extend(
            validate_section(key, value, completed_on=today, patient_name=patient_name_for(draft))
        )
    if errors:
        raise DocumentError(errors)
    document = dict(draft.document)
    document.update(copy.deepcopy(dict(sections)))
    state = dict(draft.step_state)
    state[step] = COMPLETE
    typed = dict(state.get(TYPED_KEY, {}))
    typed.pop(step, None)
    state[TYPED_KEY] = typed
    state[KEPT_KEY] = [s for s in state.get(KEPT_KEY, []) if s != step]
    draft.document = document
    draft.step_state = state
    draft.save(update_fields=["document", "step_state", "updated_at"])
    language = (sections.get("patient") or {}).get("preferred_language")
    if language and language != draft.patient.preferred_language:
        # The language the patient chose is the one the clinic writes to them in.
        Patient.objects.filter(pk=draft.patient_id).update(preferred_language=language)
        intake.patient.preferred_language = language
    if step in SAFETY_STEPS and has_crisis_answer(document):
        intake_raise_safety_alert(intake=draft, link=link)
    intake.document, intake.step_state = draft.document, draft.step_state
    intake.safety_alerted_at = draft.safety_alerted_at
    return draft


@transaction.atomic
def intake_save_typed(
    *,
    intake: Intake,
    step: str,
    typed: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]],
    attention: bool,
) -> Intake:
    """Keep what the patient typed into a step that is not valid (yet).

    `attention` marks the step as needing attention (the patient tried to
    move on); otherwise (an autosave while typing) a complete step is marked
    for attention only because its stored answers are now out of date.
    """
    if step not in STEP_SECTIONS:
        raise IntakeError(f"Unknown intake step: {step!r}")
    draft = _locked_draft(intake)
    state = dict(draft.step_state)
    typed_all = dict(state.get(TYPED_KEY, {}))
    typed_all[step] = _clean_typed(typed)
    state[TYPED_KEY] = typed_all
    if attention or state.get(step) == COMPLETE:
        state[step] = ATTENTION
    draft.step_state = state
    draft.save(update_fields=["step_state", "updated_at"])
    intake.step_state = draft.step_state
    return draft


def intake_end_resume_tokens(*, user: Any) -> int:
    """The patient logged out: the resume tokens of their pages end with the
    session they were issued in (a post kept through one is only for a session
    that timed out, never for one ended on purpose)."""
    patient = getattr(user, "patient", None)
    if patient is None:
        return 0
    stamp = timezone.now().timestamp()
    count = 0
    with transaction.atomic():
        for draft in Intake.objects.select_for_update().filter(
            patient=patient, status=Intake.Status.DRAFT
        ):
            draft.step_state = {**draft.step_state, LOGGED_OUT_KEY: stamp}
            draft.save(update_fields=["step_state", "updated_at"])
            count += 1
    return count


def resume_token_is_live(intake: Intake, issued_at: float) -> bool:
    """A token issued after the patient's last logout."""
    return issued_at > float((intake.step_state or {}).get(LOGGED_OUT_KEY, 0))


@transaction.atomic
def intake_keep_timed_out_post(
    *, intake: Intake, step: str, typed: Iterable[tuple[str, Iterable[str]]]
) -> Intake:
    """Keep what was posted after the session timed out, as typed values only:
    never validated or stored as the patient's answers until they have logged
    in, seen them on the step and saved it themselves."""
    draft = intake_save_typed(intake=intake, step=step, typed=typed, attention=False)
    state = dict(draft.step_state)
    state[KEPT_KEY] = sorted({*state.get(KEPT_KEY, []), step})
    draft.step_state = state
    draft.save(update_fields=["step_state", "updated_at"])
    intake.step_state = state
    return draft


def kept_after_timeout(intake: Intake, step: str) -> bool:
    return step in (intake.step_state or {}).get(KEPT_KEY, [])


@transaction.atomic
def intake_raise_safety_alert(*, intake: Intake, link: str = "") -> bool:
    """Alert the on-call clinicians about this intake, once: the claim on the
    intake and the alert's record commit together. True when raised now."""
    now = timezone.now()
    claimed = Intake.objects.filter(pk=intake.pk, safety_alerted_at__isnull=True).update(
        safety_alerted_at=now
    )
    if not claimed:
        return False
    intake.safety_alerted_at = now
    crisis_alert_raise(
        patient=intake.patient,
        source="intake",
        link=link or intake_staff_link(intake),
        key=intake_alert_key(intake.pk),
    )
    return True


def intake_alert_key(intake_id: int) -> str:
    """The key of an intake's safety alert: one alert per intake."""
    return f"intake-{intake_id}"


def intakes_raise_safety_alerts_new(intakes: Sequence[Intake]) -> None:
    """`intake_raise_safety_alert` for intakes just created in bulk (an
    import) with `safety_alerted_at` already set: their alerts are recorded
    in one query and their emails queued once the transaction commits."""
    crisis_alerts_raise(
        [
            (intake.patient, "intake", intake_staff_link(intake), intake_alert_key(intake.pk))
            for intake in intakes
        ]
    )


def intake_staff_link(intake: Intake) -> str:
    """Where staff look at an intake (the review case page when it exists)."""
    return settings.CLINIC_BASE_URL.rstrip("/") + reverse("review:case", args=[intake.pk])


def intake_document(intake: Intake, *, completed_on: date | None = None) -> dict[str, Any]:
    """The whole clinic-intake/1 document the draft would submit."""
    document: dict[str, Any] = {"format": FORMAT}
    document["completed_on"] = (completed_on or timezone.localdate()).isoformat()
    for section in SECTION_STEP:
        if section in intake.document:
            document[section] = copy.deepcopy(intake.document[section])
    if "blood_pressure" not in document and intake.step_state.get("physical") == COMPLETE:
        document["blood_pressure"] = None
    return document


def errors_by_step(errors: Iterable[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """Document errors grouped by the step that fills the section."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for path, message in errors:
        section = path.split(".", 1)[0].split("[", 1)[0]
        grouped.setdefault(SECTION_STEP.get(section, REVIEW_STEP), []).append((path, message))
    return grouped


def intake_submit(*, intake: Intake) -> Intake:
    """Validate the whole document, store it as this version (never changed
    again), and screen it.

    Raises IntakeError when a step is not complete and DocumentError when the
    document does not validate (the steps concerned are then marked "attention").
    """
    try:
        return _submit(intake)
    except DocumentError as exc:
        _mark_attention(intake, exc.errors)
        raise


@transaction.atomic
def _mark_attention(intake: Intake, errors: Iterable[tuple[str, str]]) -> None:
    draft = _locked_draft(intake)
    state = dict(draft.step_state)
    for step in errors_by_step(errors):
        if step in STEP_SECTIONS:
            state[step] = ATTENTION
    draft.step_state = state
    draft.save(update_fields=["step_state", "updated_at"])
    intake.step_state = state


@transaction.atomic
def _submit(intake: Intake) -> Intake:
    draft = _locked_draft(intake)
    missing = [step for step, state in step_states(draft).items() if state != COMPLETE]
    if missing:
        raise IntakeError("Some steps are not complete: " + ", ".join(missing))
    document = intake_document(draft)
    parse_document(document)
    now = timezone.now()
    draft.document = document
    draft.status = Intake.Status.SUBMITTED
    draft.submitted_at = now
    draft.content_hash = content_hash(document)
    state = dict(draft.step_state)
    state.pop(TYPED_KEY, None)
    draft.step_state = state
    draft.save(
        update_fields=[
            "document",
            "status",
            "submitted_at",
            "content_hash",
            "step_state",
            "updated_at",
        ]
    )
    intake_screen(intake=draft)
    if has_crisis_answer(document) and draft.safety_alerted_at is None:
        intake_raise_safety_alert(intake=draft)
    intake.status, intake.submitted_at, intake.document = (
        draft.status,
        draft.submitted_at,
        draft.document,
    )
    return draft


@transaction.atomic
def intake_record_dose_confirmations(
    *, intake: Intake, step: str, confirmations: Iterable[Mapping[str, Any]]
) -> Intake:
    """Keep, beside the document (which has no place for it), the doses above
    the label's maximum that the patient confirmed on a step just saved; those
    the step's lists held before are replaced."""
    if step not in STEP_SECTIONS:
        raise IntakeError(f"Unknown intake step: {step!r}")
    sections = set(STEP_SECTIONS[step])
    kept = [dict(c) for c in confirmations if c.get("section") in sections]
    if not kept and not any(c.get("section") in sections for c in intake.dose_confirmations or []):
        return intake  # nothing to keep, nothing to drop: no write
    draft = _locked_draft(intake)
    current = [c for c in (draft.dose_confirmations or []) if c.get("section") not in sections]
    if current + kept == (draft.dose_confirmations or []):
        return draft
    draft.dose_confirmations = current + kept
    draft.save(update_fields=["dose_confirmations", "updated_at"])
    intake.dose_confirmations = draft.dose_confirmations
    return draft
