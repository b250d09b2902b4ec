"""The demo intakes: one patient in each state, idempotent."""

from __future__ import annotations

import io

import pytest

from clinic.accounts.demo import seed_people
from clinic.accounts.models import Patient
from screening import demo
from screening.models import Intake

pytestmark = pytest.mark.django_db


def test_demo_intakes_in_every_state_and_idempotent():
    seed_people()
    out = io.StringIO()
    demo.seed(out)
    demo.seed(io.StringIO())
    assert "/invitations/accept/" in out.getvalue()

    lucia = Patient.objects.get(email="lucia.fernandez@example.org")
    assert lucia.user is None and lucia.preferred_language == "es"
    assert sum(1 for i in lucia.invitations.all() if i.is_open) == 1

    marco = Intake.objects.get(patient__email="marco.silva@example.org")
    assert marco.status == Intake.Status.DRAFT and marco.step_state["about"] == "complete"
    assert "suicide_screen" in marco.document and "consent" not in marco.document

    dana = Intake.objects.get(patient__email="dana.reyes@example.org")
    assert dana.status == Intake.Status.SUBMITTED
    assert dana.flags.filter(code="suicide_risk", severity="urgent", is_current=True).exists()
    priya = Intake.objects.get(patient__email="priya.natarajan@example.org")
    assert priya.flags.filter(code="uncontrolled_hypertension", is_current=True).exists()
    assert Intake.objects.count() == 3
