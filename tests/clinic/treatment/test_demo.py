"""The demo day: sessions in every state, an esketamine REMS form due in 2
days, a patient booked for esketamine who is not enrolled; loaded once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clinic.treatment import selectors
from clinic.treatment.models import TreatmentSession

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_treatment_day_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Treatment demo: 8 treatment appointments" in out.getvalue()
    rows = [row for group in selectors.sessions_today() for row in group.rows]
    assert {row.state for row in rows} >= {
        "not_started",
        "in_progress",
        "monitoring",
        "ready_to_sign",
        "signed",
    }
    assert {row.modality for row in rows} == {"esketamine", "iv_ketamine", "tms", "ect"}
    assert any(row.warning and row.session is None for row in rows)
    assert 2 in [form.days_left for form in selectors.rems_forms_due()]
    count = TreatmentSession.objects.count()
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "Treatment demo: already loaded." in again.getvalue()
    assert TreatmentSession.objects.count() == count
