"""The FHIR export as other systems read it: every resource passes
fhir.resources' full model validation, LOINC panels and item codes, totals
with their band, HL7 flag categories and priorities, ids of this
installation's own, and the time the bundle was built."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from fhir.resources.R4B import get_fhir_model_class

from screening.interchange.fhir import intake_fhir_bundle
from screening.models import Installation
from tests.factories.screening import IntakeFactory, valid_document

pytestmark = pytest.mark.django_db


def _bundle(**overrides):
    intake = IntakeFactory(document=valid_document(**overrides), screened=True)
    return intake, intake_fhir_bundle(intake)


def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_every_resource_passes_full_model_validation():
    _intake, bundle = _bundle(
        suicide_screen__suicidal_thoughts=True,
        suicide_screen__method=True,
        suicide_screen__intent=True,
        suicide_screen__plan=False,
    )
    kinds = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)  # raises on any invalid element
        kinds.add(resource["resourceType"])
        assert entry["fullUrl"].startswith("urn:uuid:")
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert kinds == {"Patient", "QuestionnaireResponse", "Observation", "Device", "Flag"}


def test_phq9_and_gad7_are_loinc_panels_with_item_and_answer_codes():
    intake, bundle = _bundle()
    panels = {
        qr["questionnaire"]: qr
        for qr in _resources(bundle, "QuestionnaireResponse")
        if qr["questionnaire"].startswith("http://loinc.org/q/")
    }
    assert set(panels) == {"http://loinc.org/q/44249-1", "http://loinc.org/q/69737-5"}
    phq9 = panels["http://loinc.org/q/44249-1"]["item"]
    assert [i["linkId"] for i in phq9][:2] == ["/44250-9", "/44255-8"]
    assert phq9[8]["linkId"] == "/44260-8"  # item 9
    scores = intake.document["depression"]["phq9"]
    answer = phq9[0]["answer"][0]["valueCoding"]
    assert answer["system"] == "http://loinc.org"
    assert answer["code"] == ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")[scores[0]]
    assert answer["extension"][0]["valueDecimal"] == scores[0]
    gad7 = panels["http://loinc.org/q/69737-5"]["item"]
    assert [i["linkId"] for i in gad7] == [
        "/69725-0",
        "/68509-9",
        "/69733-4",
        "/69734-2",
        "/69735-9",
        "/69689-8",
        "/69736-7",
    ]


def test_each_total_is_an_observation_with_its_band():
    intake, bundle = _bundle(depression__phq9=[2, 2, 2, 2, 2, 2, 1, 1, 0])
    totals = {o["code"]["coding"][0]["code"]: o for o in _resources(bundle, "Observation")}
    assert totals["44261-6"]["valueInteger"] == 14
    assert totals["44261-6"]["interpretation"][0]["text"] == "moderate"
    assert "70274-6" in totals
    assert totals["70274-6"]["interpretation"][0]["text"]


def test_flags_carry_hl7_category_priority_and_the_rules_as_author():
    _intake, bundle = _bundle(
        suicide_screen__suicidal_thoughts=True,
        suicide_screen__method=True,
        suicide_screen__intent=True,
        suicide_screen__plan=False,
    )
    [device] = _resources(bundle, "Device")
    device_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is device)
    flags = {f["code"]["coding"][0]["code"]: f for f in _resources(bundle, "Flag")}
    risk = flags["suicide_risk"]
    category = risk["category"][0]["coding"][0]
    assert (category["system"], category["code"]) == (
        "http://terminology.hl7.org/CodeSystem/flag-category",
        "safety",
    )
    priority = next(
        x for x in risk["extension"] if x["url"].endswith("StructureDefinition/flag-priority")
    )
    assert priority["valueCodeableConcept"]["coding"][0]["code"] == "PH"
    assert risk["author"]["reference"] == device_url
    others = [f for code, f in flags.items() if code != "suicide_risk"]
    assert others and all(f["category"][0]["coding"][0]["code"] == "clinical" for f in others)


def test_ids_are_this_installations_own():
    intake = IntakeFactory(document=valid_document(), screened=True)
    first = intake_fhir_bundle(intake)
    assert intake_fhir_bundle(intake)["entry"][0]["fullUrl"] == first["entry"][0]["fullUrl"]
    # Another installation (another database) with the same primary keys.
    Installation.objects.update(fhir_namespace=uuid.uuid4())
    other = intake_fhir_bundle(intake)
    assert other["entry"][0]["fullUrl"] != first["entry"][0]["fullUrl"]


def test_the_bundle_timestamp_is_when_it_was_built():
    intake = IntakeFactory(document=valid_document(), screened=True)
    with time_machine.travel(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), tick=False):
        bundle = intake_fhir_bundle(intake)
    assert bundle["timestamp"].startswith("2030-01-02T03:04:05")
