"""Factories for screening: valid clinic-intake/1 documents, submitted
intakes, and their screening results and flags (through intake_screen)."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import factory
from django.utils import timezone

from screening.engine.document import content_hash
from screening.models import Flag, Intake, Medication, ScreeningResult
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, example_document

# A whole, valid document: likely TRD (two adequate failed trials), no
# cautions: the first worked example of the intake format.
BASE_DOCUMENT: dict[str, Any] = example_document(LIKELY_TRD)


def valid_document(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of a valid document, with overrides.

    A plain key replaces a top-level value (`blood_pressure=None`); a key with
    double underscores sets a nested one (`patient__email="x@example.org"`,
    `depression__phq9=[3] * 9`). Changing the patient's name also changes
    the consent's signed name, so the document stays valid.
    """
    doc = copy.deepcopy(BASE_DOCUMENT)
    for key, value in overrides.items():
        *parents, last = key.split("__")
        target = doc
        for part in parents:
            target = target[part]
        target[last] = copy.deepcopy(value)
    if not any(k.startswith("consent") for k in overrides):
        patient = doc.get("patient") or {}
        if isinstance(patient, dict) and "given_name" in patient:
            doc["consent"]["signed_name"] = f"{patient['given_name']} {patient['family_name']}"
    return doc


class IntakeFactory(factory.django.DjangoModelFactory):
    """A submitted intake holding a valid document for its patient.

    Pass `document=valid_document(...)` to choose the answers; the patient's
    name, email and date of birth are written into the document. Use
    `screened=True` to store its screening result and flags too."""

    class Meta:
        model = Intake
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    status = Intake.Status.SUBMITTED
    source = Intake.Source.WEB
    version = 1
    submitted_at = factory.LazyFunction(timezone.now)
    document = factory.LazyFunction(valid_document)

    @classmethod
    def _create(cls, model_class, *args, screened=False, **kwargs):
        patient = kwargs["patient"]
        doc = copy.deepcopy(kwargs["document"])
        if kwargs.get("status") == Intake.Status.SUBMITTED and isinstance(doc.get("patient"), dict):
            doc["patient"].update(
                given_name=patient.given_name,
                family_name=patient.family_name,
                date_of_birth=patient.date_of_birth.isoformat(),
                email=patient.email or None,
            )
            doc["consent"]["signed_name"] = f"{patient.given_name} {patient.family_name}"
        kwargs["document"] = doc
        kwargs.setdefault("content_hash", content_hash(doc))
        intake = super()._create(model_class, *args, **kwargs)
        if screened:
            from screening.services.screen import intake_screen

            intake_screen(intake=intake)
            intake.refresh_from_db()
        return intake


def ScreenedIntakeFactory(**kwargs: Any) -> Intake:  # noqa: N802 - reads like a factory
    """A submitted intake with its current ScreeningResult and Flag rows."""
    return IntakeFactory(screened=True, **kwargs)


def ScreeningResultFactory(**kwargs: Any) -> ScreeningResult:  # noqa: N802
    """A current screening result (with flags), made by screening an intake."""
    return IntakeFactory(screened=True, **kwargs).current_result


def FlagFactory(code: str = "trd_likely", **kwargs: Any) -> Flag:  # noqa: N802
    """A current flag of the given code, raised for real by screening an intake."""
    intake = IntakeFactory(screened=True, **kwargs)
    return intake.flags.get(code=code, is_current=True)


class MedicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medication
        django_get_or_create = ("generic",)

    generic = factory.Sequence(lambda n: f"testdrug{n}")
    brand_names = factory.LazyFunction(list)
    classes = factory.LazyFunction(lambda: ["antidepressant"])
    min_dose_mg = 10.0
    min_dose_older_mg = 5.0


def document_on(day: datetime.date, **overrides: Any) -> dict[str, Any]:
    """A valid document completed (and signed) on the given day."""
    return valid_document(
        completed_on=day.isoformat(),
        consent__signed_at=f"{day.isoformat()}T10:15:00-05:00",
        blood_pressure={"systolic": 124, "diastolic": 78, "measured_on": day.isoformat()},
        **overrides,
    )
