"""The screening factories others build on give valid, screened data."""

from __future__ import annotations

import pytest

from screening.engine import parse_document
from tests.factories.screening import (
    FlagFactory,
    IntakeFactory,
    MedicationFactory,
    ScreeningResultFactory,
    document_on,
    valid_document,
)

pytestmark = pytest.mark.django_db


def test_valid_document_is_valid_and_takes_nested_overrides():
    doc = valid_document(patient__given_name="Ana", depression__phq9=[1] * 9, blood_pressure=None)
    parsed = parse_document(doc)
    assert parsed.patient.given_name == "Ana"
    assert doc["consent"]["signed_name"] == "Ana Reyes"
    assert sum(doc["depression"]["phq9"]) == 9 and doc["blood_pressure"] is None
    assert valid_document() == valid_document()  # fresh copies
    assert valid_document() is not valid_document()


def test_document_on_a_day_is_valid():
    import datetime

    parse_document(document_on(datetime.date(2026, 1, 5)))


def test_intake_factory_writes_the_patient_into_the_document():
    intake = IntakeFactory()
    parse_document(intake.document)
    assert intake.document["patient"]["email"] == intake.patient.email
    assert intake.status == "submitted" and intake.submitted_at and intake.content_hash


def test_screened_factories():
    result = ScreeningResultFactory()
    assert result.is_current and result.flags.filter(code="trd_likely").exists()
    flag = FlagFactory(code="trd_likely")
    assert flag.is_current and flag.severity == "info" and flag.for_tms
    assert MedicationFactory().min_dose_mg == 10.0
