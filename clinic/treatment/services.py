"""Named state changes of treatment sessions: start, save as typed, record
vitals and responses, sign, add an addendum, submit the REMS form, change
the vitals limits. Each refuses to touch a signed session."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient, User
from clinic.safety import crisis_alert_raise
from clinic.scheduling.models import Appointment, AppointmentStatus
from clinic.scheduling.services import booking
from clinic.treatment import clinical as c
from clinic.treatment import documents as d
from clinic.treatment.clinical import Message as M
from clinic.treatment.clinical import gettext_noop
from clinic.treatment.models import (
    Addendum,
    RemsCertification,
    RemsEnrollment,
    RemsSubmission,
    SessionState,
    TreatmentProtocol,
    TreatmentSession,
    VitalSign,
    VitalsLimits,
    VitalsLimitsChange,
)
from screening.engine.concomitant import concomitant_medicines
from screening.models import Intake
from screening.services.policy import current_knowledge, current_policy


class SessionError(Exception):
    """A session change that is not allowed; the message says why."""


class SignRefused(SessionError):
    def __init__(self, errors: d.Errors) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors))


# -- look-ups ----------------------------------------------------------------------


def protocol_for(appointment: Appointment) -> TreatmentProtocol | None:
    return TreatmentProtocol.objects.filter(
        appointment_type_id=appointment.appointment_type_id
    ).first()


def modality_of(appointment: Appointment) -> str | None:
    protocol = protocol_for(appointment)
    return protocol.modality if protocol else None


def rems_site() -> RemsCertification | None:
    """The clinic's active REMS certification, if any."""
    return RemsCertification.objects.filter(is_active=True).order_by("-certified_on").first()


def rems_enrollment_of(patient: Patient) -> RemsEnrollment | None:
    return RemsEnrollment.objects.filter(patient=patient).first()


def current_limits() -> tuple[c.VitalsLimits, int]:
    row, _ = VitalsLimits.objects.get_or_create(pk=1)
    return row.to_limits(), row.version


def treatment_threshold() -> tuple[int, int]:
    """The screening policy's blood-pressure threshold (140/90 by default)."""
    policy, _version = current_policy()
    return policy.bp_high_systolic, policy.bp_high_diastolic


def session_day(session: TreatmentSession) -> datetime.date:
    return timezone.localtime(session.appointment.start).date()


def at_session_time(session: TreatmentSession, value: Any) -> datetime.datetime | None:
    clock = d.as_time(value)
    if clock is None:
        return None
    return datetime.datetime.combine(
        session_day(session), clock, tzinfo=timezone.get_current_timezone()
    )


def start_refusal(appointment: Appointment) -> str | None:
    """Why a session cannot be started for this appointment, or None."""
    modality = modality_of(appointment)
    if modality is None:
        return M(gettext_noop("This appointment is not a treatment session."))
    if not appointment.is_live:
        return M(gettext_noop("This appointment is cancelled or a no-show."))
    if modality == c.ESKETAMINE:
        if rems_site() is None:
            return M(
                gettext_noop(
                    "The clinic has no SPRAVATO REMS certification recorded: an esketamine "
                    "session cannot be started (add it in the admin)."
                )
            )
        if rems_enrollment_of(appointment.patient) is None:
            return M(
                gettext_noop(
                    "The patient is not enrolled in the SPRAVATO REMS: enrol them before an "
                    "esketamine session can be started."
                )
            )
    return None


# -- pre-filling ---------------------------------------------------------------------


def current_medicine_names(patient: Patient) -> list[str]:
    """The medicines of the patient's latest submitted intake."""
    intake = (
        Intake.objects.filter(patient=patient, status=Intake.Status.SUBMITTED)
        .order_by("-submitted_at")
        .only("document")
        .first()
    )
    if intake is None:
        return []
    rows = intake.document.get("current_medications") or []
    return [str(row.get("name")) for row in rows if isinstance(row, dict) and row.get("name")]


def concomitant_prefill(patient: Patient) -> tuple[dict[str, bool], dict[str, list[str]]]:
    """The REMS concomitant-medicine answers from the intake's medicines,
    through the medication knowledge; the nurse confirms them."""
    found = concomitant_medicines(current_medicine_names(patient), current_knowledge())
    answers = {f"med_{category}": bool(names) for category, names in found.items()}
    return answers, found


def _earlier(patient: Patient, modality: str, before: datetime.datetime):
    return TreatmentSession.objects.filter(
        patient=patient, modality=modality, appointment__start__lt=before
    ).order_by("-appointment__start")


def _prefill(appointment: Appointment, modality: str) -> dict[str, Any]:
    earlier = _earlier(appointment.patient, modality, appointment.start)
    doc: dict[str, Any] = {}
    last = earlier.first()
    if modality == c.ESKETAMINE:
        doc.update(concomitant_prefill(appointment.patient)[0])
        doc["first_treatment"] = last is None
    elif modality in (c.TMS, c.ECT):
        doc["session_number"] = earlier.count() + 1
        if last is not None:
            for key in (
                "device",
                "coil",
                "target",
                "localisation",
                "protocol",
                "frequency_hz",
                "train_duration_s",
                "inter_train_interval_s",
                "trains",
                "intensity_pct_mt",
                "pulses_planned",
                "motor_threshold_pct",
                "motor_threshold_date",
                "anticholinergic",
                "anaesthetic",
                "relaxant",
                "placement",
                "pulse_width_ms",
            ):
                if key in d.FIELDS[modality] and last.document.get(key) is not None:
                    doc[key] = last.document[key]
    elif modality == c.IV_KETAMINE and last is not None:
        for key in ("weight_kg", "dose_mg_per_kg"):
            if last.document.get(key) is not None:
                doc[key] = last.document[key]
    return doc


# -- start and save -------------------------------------------------------------------


@transaction.atomic
def session_start(*, appointment: Appointment, by: User) -> TreatmentSession:
    """Start (check in) the session of a treatment appointment; an existing
    session is returned as it is."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    existing = TreatmentSession.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    refusal = start_refusal(appointment)
    if refusal:
        raise SessionError(refusal)
    modality = modality_of(appointment)
    assert modality is not None
    session = TreatmentSession.objects.create(
        appointment=appointment,
        patient=appointment.patient,
        modality=modality,
        document_format=d.FORMATS[modality],
        document={"format": d.FORMATS[modality], **_prefill(appointment, modality)},
        started_by=by,
        state=SessionState.IN_PROGRESS,
    )
    if appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
        booking.appointment_set_status(
            appointment=appointment, status=AppointmentStatus.CHECKED_IN, changed_by=by
        )
    _refresh(session)
    session.save()
    return session


def _lock(session: TreatmentSession) -> TreatmentSession:
    locked = (
        TreatmentSession.objects.select_for_update()
        .select_related("appointment")
        .get(pk=session.pk)
    )
    if locked.is_signed:
        raise SessionError(
            M(gettext_noop("This session is signed and cannot be changed: add an addendum."))
        )
    return locked


@transaction.atomic
def session_save(*, session: TreatmentSession, raw: Mapping[str, Any], by: User | None) -> d.Errors:
    """Save what was typed: valid values go into the document, the rest is
    kept as typed; returns (field, message) for what is not valid."""
    session = _lock(session)
    values, errors = d.validate_fields(session.modality, raw)
    document = dict(session.document)
    typed = dict(session.typed)
    for name, value in values.items():
        typed.pop(name, None)
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    errors += _dose_before_decision(session, document, typed, values, raw)
    for name, _message in errors:
        typed[name] = str(raw.get(name, ""))[:4000]
    session.document = document
    session.typed = typed
    _refresh(session)
    session.updated_at = timezone.now()
    session.save()
    _alert_on_seizure(session)
    return errors


DOSE_KEYS = {c.ESKETAMINE: "first_device_time", c.IV_KETAMINE: "infusion_start"}


def _dose_before_decision(session, document, typed, values, raw) -> d.Errors:
    """A pre-dose BP at or above the threshold needs its decision before the
    dose is recorded; a held session records no dose. The dose time typed is
    kept as typed with the reason."""
    key = DOSE_KEYS.get(session.modality)
    if key is None or values.get(key) is None:
        return []
    decision = document.get("predose_bp_decision")
    if decision == c.HOLD:
        message = M(gettext_noop("The session is held: no dose is recorded."))
    elif session_facts(session).predose_bp_high and c.predose_decision_problems(
        bp_high=True, decision=decision, reason=document.get("predose_bp_reason")
    ):
        message = M(
            gettext_noop("Record the decision on the pre-dose blood pressure before dosing.")
        )
    else:
        return []
    document.pop(key, None)
    return [(key, message)]


def _alert_on_seizure(session: TreatmentSession) -> None:
    """A seizure in a TMS session: alert the on-call clinicians once."""
    if (
        session.modality == c.TMS
        and session.document.get("seizure") is True
        and not session.alerted_at
    ):
        crisis_alert_raise(
            patient=session.patient,
            source="TMS session: seizure",
            link=f"{settings.CLINIC_BASE_URL}{session.get_absolute_url()}",
        )
        TreatmentSession.objects.filter(pk=session.pk).update(alerted_at=timezone.now())


def _refresh(session: TreatmentSession) -> None:
    """Derived columns: dose and discharge times, held, billing code, state."""
    doc = session.document
    modality = session.modality
    dose_key = {c.ESKETAMINE: "first_device_time", c.IV_KETAMINE: "infusion_start"}.get(modality)
    if dose_key:
        session.dosed_at = at_session_time(session, doc.get(dose_key))
        session.discharged_at = at_session_time(session, doc.get("discharge_time"))
        dosed, discharged = session.dosed_at is not None, session.discharged_at is not None
    else:
        marker = "pulses_delivered" if modality == c.TMS else "seizure_eeg_s"
        dosed = doc.get(marker) is not None
        discharged = dosed and not d._required_missing(modality, doc, held=False)
    session.held = d.is_held(doc)
    if modality == c.TMS:
        session.billing_code = c.tms_billing_code(
            determined_today=doc.get("mt_determined_today") is True,
            earlier_determination=_earlier_mt(session),
        )
    session.state = c.session_state(
        started=True, dosed=dosed, discharged=discharged or session.held, signed=session.is_signed
    )


def _earlier_mt(session: TreatmentSession) -> bool:
    earlier = _earlier(session.patient, c.TMS, session.appointment.start)
    return any(s.document.get("mt_determined_today") is True for s in earlier.only("document"))


# -- vitals -----------------------------------------------------------------------------


@transaction.atomic
def vitals_record(
    *,
    session: TreatmentSession,
    taken_at: datetime.datetime,
    phase: str,
    by: User,
    systolic: int | None = None,
    diastolic: int | None = None,
    heart_rate: int | None = None,
    spo2: int | None = None,
    respiratory_rate: int | None = None,
) -> VitalSign:
    session = _lock(session)
    reading = c.Reading(systolic, diastolic, heart_rate, spo2, respiratory_rate)
    limits, version = current_limits()
    predose_high = False
    if phase == VitalSign.Phase.PRE_DOSE:
        high_s, high_d = treatment_threshold()
        predose_high = c.predose_bp_high(
            systolic, diastolic, high_systolic=high_s, high_diastolic=high_d
        )
    vital = VitalSign.objects.create(
        session=session,
        taken_at=taken_at,
        phase=phase,
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        respiratory_rate=respiratory_rate,
        out_of_limits=c.out_of_limits(reading, limits),
        limits_version=version,
        predose_high=predose_high,
        recorded_by=by,
    )
    TreatmentSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())
    return vital


@transaction.atomic
def vital_respond(*, vital: VitalSign, response: str, by: User) -> VitalSign:
    """Record what was done about a reading outside the limits."""
    _lock(vital.session)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Say what was done about this reading."})
    vital = VitalSign.objects.select_for_update().get(pk=vital.pk)
    vital.response = response
    vital.responded_by = by
    vital.responded_at = timezone.now()
    vital.save()
    return vital


# -- signing ----------------------------------------------------------------------------


def _bp(vital: VitalSign | None) -> bool:
    return vital is not None and vital.systolic is not None and vital.diastolic is not None


def session_facts(
    session: TreatmentSession, vitals: list[VitalSign] | None = None
) -> d.SessionFacts:
    vitals = list(session.vitals.all()) if vitals is None else vitals
    predose = [v for v in vitals if v.phase == VitalSign.Phase.PRE_DOSE and _bp(v)]
    protocol = TreatmentProtocol.objects.filter(modality=session.modality).first()
    return d.SessionFacts(
        predose_bp_high=bool(predose) and predose[-1].predose_high,
        unanswered_vitals=sum(1 for v in vitals if v.needs_response),
        has_predose_bp=bool(predose),
        has_check_bp=any(v.phase == VitalSign.Phase.CHECK and _bp(v) for v in vitals),
        has_discharge_bp=any(v.phase == VitalSign.Phase.DISCHARGE and _bp(v) for v in vitals),
        max_mg_per_kg=protocol.max_mg_per_kg if protocol else 1.0,
        max_total_mg=protocol.max_total_mg if protocol else 150.0,
    )


def sign_problems(session: TreatmentSession, vitals: list[VitalSign] | None = None) -> d.Errors:
    problems = d.sign_problems(session.modality, session.document, session_facts(session, vitals))
    problems += [
        (name, M(gettext_noop("what was typed is not valid")))
        for name in session.typed
        if name != VITALS_DRAFT_KEY
    ]
    return problems


@transaction.atomic
def session_sign(*, session: TreatmentSession, by: User) -> TreatmentSession:
    """Sign the session (a clinician): from now on it never changes. The
    appointment becomes completed."""
    session = _lock(session)
    problems = sign_problems(session)
    if problems:
        raise SignRefused(problems)
    session.signed_at = timezone.now()
    session.signed_by = by
    session.state = SessionState.SIGNED
    session.save()
    appointment = session.appointment
    if appointment.status != AppointmentStatus.COMPLETED and appointment.is_live:
        session.appointment = booking.appointment_set_status(
            appointment=appointment, status=AppointmentStatus.COMPLETED, changed_by=by
        )
    return session


@transaction.atomic
def addendum_add(*, session: TreatmentSession, reason: str, body: str, by: User) -> Addendum:
    """A correction to a signed session, beside the original."""
    session = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_signed:
        raise SessionError(
            M(gettext_noop("The session is not signed yet: change the chart itself."))
        )
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "Give the reason for the addendum."
    if not (body or "").strip():
        errors["body"] = "Write the addendum."
    if errors:
        raise ValidationError(errors)
    return Addendum.objects.create(
        session=session, reason=reason.strip(), body=body.strip(), author=by
    )


# -- the REMS form ----------------------------------------------------------------------


@transaction.atomic
def rems_submit(
    *, session: TreatmentSession, method: str, confirmation: str, by: User
) -> RemsSubmission:
    """Record that the session's REMS Patient Monitoring Form was submitted."""
    session = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if session.modality != c.ESKETAMINE:
        raise SessionError(M(gettext_noop("Only esketamine sessions have a REMS monitoring form.")))
    if not session.is_signed:
        raise SessionError(M(gettext_noop("Sign the session before submitting its REMS form.")))
    if RemsSubmission.objects.filter(session=session).exists():
        raise SessionError(M(gettext_noop("The REMS form of this session was already submitted.")))
    if method not in RemsSubmission.Method.values:
        raise ValidationError({"method": "Choose how the form was submitted."})
    return RemsSubmission.objects.create(
        session=session,
        method=method,
        confirmation=(confirmation or "").strip()[:100],
        submitted_by=by,
    )


# -- the vitals limits -------------------------------------------------------------------


@transaction.atomic
def vitals_limits_update(*, changes: Mapping[str, int], by: User | None) -> int:
    """Change the limits; records each change and bumps the version once.
    Raises ValidationError naming the field for a bad value."""
    row = VitalsLimits.objects.select_for_update().filter(
        pk=1
    ).first() or VitalsLimits.objects.create(pk=1)
    unknown = sorted(set(changes) - set(c.LIMIT_FIELDS))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a vitals limit."))
    try:
        c.VitalsLimits.from_dict({**row.to_limits().to_dict(), **dict(changes)})
    except ValueError as exc:
        name, _sep, message = str(exc).partition(": ")
        raise ValidationError({name: message} if name in c.LIMIT_FIELDS else str(exc)) from None
    recorded = [(n, getattr(row, n), v) for n, v in changes.items() if getattr(row, n) != v]
    if not recorded:
        return row.version
    row.version += 1
    for name, _old, new in recorded:
        setattr(row, name, new)
    row.updated_at = timezone.now()
    row.save()
    VitalsLimitsChange.objects.bulk_create(
        VitalsLimitsChange(changed_by=by, field=n, old_value=o, new_value=v, version=row.version)
        for n, o, v in recorded
    )
    return row.version


@transaction.atomic
def session_keep_typed(*, session: TreatmentSession, raw: Mapping[str, Any]) -> None:
    """Keep what was posted after the login timed out, as typed only (it is
    validated when the clinician saves it again)."""
    session = _lock(session)
    typed = dict(session.typed)
    for name in d.FIELDS[session.modality]:
        if name in raw:
            typed[name] = str(raw[name])[:4000]
    session.typed = typed
    session.save(update_fields=["typed"])


VITALS_DRAFT_KEY = "_vitals"
VITALS_DRAFT_FIELDS = (
    "taken_at",
    "phase",
    "systolic",
    "diastolic",
    "heart_rate",
    "spo2",
    "respiratory_rate",
)


@transaction.atomic
def vitals_draft_keep(*, session: TreatmentSession, raw: Mapping[str, Any]) -> None:
    """Keep the vitals being typed (not yet added), so a closed tab loses
    nothing; cleared when the reading is added."""
    session = _lock(session)
    typed = dict(session.typed)
    typed[VITALS_DRAFT_KEY] = {
        name: str(raw.get(name, ""))[:20] for name in VITALS_DRAFT_FIELDS if name in raw
    }
    session.typed = typed
    session.save(update_fields=["typed"])


def vitals_draft_clear(session: TreatmentSession) -> None:
    if VITALS_DRAFT_KEY in session.typed:
        typed = dict(session.typed)
        typed.pop(VITALS_DRAFT_KEY)
        TreatmentSession.objects.filter(pk=session.pk, signed_at__isnull=True).update(typed=typed)
