"""Reads: today's sessions by room, the REMS forms due, a patient's sessions
for the case page, and the REMS Patient Monitoring Form of a session."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.scheduling.models import Appointment
from clinic.treatment import clinical as c
from clinic.treatment import documents as d
from clinic.treatment.chart import vitals_trend_svg
from clinic.treatment.models import (
    RemsEnrollment,
    TreatmentProtocol,
    TreatmentSession,
    VitalSign,
)
from clinic.treatment.services import modality_of, rems_enrollment_of, rems_site

DUE_LABELS = {
    c.DUE_CHECK_IN: _("Check-in"),
    c.DUE_PREDOSE_BP: _("Pre-dose blood pressure"),
    c.DUE_DOSE: _("Dose"),
    c.DUE_BP_CHECK: _("Blood pressure check (40 minutes)"),
    c.DUE_VITALS: _("Vitals check"),
    c.DUE_DISCHARGE_BP: _("Blood pressure before discharge"),
    c.DUE_DISCHARGE: _("Discharge"),
    c.DUE_CHART: _("Charting"),
    c.DUE_SIGNATURE: _("Signature"),
    c.DUE_REMS_FORM: _("REMS monitoring form"),
}


@dataclass
class BoardRow:
    appointment: Appointment
    session: TreatmentSession | None
    modality: str
    state: str
    due: str | None = None
    due_at: datetime.time | None = None
    warning: str = ""

    @property
    def due_label(self) -> str:
        return DUE_LABELS.get(self.due, "") if self.due else ""


@dataclass
class RoomGroup:
    name: str
    rows: list[BoardRow] = field(default_factory=list)


def _bp(v: VitalSign) -> bool:
    return v.systolic is not None and v.diastolic is not None


def due_of(session: TreatmentSession, vitals: list[VitalSign], timepoints) -> tuple:
    dose_time = timezone.localtime(session.dosed_at).time() if session.dosed_at else None
    submitted = hasattr(session, "rems_submission")
    return c.next_due(
        modality=session.modality,
        state=session.state,
        dose_time=dose_time,
        checks_done=sum(1 for v in vitals if v.phase == VitalSign.Phase.CHECK),
        has_predose_bp=any(v.phase == VitalSign.Phase.PRE_DOSE and _bp(v) for v in vitals),
        has_discharge_bp=any(v.phase == VitalSign.Phase.DISCHARGE and _bp(v) for v in vitals),
        timepoints=timepoints or c.DEFAULT_KETAMINE_TIMEPOINTS,
        held=session.held,
        rems_submitted=submitted,
    )


def sessions_today(day: datetime.date | None = None) -> list[RoomGroup]:
    """Today's treatment appointments by room (chair), in time order, each
    with its session state and what is due next. A fixed number of queries."""
    day = day or timezone.localdate()
    start = datetime.datetime.combine(
        day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    protocols = {p.appointment_type_id: p for p in TreatmentProtocol.objects.all()}
    appointments = (
        Appointment.objects.live()
        .filter(
            start__gte=start,
            start__lt=start + datetime.timedelta(days=1),
            appointment_type_id__in=list(protocols),
        )
        .select_related(
            "patient",
            "room",
            "clinician",
            "appointment_type",
            "treatment_session",
            "treatment_session__rems_submission",
        )
        .prefetch_related(
            Prefetch(
                "treatment_session__vitals",
                queryset=VitalSign.objects.order_by("taken_at", "id"),
            )
        )
        .order_by("room__name", "start")
    )
    appointments = list(appointments)
    enrolled = set(
        RemsEnrollment.objects.filter(
            patient_id__in=[a.patient_id for a in appointments]
        ).values_list("patient_id", flat=True)
    )
    groups: dict[str, RoomGroup] = {}
    for appointment in appointments:
        protocol = protocols[appointment.appointment_type_id]
        session = getattr(appointment, "treatment_session", None)
        row = BoardRow(
            appointment=appointment,
            session=session,
            modality=protocol.modality,
            state=session.state if session else c.NOT_STARTED,
        )
        if session is None:
            row.due, row.due_at = c.DUE_CHECK_IN, None
        else:
            row.due, row.due_at = due_of(
                session, list(session.vitals.all()), protocol.vitals_minutes
            )
        if protocol.modality == c.ESKETAMINE and appointment.patient_id not in enrolled:
            row.warning = str(_("Not enrolled in the SPRAVATO REMS"))
        name = appointment.room.name if appointment.room else str(_("No room"))
        groups.setdefault(name, RoomGroup(name)).rows.append(row)
    return list(groups.values())


@dataclass
class DueForm:
    session: TreatmentSession
    day: datetime.date
    due_on: datetime.date
    days_left: int

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)


def rems_forms_due(today: datetime.date | None = None) -> list[DueForm]:
    """Esketamine sessions (dosed, so not held) whose REMS form is not yet
    submitted, oldest first, with the days left of the 7."""
    today = today or timezone.localdate()
    sessions = (
        TreatmentSession.objects.filter(
            modality=c.ESKETAMINE,
            held=False,
            dosed_at__isnull=False,
            rems_submission__isnull=True,
        )
        .select_related("patient", "appointment", "appointment__room", "signed_by")
        .order_by("appointment__start")
    )
    out = []
    for session in sessions:
        day = timezone.localtime(session.appointment.start).date()
        out.append(DueForm(session, day, c.rems_due_date(day), c.rems_days_left(day, today)))
    return out


def patient_sessions(patient) -> list[TreatmentSession]:
    return list(
        TreatmentSession.objects.filter(patient=patient)
        .select_related("appointment", "appointment__room")
        .prefetch_related(Prefetch("vitals", queryset=VitalSign.objects.order_by("taken_at")))
        .order_by("-appointment__start")
    )


def vitals_points(sessions: list[TreatmentSession]) -> list[dict[str, Any]]:
    points = []
    for session in sorted(sessions, key=lambda s: s.appointment.start):
        vitals = list(session.vitals.all())
        pre = [v for v in vitals if v.phase == VitalSign.Phase.PRE_DOSE and _bp(v)]
        systolic = [v.systolic for v in vitals if v.systolic is not None]
        if not (pre or systolic):
            continue
        points.append(
            {
                "day": timezone.localtime(session.appointment.start).date(),
                "pre_systolic": pre[-1].systolic if pre else None,
                "pre_diastolic": pre[-1].diastolic if pre else None,
                "peak_systolic": max(systolic) if systolic else None,
            }
        )
    return points


def case_sessions_section(patient, phq9_points: list | None = None) -> dict[str, Any]:
    """The case page's treatment section: the sessions, a vitals trend and
    the PHQ-9 points over the course (from the first session on), which the
    case page (review, the layer above) draws with its PHQ-9 chart."""
    sessions = patient_sessions(patient)
    section: dict[str, Any] = {"sessions": sessions}
    if not sessions:
        return section
    first = min(timezone.localtime(s.appointment.start).date() for s in sessions)
    course = [p for p in (phq9_points or []) if p[0] >= first - datetime.timedelta(days=30)]
    section["vitals_chart"] = vitals_trend_svg(vitals_points(sessions))
    section["phq9_points"] = course
    return section


# -- the REMS Patient Monitoring Form ------------------------------------------------------


def _yes_no(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return ""


def _bp_text(vital: VitalSign | None) -> str:
    return f"{vital.systolic}/{vital.diastolic} mmHg" if vital is not None else ""


def _minutes_after(session: TreatmentSession, value: Any) -> str:
    first = d.as_time(session.document.get("first_device_time"))
    minutes = c.minutes_between(first, d.as_time(value))
    return f"{value} ({minutes} min after administration)" if minutes is not None else ""


def rems_form(session: TreatmentSession) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every field of the REMS Patient Monitoring Form, filled from the
    session: (section, [(field, value)])."""
    doc = session.document
    patient = session.patient
    site = rems_site()
    enrollment = RemsEnrollment.objects.filter(patient=patient).first()
    vitals = [v for v in session.vitals.all() if _bp(v)]
    pre = [v for v in vitals if v.phase == VitalSign.Phase.PRE_DOSE]
    check = [v for v in vitals if v.phase == VitalSign.Phase.CHECK]
    end = [v for v in vitals if v.phase == VitalSign.Phase.DISCHARGE]
    monitor = session.started_by
    derived = d.computed(c.ESKETAMINE, doc)
    dose = doc.get("dose")
    dose_text = {"56": "56 mg", "84": "84 mg"}.get(dose or "", "")
    if dose == "other" and doc.get("dose_other_mg"):
        dose_text = f"Other: {doc['dose_other_mg']} mg"

    def effect(name: str, label: str) -> list[tuple[str, str]]:
        return [
            (label, _yes_no(doc.get(name))),
            (f"{label}: onset", _minutes_after(session, doc.get(f"{name}_onset"))),
            (f"{label}: resolved", _minutes_after(session, doc.get(f"{name}_resolved"))),
        ]

    sex = {"female": "Female", "male": "Male"}.get(patient.sex_at_birth, "Other")
    return [
        (
            "Patient Information",
            [
                ("First Name", patient.given_name),
                ("MI", ""),
                ("Last Name", patient.family_name),
                ("Birthdate (MM/DD/YYYY)", patient.date_of_birth.strftime("%m/%d/%Y")),
                ("Sex", sex),
                ("REMS Patient ID", enrollment.patient_identifier if enrollment else ""),
                ("First treatment session", _yes_no(doc.get("first_treatment"))),
                ("Enrolled in the SPRAVATO REMS", _yes_no(enrollment is not None)),
            ],
        ),
        (
            "Concomitant Medication",
            [
                ("Benzodiazepines", _yes_no(doc.get("med_benzodiazepine"))),
                (
                    "Non-benzodiazepine sedative hypnotics",
                    _yes_no(doc.get("med_sedative_hypnotic")),
                ),
                ("Psychostimulants", _yes_no(doc.get("med_psychostimulant"))),
                ("Monoamine oxidase inhibitors (MAOIs)", _yes_no(doc.get("med_maoi"))),
                ("Opioids", _yes_no(doc.get("med_opioid"))),
            ],
        ),
        (
            "Healthcare Provider Conducting Patient Monitoring",
            [
                ("First Name", monitor.first_name),
                ("Last Name", monitor.last_name),
                ("Telephone", (site.phone if site and site.phone else settings.CLINIC_PHONE)),
                ("Email", monitor.email),
            ],
        ),
        (
            "Healthcare Setting Information",
            [
                ("REMS Healthcare Setting ID", site.setting_identifier if site else ""),
                ("Healthcare Setting Name", site.setting_name if site else ""),
                ("Healthcare Setting Address 1", site.address_line1 if site else ""),
                ("Healthcare Setting Address 2", site.address_line2 if site else ""),
                ("City", site.city if site else ""),
                ("State", site.state if site else ""),
                ("ZIP", site.zip_code if site else ""),
            ],
        ),
        (
            "Patient Treatment Session Information",
            [
                (
                    "Treatment Date (MM/DD/YYYY)",
                    timezone.localtime(session.appointment.start).strftime("%m/%d/%Y"),
                ),
                ("Dose Administered", dose_text),
                ("Number of devices", str(doc.get("devices") or "")),
                ("Lot Number", doc.get("lot_number") or ""),
                ("Time of first device", doc.get("first_device_time") or ""),
                (
                    "Treatment Duration (minutes from 1st device to completion of monitoring)",
                    str(
                        derived.get("duration_min")
                        if derived.get("duration_min") is not None
                        else ""
                    ),
                ),
                (
                    "REMS Evaluation: ready to leave without the 2-hour requirement "
                    "(minutes from start of administration)",
                    str(
                        derived.get("ready_after_min")
                        if derived.get("ready_after_min") is not None
                        else ""
                    ),
                ),
                ("Reason for monitoring under 2 hours", doc.get("early_discharge_reason") or ""),
            ],
        ),
        (
            "Monitoring of Vital Signs",
            [
                (
                    "Vital signs in acceptable range prior to administration",
                    _yes_no(doc.get("vitals_ok_before_dose")),
                ),
                (
                    "Vital signs in acceptable range prior to treatment session completion",
                    _yes_no(doc.get("vitals_ok_at_discharge")),
                ),
                ("Blood pressure prior to administration", _bp_text(pre[-1] if pre else None)),
                (
                    "Blood pressure 40 minutes post-administration",
                    _bp_text(check[0] if check else None),
                ),
                (
                    "Blood pressure prior to treatment session completion",
                    _bp_text(end[-1] if end else None),
                ),
            ],
        ),
        (
            "Patient Monitoring",
            [
                *effect("sedation", "Sedation"),
                *effect("dissociation", "Dissociation"),
                *effect("respiratory_depression", "Respiratory depression"),
                ("Pulse oximetry monitored", _yes_no(doc.get("pulse_oximetry"))),
                (
                    "Lowest SpO2",
                    f"{doc['lowest_spo2']}%" if doc.get("lowest_spo2") is not None else "",
                ),
                ("Serious adverse event", _yes_no(doc.get("sae"))),
                ("Serious adverse event: description", doc.get("sae_description") or ""),
            ],
        ),
        (
            "Signature",
            [
                (
                    "Signed by",
                    session.signed_by.get_full_name() or session.signed_by.email
                    if session.signed_by
                    else "",
                ),
                (
                    "Date signed",
                    timezone.localtime(session.signed_at).strftime("%m/%d/%Y %H:%M")
                    if session.signed_at
                    else "",
                ),
            ],
        ),
    ]


def booking_warning(appointment: Appointment) -> str:
    """The booking page's warning: an esketamine session for a patient not
    enrolled in the SPRAVATO REMS (or a clinic without a certification)."""
    if modality_of(appointment) != c.ESKETAMINE:
        return ""
    if rems_enrollment_of(appointment.patient) is None:
        return str(
            _(
                "%(name)s is not enrolled in the SPRAVATO REMS: the esketamine session cannot "
                "be started until they are."
            )
            % {"name": appointment.patient.full_name}
        )
    if rems_site() is None:
        return str(
            _(
                "The clinic has no SPRAVATO REMS certification recorded: esketamine sessions "
                "cannot be started."
            )
        )
    return ""
