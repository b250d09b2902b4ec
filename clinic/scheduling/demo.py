"""Demo schedule for `seed_demo`: clinicians' hours, rooms, and a week of
appointments including a TMS course in progress. Idempotent."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Patient, User
from clinic.scheduling.clock import at_local
from clinic.scheduling.closures import closures_seed
from clinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CoursePlan,
    Room,
    WorkingHours,
)
from clinic.scheduling.services.booking import appointment_book, appointment_set_status
from clinic.scheduling.services.courses import course_book, course_propose
from clinic.scheduling.services.rules import BookingError

ROOMS = [
    ("Infusion chair 1", "IV ketamine and esketamine, monitored"),
    ("Infusion chair 2", "IV ketamine and esketamine, monitored"),
    ("TMS room", "rTMS and theta burst"),
    ("ECT suite", "With anaesthesia and recovery"),
]
DEMO_NOTE = "[demo]"


@transaction.atomic
def seed(stdout) -> None:
    year = timezone.localdate().year
    closures_seed(years=[year, year + 1])
    rooms = {
        name: Room.objects.get_or_create(name=name, defaults={"description": text})[0]
        for name, text in ROOMS
    }
    doctors = list(
        User.objects.filter(email__in=["dr.okafor@example.org", "dr.lindqvist@example.org"])
    )
    for doctor in doctors:
        if not WorkingHours.objects.filter(clinician=doctor).exists():
            WorkingHours.objects.bulk_create(
                WorkingHours(clinician=doctor, weekday=d, start_time=time(8), end_time=time(17))
                for d in range(5)
            )
    if Appointment.objects.filter(notes__startswith=DEMO_NOTE).exists() or not doctors:
        stdout.write("Scheduling demo: already loaded.")
        return
    okafor = next((d for d in doctors if d.email.startswith("dr.okafor")), doctors[0])
    lindqvist = next((d for d in doctors if d.email.startswith("dr.lindqvist")), okafor)
    patients = {p.email: p for p in Patient.objects.filter(email__endswith="@example.org")}
    kinds = {k.slug: k for k in AppointmentType.objects.all()}
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    count = 0

    def book(email, kind, day, hour, clinician, room=None, status=None):
        nonlocal count
        patient = patients.get(email)
        if patient is None:
            return
        try:
            appointment = appointment_book(
                patient=patient,
                appointment_type=kinds[kind],
                start=at_local(day, time(hour)),
                clinician=clinician,
                room=room,
                booked_by=None,
                notes=f"{DEMO_NOTE} demo booking",
            )
        except BookingError:
            return
        count += 1
        if status:
            appointment_set_status(appointment=appointment, status=status, changed_by=None)

    # A TMS course in progress for Priya: started last Monday at 09:00.
    priya = patients.get("priya.natarajan@example.org")
    if priya is not None:
        plan = CoursePlan.objects.get(slug="tms-course")
        proposal = course_propose(
            plan=plan,
            patient=priya,
            clinician=lindqvist,
            room=rooms["TMS room"],
            first_day=monday - timedelta(days=7),
            preferred_time=time(9),
        )
        course = course_book(
            plan=plan,
            patient=priya,
            clinician=lindqvist,
            room=rooms["TMS room"],
            slots=[(s.appointment_type, s.start) for s in proposal if not s.problem],
            booked_by=None,
        )
        course.appointments.update(notes=f"{DEMO_NOTE} TMS course")
        for past in course.appointments.filter(end__lt=timezone.now()):
            appointment_set_status(
                appointment=past, status=AppointmentStatus.COMPLETED, changed_by=None
            )
        count += course.appointments.count()

    book("dana.reyes@example.org", "consult", monday, 10, okafor)
    book("marco.silva@example.org", "consult", monday + timedelta(days=1), 11, okafor)
    book(
        "lucia.fernandez@example.org",
        "iv-ketamine-infusion",
        monday + timedelta(days=2),
        9,
        okafor,
        rooms["Infusion chair 1"],
    )
    book("lucia.fernandez@example.org", "follow-up", monday + timedelta(days=4), 14, okafor)
    book(
        "marco.silva@example.org",
        "esketamine-session",
        monday + timedelta(days=3),
        13,
        lindqvist,
        rooms["Infusion chair 2"],
    )
    stdout.write(f"Scheduling demo: {len(rooms)} rooms, hours, {count} appointments.")
