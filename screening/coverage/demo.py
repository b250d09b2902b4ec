"""Demo prior authorization for `seed_demo`: Elena Park, with two failed SSRI
trials and one failed SNRI trial, the details payers ask for, and an
approval of 36 TMS sessions counting down as her course's sessions are
completed. Idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient, User
from clinic.scheduling.models import AppointmentStatus, CoursePlan, Room
from clinic.scheduling.services.booking import appointment_set_status
from clinic.scheduling.services.courses import course_book, course_propose
from screening.coverage.models import Authorization, AuthorizationStatus, PriorAuthRecord
from screening.demo import demo_document
from screening.models import Intake
from screening.services.intake import COMPLETE, FORM_STEPS, intake_submit

EMAIL = "elena.park@example.org"
DEMO_NPI = "1234567893"  # a made-up NPI with a valid check digit
TRIALS = [
    {
        "medication": "sertraline",
        "max_daily_dose_mg": 150,
        "duration_weeks": 10,
        "current_episode": True,
        "response": "none",
        "stopped_for_side_effects": False,
    },
    {
        "medication": "Lexapro",
        "max_daily_dose_mg": 20,
        "duration_weeks": 8,
        "current_episode": True,
        "response": "partial",
        "stopped_for_side_effects": False,
    },
    {
        "medication": "duloxetine",
        "max_daily_dose_mg": 90,
        "duration_weeks": 8,
        "current_episode": True,
        "response": "partial",
        "stopped_for_side_effects": False,
    },
]


@transaction.atomic
def seed(stdout) -> None:
    patient, _ = Patient.objects.get_or_create(
        email=EMAIL,
        defaults={
            "given_name": "Elena",
            "family_name": "Park",
            "date_of_birth": date(1979, 5, 21),
            "sex_at_birth": "female",
        },
    )
    if Authorization.objects.filter(patient=patient).exists():
        stdout.write("Prior-authorization demo: already loaded.")
        return
    if not patient.intakes.exists():
        doc = demo_document("01-likely-trd-no-cautions", patient)
        doc["antidepressant_trials"] = TRIALS
        doc["depression"]["phq9"] = [2, 2, 2, 3, 2, 2, 2, 2, 0]
        doc["augmentation_trials"] = [
            {
                "medication": "aripiprazole",
                "max_daily_dose_mg": 5,
                "duration_weeks": 6,
                "current_episode": True,
                "response": "none",
                "stopped_for_side_effects": False,
            }
        ]
        sections = {
            k: v for k, v in doc.items() if k not in ("format", "completed_on", "external_id")
        }
        intake = Intake.objects.create(
            patient=patient,
            version=1,
            document=sections,
            step_state=dict.fromkeys(FORM_STEPS, COMPLETE),
            safety_alerted_at=timezone.now(),
        )
        intake_submit(intake=intake)
    today = timezone.localdate()
    PriorAuthRecord.objects.update_or_create(
        patient=patient,
        defaults={
            "diagnosis_icd10": "F33.2",
            "pdmp_checked_on": today - timedelta(days=20),
            "psychiatrist_name": "Dr. Ada Okafor",
            "psychiatrist_npi": DEMO_NPI,
            "trial_details": {
                "lexapro": {"improvement_pct": 20, "started_on": None, "ended_on": None},
                "duloxetine": {"improvement_pct": 15, "started_on": None, "ended_on": None},
            },
            "scores": [
                {"scale": "hamd17", "total": 24, "on": (today - timedelta(days=21)).isoformat()},
                {"scale": "hamd17", "total": 14, "on": (today - timedelta(days=1)).isoformat()},
            ],
        },
    )
    start = today - timedelta(days=today.weekday()) - timedelta(days=14)
    Authorization.objects.create(
        patient=patient,
        treatment="tms",
        payer="Centene (Ambetter)",
        reference="AMB-TMS-0042",
        units_approved=36,
        start_on=start,
        end_on=start + timedelta(days=90),
        status=AuthorizationStatus.APPROVED,
        requested_on=start - timedelta(days=7),
    )
    doctor = User.objects.filter(email="dr.lindqvist@example.org").first()
    room = Room.objects.filter(name="TMS room").first()
    plan = CoursePlan.objects.filter(slug="tms-course").first()
    completed = 0
    if doctor and room and plan:
        proposal = course_propose(
            plan=plan,
            patient=patient,
            clinician=doctor,
            room=room,
            first_day=start,
            preferred_time=time(11),
        )
        course = course_book(
            plan=plan,
            patient=patient,
            clinician=doctor,
            room=room,
            slots=[(s.appointment_type, s.start) for s in proposal if not s.problem],
            booked_by=None,
        )
        course.appointments.update(notes="[demo] TMS course (prior authorization)")
        for past in course.appointments.filter(end__lt=timezone.now()):
            appointment_set_status(
                appointment=past, status=AppointmentStatus.COMPLETED, changed_by=None
            )
            completed += 1
    stdout.write(
        f"Prior-authorization demo: {patient.full_name}, 36 TMS sessions approved, "
        f"{completed} completed."
    )
