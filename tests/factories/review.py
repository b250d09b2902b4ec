"""Factories for the clinician's review: cases (submitted, screened intakes
with a chosen highest severity) and the review records."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from screening.models import Intake
from screening.review.models import CaseDecision, CaseEvent, CaseNote, FlagAcknowledgement
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.screening import IntakeFactory, valid_document

# Answers that raise a flag of each severity (see screening-rules.md).
URGENT_ANSWERS: dict[str, Any] = {
    "suicide_screen": {
        "wish_to_be_dead": True,
        "suicidal_thoughts": True,
        "method": True,
        "intent": True,
        "plan": False,
        "behavior_lifetime": False,
        "behavior_past_3_months": None,
    }
}
HIGH_ANSWERS: dict[str, Any] = {
    "blood_pressure": {"systolic": 152, "diastolic": 94, "measured_on": "2026-10-20"}
}
MODERATE_ANSWERS: dict[str, Any] = {"psychiatric_history__bipolar_disorder": True}
INFO_ANSWERS: dict[str, Any] = {}
ANSWERS = {
    "urgent": URGENT_ANSWERS,
    "high": HIGH_ANSWERS,
    "moderate": MODERATE_ANSWERS,
    "info": INFO_ANSWERS,
}


def case(
    severity: str = "info",
    *,
    patient=None,
    submitted_at: datetime.datetime | None = None,
    **fields: Any,
) -> Intake:
    """A submitted intake screened for real (intake_screen), whose highest
    flag has the given severity."""
    document = fields.pop("document", None) or valid_document(**ANSWERS[severity])
    return IntakeFactory(
        screened=True,
        patient=patient or PatientFactory(),
        document=document,
        submitted_at=submitted_at or timezone.now(),
        **fields,
    )


class CaseNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNote

    intake = factory.LazyFunction(case)
    author = factory.SubFactory(StaffFactory, role="clinician")
    body = factory.Faker("sentence")


class FlagAcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlagAcknowledgement
        skip_postgeneration_save = True

    flag = factory.LazyFunction(lambda: case().flags.filter(is_current=True).first())
    intake = factory.LazyAttribute(lambda o: o.flag.intake)
    by = factory.SubFactory(StaffFactory, role="clinician")
    note = ""

    @factory.post_generation
    def mark_flag(obj, create, extracted, **kwargs):
        """The flag's mark, as `flag_acknowledge` sets it with the record."""
        if create:
            type(obj.flag).objects.filter(pk=obj.flag_id).update(acknowledged=True)
            obj.flag.acknowledged = True


class CaseDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseDecision

    intake = factory.LazyFunction(case)
    kind = CaseDecision.Kind.BOOK_CONSULT
    by = factory.SubFactory(StaffFactory, role="clinician")


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    intake = factory.LazyFunction(case)
    actor = factory.SubFactory(StaffFactory, role="clinician")
    action = CaseEvent.Action.VIEWED


def consult_decided(*, patient=None, by=None, severity: str = "info", **fields: Any) -> Intake:
    """A case on which a clinician decided "book a consult", recorded by the
    review service (case_decide): status consult_to_book, with its decision."""
    from screening.review.services import case_decide

    intake = case(severity, patient=patient, **fields)
    case_decide(
        intake=intake,
        kind=CaseDecision.Kind.BOOK_CONSULT,
        by=by or StaffFactory(role="clinician"),
    )
    intake.refresh_from_db()
    return intake
