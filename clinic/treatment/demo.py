"""Demo treatment day for `seed_demo`: the clinic's REMS certification, a
day of sessions in every state across the chairs and rooms, an esketamine
session five days ago whose REMS form is due in 2 days, and a patient
booked for esketamine who is not enrolled. Idempotent."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient, User
from clinic.scheduling.clock import at_local
from clinic.scheduling.models import Appointment, AppointmentType, Room
from clinic.scheduling.services.booking import appointment_book
from clinic.scheduling.services.rules import BookingError
from clinic.treatment import services as svc
from clinic.treatment.models import RemsCertification, RemsEnrollment, TreatmentSession, VitalSign

DEMO_NOTE = "[demo] treatment day"

EXTRA_PATIENTS = [
    ("omar.haddad@example.org", "Omar", "Haddad", datetime.date(1979, 5, 30), "male"),
    ("grace.lee@example.org", "Grace", "Lee", datetime.date(1958, 9, 12), "female"),
    ("tom.becker@example.org", "Tom", "Becker", datetime.date(1986, 2, 3), "male"),
    ("nina.kowalski@example.org", "Nina", "Kowalski", datetime.date(1993, 12, 19), "female"),
]

ESKETAMINE_PREDOSE = {
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
}


def _esketamine_done(first: str, ready: str, discharge: str) -> dict:
    return {
        **ESKETAMINE_PREDOSE,
        "dose": "56",
        "devices": "2",
        "lot_number": "LOT-24A117",
        "first_device_time": first,
        "pulse_oximetry": "yes",
        "lowest_spo2": "96",
        "sedation": "no",
        "dissociation": "yes",
        "dissociation_onset": _shift(first, 10),
        "dissociation_resolved": _shift(first, 70),
        "respiratory_depression": "no",
        "sae": "no",
        "ready_time": ready,
        "discharge_time": discharge,
        "vitals_ok_before_dose": "yes",
        "vitals_ok_at_discharge": "yes",
        "responsible_adult": "yes",
        "not_driving": "yes",
    }


def _shift(clock: str, minutes: int) -> str:
    hours, mins = map(int, clock.split(":"))
    total = hours * 60 + mins + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def _vitals(session, day, rows, by):
    for clock, phase, systolic, diastolic, hr, spo2 in rows:
        hours, mins = map(int, clock.split(":"))
        svc.vitals_record(
            session=session,
            taken_at=at_local(day, datetime.time(hours, mins)),
            phase=phase,
            by=by,
            systolic=systolic,
            diastolic=diastolic,
            heart_rate=hr,
            spo2=spo2,
            respiratory_rate=14,
        )


@transaction.atomic
def seed(stdout) -> None:
    if Appointment.objects.filter(notes__startswith=DEMO_NOTE).exists():
        stdout.write("Treatment demo: already loaded.")
        return
    okafor = User.objects.filter(email="dr.okafor@example.org").first()
    lindqvist = User.objects.filter(email="dr.lindqvist@example.org").first()
    if okafor is None or lindqvist is None:
        stdout.write("Treatment demo: no demo clinicians, skipped.")
        return
    RemsCertification.objects.get_or_create(
        setting_identifier="HS-0042917",
        defaults={
            "setting_name": "Riverside Interventional Psychiatry",
            "address_line1": "120 River Street",
            "address_line2": "Suite 4",
            "city": "Springfield",
            "state": "MA",
            "zip_code": "01103",
            "phone": "+1 555 0199",
            "certified_on": datetime.date(2025, 1, 15),
            "authorized_representative": "Ada Okafor, MD",
        },
    )
    patients = {p.email: p for p in Patient.objects.filter(email__endswith="@example.org")}
    for email, given, family, born, sex in EXTRA_PATIENTS:
        if email not in patients:
            patients[email] = Patient.objects.create(
                email=email,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex_at_birth=sex,
            )
    for number, email in enumerate(
        ["dana.reyes@example.org", "marco.silva@example.org", "tom.becker@example.org"], start=1
    ):
        if email in patients:
            RemsEnrollment.objects.get_or_create(
                patient=patients[email],
                defaults={
                    "enrolled_on": timezone.localdate() - datetime.timedelta(days=30),
                    "patient_identifier": f"PT-77{number:04d}",
                },
            )
    kinds = {k.slug: k for k in AppointmentType.objects.all()}
    rooms = {r.name: r for r in Room.objects.all()}
    today = timezone.localdate()
    count = 0

    def book(email, kind, day, clock, clinician, room):
        nonlocal count
        hours, mins = map(int, clock.split(":"))
        try:
            appointment = appointment_book(
                patient=patients[email],
                appointment_type=kinds[kind],
                start=at_local(day, datetime.time(hours, mins)),
                clinician=clinician,
                room=rooms.get(room),
                booked_by=None,
                notes=f"{DEMO_NOTE}",
                override_reason="Demo treatment day",
            )
        except (BookingError, ValidationError, KeyError):
            return None
        count += 1
        return appointment

    # Five days ago: a signed esketamine session whose REMS form is due in 2 days.
    past = today - datetime.timedelta(days=5)
    earlier = book(
        "dana.reyes@example.org", "esketamine-session", past, "07:00", okafor, "Infusion chair 2"
    )
    if earlier:
        session = svc.session_start(appointment=earlier, by=okafor)
        _vitals(
            session,
            past,
            [
                ("07:00", "pre_dose", 128, 82, 72, 98),
                ("07:50", "check", 142, 88, 80, 97),
                ("09:05", "discharge", 126, 80, 70, 98),
            ],
            okafor,
        )
        svc.session_save(
            session=session, raw=_esketamine_done("07:10", "08:30", "09:10"), by=okafor
        )
        svc.session_sign(session=session, by=okafor)

    # Today, chair 1: signed, monitoring, in progress (BP above threshold), not started.
    signed = book(
        "dana.reyes@example.org", "esketamine-session", today, "06:30", okafor, "Infusion chair 1"
    )
    if signed:
        session = svc.session_start(appointment=signed, by=okafor)
        _vitals(
            session,
            today,
            [
                ("06:30", "pre_dose", 124, 80, 70, 98),
                ("07:20", "check", 138, 86, 78, 97),
                ("08:35", "discharge", 122, 78, 68, 98),
            ],
            okafor,
        )
        svc.session_save(
            session=session, raw=_esketamine_done("06:40", "08:10", "08:40"), by=okafor
        )
        svc.session_sign(session=session, by=okafor)
    infusion = book(
        "lucia.fernandez@example.org",
        "iv-ketamine-infusion",
        today,
        "15:00",
        okafor,
        "Infusion chair 1",
    )
    if infusion:
        session = svc.session_start(appointment=infusion, by=okafor)
        _vitals(
            session,
            today,
            [("15:00", "pre_dose", 132, 84, 76, 98), ("15:25", "check", 184, 96, 88, 97)],
            okafor,
        )
        svc.session_save(
            session=session,
            raw={
                "weight_kg": "68",
                "dose_mg_per_kg": "0.5",
                "lot_number": "KET-5521",
                "pump_rate_ml_h": "40",
                "infusion_start": "15:10",
            },
            by=okafor,
        )
    checks = book(
        "marco.silva@example.org", "esketamine-session", today, "17:00", okafor, "Infusion chair 1"
    )
    if checks:
        session = svc.session_start(appointment=checks, by=okafor)
        _vitals(session, today, [("17:00", "pre_dose", 152, 94, 84, 98)], okafor)
        svc.session_save(session=session, raw={"no_food_2h": "yes", "ride_home": "yes"}, by=okafor)

    # Today, the TMS room and the ECT suite (Dr Lindqvist); chair 1 at noon.
    tms = book("omar.haddad@example.org", "tms-session", today, "07:00", lindqvist, "TMS room")
    if tms:
        session = svc.session_start(appointment=tms, by=lindqvist)
        svc.session_save(
            session=session,
            raw={
                "device": "NeuroStar",
                "coil": "Figure-8",
                "target": "left_dlpfc",
                "localisation": "beam_f3",
                "mt_determined_today": "yes",
                "motor_threshold_pct": "58",
                "motor_threshold_date": today.isoformat(),
                "protocol": "10hz",
                "frequency_hz": "10",
                "train_duration_s": "4",
                "inter_train_interval_s": "26",
                "trains": "75",
                "intensity_pct_mt": "120",
                "pulses_planned": "3000",
                "pulses_delivered": "3000",
                "seizure": "no",
            },
            by=lindqvist,
        )
        svc.session_sign(session=session, by=lindqvist)
    ect = book("grace.lee@example.org", "ect-session", today, "07:45", lindqvist, "ECT suite")
    if ect:
        session = svc.session_start(appointment=ect, by=lindqvist)
        svc.session_save(
            session=session,
            raw={
                "anticholinergic": "glycopyrrolate",
                "anticholinergic_mg": "0.2",
                "anaesthetic": "methohexital",
                "anaesthetic_mg": "70",
                "relaxant": "succinylcholine",
                "relaxant_mg": "60",
                "placement": "rul",
                "pulse_width_ms": "0.3",
                "charge_mc": "240",
                "frequency_hz": "60",
                "train_duration_s": "4",
                "impedance_ohm": "1400",
                "seizure_eeg_s": "42",
                "seizure_motor_s": "31",
                "postictal_suppression": "good",
                "heart_rate_max": "128",
                "reorientation_min": "18",
                "moca_timepoint": "baseline",
                "moca_total": "24",
            },
            by=lindqvist,
        )
    monitoring = book(
        "tom.becker@example.org",
        "esketamine-session",
        today,
        "12:00",
        okafor,
        "Infusion chair 1",
    )
    if monitoring:
        session = svc.session_start(appointment=monitoring, by=okafor)
        _vitals(session, today, [("12:00", "pre_dose", 126, 78, 74, 98)], okafor)
        svc.session_save(
            session=session,
            raw={
                **ESKETAMINE_PREDOSE,
                "dose": "84",
                "devices": "3",
                "lot_number": "LOT-24A117",
                "first_device_time": "12:10",
            },
            by=okafor,
        )
    # A patient booked for esketamine who is not enrolled in the REMS.
    book(
        "nina.kowalski@example.org",
        "esketamine-session",
        today,
        "15:30",
        lindqvist,
        "Infusion chair 2",
    )
    signed_count = TreatmentSession.objects.filter(signed_at__isnull=False).count()
    stdout.write(
        f"Treatment demo: {count} treatment appointments, {signed_count} signed sessions, "
        f"{VitalSign.objects.count()} vitals; REMS certification and enrolments."
    )
