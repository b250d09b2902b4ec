"""Demo review records for `seed_demo`: Priya Natarajan's submitted intake
is assigned to Dr. Lindqvist, with a note and her blood-pressure flag
acknowledged. Dana Reyes's urgent case is left unopened, so the navigation
shows it in the urgent count. Idempotent: a second run changes nothing."""

from __future__ import annotations

from django.db import transaction

from clinic.accounts.models import User
from screening.models import Intake
from screening.review.models import CaseNote
from screening.review.services import case_assign, case_note_add, flag_acknowledge

DEMO_NOTE = "Demo: blood pressure to be re-measured at the consult; ask about home readings."


@transaction.atomic
def seed(stdout) -> None:
    clinician = User.objects.filter(email="dr.lindqvist@example.org").first()
    intake = (
        Intake.objects.filter(
            patient__email__iexact="priya.natarajan@example.org",
            status=Intake.Status.SUBMITTED,
        )
        .order_by("-version")
        .first()
    )
    if clinician is None or intake is None:
        return
    if CaseNote.objects.filter(intake=intake, body=DEMO_NOTE).exists():
        return
    case_assign(intake=intake, to=clinician, by=clinician)
    case_note_add(intake=intake, by=clinician, body=DEMO_NOTE)
    flag = intake.flags.filter(is_current=True, code="uncontrolled_hypertension").first()
    if flag is not None:
        flag_acknowledge(flag=flag, by=clinician, note="Demo: discussed with the referrer.")
    stdout.write(f"  review: {intake.patient} assigned to {clinician}, with a note")
