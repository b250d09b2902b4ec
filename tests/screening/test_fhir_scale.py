"""The bulk FHIR export builds bundles without the per-bundle model
validation (about a hundred times the cost of building one) and validates a
sample: safe because a built bundle is exactly what the validated one
serialises to, for every kind of intake."""

from __future__ import annotations

import io
import json

import pytest
import time_machine
from django.core.management import call_command

from screening.interchange.fhir import intake_fhir_bundle
from screening.management.commands import export_intakes
from screening.models import Installation
from tests.factories.review import ANSWERS, case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("severity", sorted(ANSWERS))
@pytest.mark.parametrize("now", ["2026-11-20 10:00:00+00:00", "2026-11-20 10:00:00.250031+00:00"])
def test_an_unvalidated_bundle_is_the_validated_one(severity, now):
    intake = case(severity)
    traveller = time_machine.travel(now, tick=False)
    traveller.start()
    self_stop = traveller.stop
    namespace = Installation.current().fhir_namespace
    built = intake_fhir_bundle(intake, namespace=namespace, validate=False)
    try:
        assert built == intake_fhir_bundle(intake)
    finally:
        self_stop()
    assert built["entry"]


def test_the_export_makes_one_query_per_batch_not_per_intake(
    django_assert_max_num_queries, monkeypatch
):
    for severity in ("urgent", "high", "info"):
        case(severity)
    monkeypatch.setattr(export_intakes, "VALIDATE_EVERY", 2)
    out = io.StringIO()
    # count, installation, the intakes with patients, their current results
    with django_assert_max_num_queries(5):
        call_command("export_intakes", "--format", "fhir", stdout=out)
    bundles = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert len(bundles) == 3
    assert all(b["resourceType"] == "Bundle" for b in bundles)
