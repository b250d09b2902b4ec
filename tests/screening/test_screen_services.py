"""intake_screen, the policy and the medication knowledge as stored rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from screening.engine import DEFAULT_POLICY, RULES_VERSION, DocumentError
from screening.engine.vocabulary import SEVERITY_RANK
from screening.models import Flag, Intake, Medication, PolicyChange, ScreeningPolicy
from screening.services.policy import (
    current_knowledge,
    current_policy,
    medication_delete,
    medication_save,
    policy_update,
    reference_data_seed,
)
from screening.services.rescreen import intakes_rescreen
from screening.services.screen import intake_screen
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.screening import IntakeFactory, valid_document

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent / "engine" / "examples"


def _examples():
    for path in sorted(EXAMPLES.glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        expected = path.with_name(path.name.removesuffix(".json") + ".expected.json")
        yield path.stem, json.loads(path.read_text()), json.loads(expected.read_text())


EXAMPLE_CASES = list(_examples())


def test_examples_are_there():
    assert len(EXAMPLE_CASES) >= 3


@pytest.mark.parametrize(("name", "document", "expected"), EXAMPLE_CASES, ids=lambda v: str(v)[:30])
def test_intake_screen_stores_the_examples_flags(name, document, expected):
    patient = PatientFactory(
        given_name=document["patient"]["given_name"],
        family_name=document["patient"]["family_name"],
    )
    intake = IntakeFactory(patient=patient, document=document)
    result = intake_screen(intake=intake)

    assert result.is_current
    assert result.rules_version == RULES_VERSION
    assert result.policy_version == current_policy()[1] == 1
    assert result.scores == expected["scores"]
    assert result.output["scores"] == expected["scores"]
    flags = list(Flag.objects.filter(result=result).order_by("-severity_rank", "code"))
    stored = [{"code": f.code, "severity": f.severity, "modalities": f.modalities} for f in flags]
    assert sorted(stored, key=lambda f: f["code"]) == sorted(
        expected["flags"], key=lambda f: f["code"]
    )
    for flag in flags:
        assert flag.is_current and flag.intake_id == intake.pk
        assert flag.severity_rank == SEVERITY_RANK[flag.severity]
        assert flag.for_iv_ketamine == ("iv_ketamine" in flag.modalities)
        assert flag.for_esketamine == ("esketamine" in flag.modalities)
        assert flag.for_tms == ("tms" in flag.modalities)
        assert flag.for_ect == ("ect" in flag.modalities)
        assert flag.summary and flag.evidence and flag.source
    intake.refresh_from_db()
    assert intake.phq9_total == expected["scores"]["phq9_total"]
    top = max((f.severity_rank for f in flags), default=0)
    assert intake.highest_severity_rank == top
    assert result.highest_severity == (flags[0].severity if flags else "")


def test_urgent_example_ranks_the_intake_urgent():
    doc = next(d for n, d, _ in EXAMPLE_CASES if n.startswith("03"))
    patient = PatientFactory(
        given_name=doc["patient"]["given_name"], family_name=doc["patient"]["family_name"]
    )
    intake = IntakeFactory(patient=patient, document=doc)
    intake_screen(intake=intake)
    intake.refresh_from_db()
    assert intake.highest_severity_rank == 4
    assert Flag.objects.get(intake=intake, code="suicide_risk").severity == "urgent"


def test_screening_again_keeps_history():
    intake = IntakeFactory()
    first = intake_screen(intake=intake)
    second = intake_screen(intake=intake)
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert intake.results.count() == 2
    assert intake.current_result == second
    assert not Flag.objects.filter(result=first, is_current=True).exists()
    assert set(Flag.objects.filter(is_current=True).values_list("result", flat=True)) == {second.pk}


def test_invalid_document_raises_and_stores_nothing():
    intake = IntakeFactory()
    Intake.objects.filter(pk=intake.pk).update(document={"format": "clinic-intake/1"})
    intake.refresh_from_db()
    with pytest.raises(DocumentError):
        intake_screen(intake=intake)
    assert intake.results.count() == 0


def test_policy_row_and_medications_are_seeded_by_the_migration():
    policy, version = current_policy()
    assert policy == DEFAULT_POLICY
    assert version == 1
    assert Medication.objects.filter(generic="sertraline", min_dose_mg=50).exists()
    source = json.loads(
        (Path(__file__).resolve().parents[2] / "screening/engine/data/medications.json").read_text()
    )
    assert Medication.objects.count() == len(source)
    knowledge = current_knowledge()
    assert knowledge.generic("Zoloft") == "sertraline"


def test_a_database_without_its_policy_row_is_seeded_after_migrate_and_only_then():
    ScreeningPolicy.objects.all().delete()
    Medication.objects.all().delete()
    reference_data_seed()
    assert current_policy() == (DEFAULT_POLICY, 1)
    assert current_knowledge().generic("Zoloft") == "sertraline"
    # With its policy row, the clinic's own choices stay (an emptied table stays empty).
    Medication.objects.all().delete()
    reference_data_seed()
    assert not Medication.objects.exists()


def test_policy_change_is_recorded_and_bumps_the_version():
    admin = StaffFactory(role="admin")
    intake = IntakeFactory(
        document=valid_document(
            blood_pressure={"systolic": 136, "diastolic": 84, "measured_on": "2026-10-30"}
        )
    )
    before = intake_screen(intake=intake)
    assert not intake.flags.filter(code="uncontrolled_hypertension").exists()

    version = policy_update(changes={"bp_high_systolic": 135, "bp_high_diastolic": 85}, by=admin)

    assert version == 2
    assert ScreeningPolicy.objects.get().version == 2
    changes = list(PolicyChange.objects.order_by("field"))
    assert [(c.field, c.old_value, c.new_value, c.version) for c in changes] == [
        ("bp_high_diastolic", 90, 85, 2),
        ("bp_high_systolic", 140, 135, 2),
    ]
    assert all(c.changed_by == admin and c.changed_at for c in changes)
    policy, current = current_policy()
    assert (policy.bp_high_systolic, current) == (135, 2)

    after = intake_screen(intake=intake)
    before.refresh_from_db()
    assert before.policy_version == 1
    assert after.policy_version == 2
    flag = intake.flags.get(code="uncontrolled_hypertension", is_current=True)
    assert flag.severity == "high"


def test_policy_update_without_a_real_change_keeps_the_version():
    assert policy_update(changes={"bp_high_systolic": 140}, by=None) == 1
    assert not PolicyChange.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bp_high_systolic": 20}, "bp_high_systolic"),
        ({"no_such_threshold": 1}, "no_such_threshold"),
        ({"bp_crisis_systolic": 130}, "bp_crisis_systolic"),
    ],
)
def test_bad_policy_values_are_refused(changes, field):
    with pytest.raises(ValidationError) as info:
        policy_update(changes=changes, by=None)
    assert field in str(info.value)
    assert ScreeningPolicy.objects.get().version == 1
    assert not PolicyChange.objects.exists()


def test_dose_table_edit_changes_adequacy_and_is_recorded():
    # Sertraline 40 mg/day is below the table's 50: only Effexor counts.
    doc = valid_document()
    doc["antidepressant_trials"][0]["max_daily_dose_mg"] = 40
    intake = IntakeFactory(document=doc)
    intake_screen(intake=intake)
    assert intake.flags.filter(code="trd_unconfirmed", is_current=True).exists()

    row = Medication.objects.get(generic="sertraline")
    row.min_dose_mg = 25
    version = medication_save(medication=row, by=None)

    assert version == 2
    change = PolicyChange.objects.get()
    assert change.field == "medication:sertraline.min_dose_mg"
    assert (change.old_value, change.new_value, change.version) == (50.0, 25, 2)
    result = intake_screen(intake=intake)
    assert result.policy_version == 2
    assert result.scores["adequate_failed_trials"] == 2
    assert intake.flags.filter(code="trd_likely", is_current=True).exists()


def test_new_and_deleted_medications_are_recorded():
    med = Medication(generic="  Zuranolone ", brand_names=["Zurzuvae"], classes=["antidepressant"])
    assert medication_save(medication=med, by=None) == 2
    assert med.generic == "zuranolone"
    assert current_knowledge().generic("zurzuvae") == "zuranolone"
    assert medication_delete(medication=med, by=None) == 3
    fields = list(PolicyChange.objects.order_by("version").values_list("field", "version"))
    assert fields == [("medication:zuranolone", 2), ("medication:zuranolone", 3)]


def test_medication_with_a_clashing_brand_name_is_refused():
    med = Medication(generic="newdrug", brand_names=["Zoloft"], classes=[])
    with pytest.raises(ValidationError):
        medication_save(medication=med, by=None)
    assert not Medication.objects.filter(generic="newdrug").exists()
    assert ScreeningPolicy.objects.get().version == 1


def test_bulk_rescreen_reports_changes_and_keeps_history():
    high = valid_document(
        blood_pressure={"systolic": 136, "diastolic": 84, "measured_on": "2026-10-30"}
    )
    intakes = [IntakeFactory(document=high, screened=True) for _ in range(3)]
    quiet = IntakeFactory(screened=True)
    policy_update(changes={"bp_high_systolic": 135}, by=None)

    report = intakes_rescreen(batch_size=2)

    assert report.screened == 4
    assert report.stored == 3
    assert report.changed == 3
    assert report.appeared == {"uncontrolled_hypertension": 3}
    assert not report.disappeared
    assert report.policy_version == 2
    for intake in intakes:
        intake.refresh_from_db()
        assert intake.results.count() == 2
        assert intake.current_result.policy_version == 2
        assert intake.flags.filter(code="uncontrolled_hypertension", is_current=True).exists()
        assert intake.highest_severity_rank == 3
    assert quiet.results.count() == 1  # an identical result stays current
    again = intakes_rescreen()
    assert (again.screened, again.stored, again.changed) == (4, 0, 0)


def test_bulk_rescreen_stores_a_result_when_only_the_evidence_changes():
    doc = valid_document()
    doc["antidepressant_trials"][0]["max_daily_dose_mg"] = 40  # below sertraline's 50
    doc["antidepressant_trials"].append(
        dict(doc["antidepressant_trials"][1], medication="Lexapro", max_daily_dose_mg=20)
    )
    intake = IntakeFactory(document=doc, screened=True)
    assert intake.flags.filter(code="trd_likely", is_current=True).exists()
    row = Medication.objects.get(generic="sertraline")
    row.min_dose_mg = 25
    medication_save(medication=row, by=None)

    report = intakes_rescreen()

    assert (report.stored, report.changed) == (1, 0)
    result = intake.results.get(is_current=True)
    assert result.policy_version == 2
    assert result.scores["adequate_failed_trials"] == 3


@pytest.mark.postgres
def test_policy_change_history_is_append_only_in_the_database():
    from django.db import IntegrityError, InternalError, transaction

    admin = StaffFactory(role="admin")
    policy_update(changes={"dast10_cutoff": 4}, by=admin)
    change = PolicyChange.objects.get()
    for attempt in (
        lambda: PolicyChange.objects.filter(pk=change.pk).update(new_value=5),
        lambda: PolicyChange.objects.filter(pk=change.pk).delete(),
    ):
        with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
            attempt()
    # Deleting the user who made the change keeps the change, without the user.
    admin.delete()
    change.refresh_from_db()
    assert change.changed_by is None and change.new_value == 4
