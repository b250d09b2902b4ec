"""Factories for treatment sessions: REMS certification and enrolment, a
treatment appointment today, a started session, complete documents."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from clinic.scheduling.clock import at_local
from clinic.treatment import services as svc
from clinic.treatment.models import RemsCertification, RemsEnrollment, TreatmentProtocol
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.scheduling import AppointmentFactory, RoomFactory, appointment_type

SLUGS = {
    "esketamine": "esketamine-session",
    "iv_ketamine": "iv-ketamine-infusion",
    "tms": "tms-session",
    "ect": "ect-session",
}


def seed_protocols() -> None:
    """Run the protocols' data migration again (transactional tests flush it)."""
    import importlib

    from django.apps import apps

    for slug in SLUGS.values():
        appointment_type(slug)
    migration = importlib.import_module(
        "clinic.treatment.migrations.0003_seed_protocols_and_limits"
    )
    migration.seed(apps, None)


class RemsCertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemsCertification

    setting_identifier = factory.Sequence(lambda n: f"HS-{n:06d}")
    setting_name = "Riverside Interventional Psychiatry"
    address_line1 = "120 River Street"
    address_line2 = "Suite 4"
    city = "Springfield"
    state = "MA"
    zip_code = "01103"
    phone = "+1 555 0100"
    certified_on = datetime.date(2025, 1, 15)
    authorized_representative = "Ada Okafor, MD"


class RemsEnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemsEnrollment

    patient = factory.SubFactory(PatientFactory)
    enrolled_on = datetime.date(2026, 1, 5)
    patient_identifier = factory.Sequence(lambda n: f"PT-{n:06d}")


def treatment_appointment(
    modality: str = "esketamine",
    *,
    day=None,
    clock=datetime.time(9),
    patient=None,
    room=None,
    clinician=None,
):
    seed_protocols()
    day = day or timezone.localdate()
    kind = appointment_type(SLUGS[modality])
    start = at_local(day, clock)
    return AppointmentFactory(
        patient=patient or PatientFactory(),
        appointment_type=kind,
        start=start,
        end=start + datetime.timedelta(minutes=kind.default_minutes),
        room=room or RoomFactory(),
        clinician=clinician or StaffFactory(role="clinician"),
    )


def started_session(modality: str = "esketamine", *, by=None, enrolled=True, **kwargs):
    """A session started from a treatment appointment today (the REMS
    certification and the patient's enrolment created for esketamine)."""
    appointment = treatment_appointment(modality, **kwargs)
    if modality == "esketamine":
        if not RemsCertification.objects.exists():
            RemsCertificationFactory()
        if enrolled:
            RemsEnrollmentFactory(patient=appointment.patient)
    return svc.session_start(appointment=appointment, by=by or appointment.clinician)


def protocol(modality: str) -> TreatmentProtocol:
    seed_protocols()
    return TreatmentProtocol.objects.get(modality=modality)


ESKETAMINE_COMPLETE = {
    "first_treatment": "no",
    "no_food_2h": "yes",
    "no_liquids_30min": "yes",
    "nasal_medicine": "none",
    "ride_home": "yes",
    "med_benzodiazepine": "no",
    "med_sedative_hypnotic": "no",
    "med_psychostimulant": "no",
    "med_maoi": "no",
    "med_opioid": "no",
    "meds_confirmed": "yes",
    "dose": "56",
    "devices": "2",
    "lot_number": "LOT-9911",
    "first_device_time": "09:10",
    "pulse_oximetry": "yes",
    "lowest_spo2": "95",
    "sedation": "no",
    "dissociation": "yes",
    "dissociation_onset": "09:20",
    "dissociation_resolved": "10:15",
    "respiratory_depression": "no",
    "sae": "no",
    "ready_time": "10:30",
    "discharge_time": "11:15",
    "vitals_ok_before_dose": "yes",
    "vitals_ok_at_discharge": "yes",
    "responsible_adult": "yes",
    "not_driving": "yes",
}

KETAMINE_COMPLETE = {
    "weight_kg": "70",
    "dose_mg_per_kg": "0.5",
    "lot_number": "KET-1",
    "pump_rate_ml_h": "35",
    "infusion_start": "09:10",
    "infusion_stop": "09:50",
    "dissociation_score": "8",
    "sedation_level": "mild",
    "alert_oriented": "yes",
    "vitals_near_baseline": "yes",
    "walking_steadily": "yes",
    "responsible_adult": "yes",
    "told_not_to_drive": "yes",
    "discharge_time": "11:00",
}

TMS_COMPLETE = {
    "session_number": "1",
    "device": "NeuroStar",
    "coil": "Figure-8",
    "target": "left_dlpfc",
    "localisation": "beam_f3",
    "mt_determined_today": "yes",
    "motor_threshold_pct": "55",
    "motor_threshold_date": "2026-03-02",
    "protocol": "itbs",
    "intensity_pct_mt": "120",
    "pulses_planned": "600",
    "pulses_delivered": "600",
    "seizure": "no",
}

ECT_COMPLETE = {
    "session_number": "1",
    "anaesthetic": "methohexital",
    "anaesthetic_mg": "70",
    "relaxant": "succinylcholine",
    "relaxant_mg": "60",
    "placement": "rul",
    "pulse_width_ms": "0.3",
    "charge_mc": "200",
    "seizure_eeg_s": "40",
    "seizure_motor_s": "30",
    "postictal_suppression": "good",
    "reorientation_min": "15",
}

COMPLETE = {
    "esketamine": ESKETAMINE_COMPLETE,
    "iv_ketamine": KETAMINE_COMPLETE,
    "tms": TMS_COMPLETE,
    "ect": ECT_COMPLETE,
}


def vitals(session, clock: str, phase: str, systolic=120, diastolic=80, heart_rate=72, spo2=98):
    hours, minutes = map(int, clock.split(":"))
    return svc.vitals_record(
        session=session,
        taken_at=at_local(svc.session_day(session), datetime.time(hours, minutes)),
        phase=phase,
        by=session.started_by,
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        respiratory_rate=14,
    )


def complete_session(modality: str = "esketamine", **kwargs):
    """A started session with a complete document and the vitals signing needs."""
    session = started_session(modality, **kwargs)
    svc.session_save(session=session, raw=COMPLETE[modality], by=session.started_by)
    if modality in ("esketamine", "iv_ketamine"):
        vitals(session, "09:00", "pre_dose", 128, 82)
        vitals(session, "09:50", "check", 138, 86)
        vitals(session, "11:10", "discharge", 124, 80)
    session.refresh_from_db()
    return session
