"""The bulk re-screen stores exactly what intake_screen would, whatever the
text (tabs, newlines, backslashes, accents): on PostgreSQL it writes with COPY."""

from __future__ import annotations

import pytest

from screening.models import Flag, ScreeningResult
from screening.services.policy import current_knowledge, current_policy, medication_save
from screening.services.rescreen import intakes_rescreen
from screening.services.screen import output_digest
from tests.factories.screening import IntakeFactory, valid_document

pytestmark = pytest.mark.django_db

AWKWARD = 'Zoloft\tback\\slash "quoted"\nnew line, café, 日本'


def _awkward_intake():
    doc = valid_document(allergies=["ketamine\t(Ketalar)\\"])
    doc["antidepressant_trials"][0]["medication"] = AWKWARD
    doc["current_medications"] = [{"name": "Xanax\tXR \\ 1mg", "daily_dose_mg": 1}]
    return IntakeFactory(document=doc)


def _stored(intake):
    result = ScreeningResult.objects.get(intake=intake, is_current=True)
    flags = [
        {
            "code": f.code,
            "severity": f.severity,
            "modalities": f.modalities,
            "summary": f.summary,
            "evidence": f.evidence,
            "source": f.source,
        }
        for f in Flag.objects.filter(result=result).order_by("-severity_rank", "code")
    ]
    return result, flags


def _check_bulk_matches_the_engine():
    intake = _awkward_intake()
    report = intakes_rescreen(batch_size=10)
    assert (report.screened, report.stored) == (1, 1)
    result, flags = _stored(intake)
    from screening.engine import parse_document, screen

    policy, version = current_policy()
    expected = screen(parse_document(intake.document), policy, current_knowledge())
    assert result.output == expected
    assert result.scores == expected["scores"]
    assert result.digest == output_digest(expected)
    assert result.policy_version == version
    assert flags == sorted(
        expected["flags"],
        key=lambda f: (
            -{"urgent": 4, "high": 3, "moderate": 2, "info": 1}[f["severity"]],
            f["code"],
        ),
    )
    codes = {f["code"] for f in flags}
    assert {"ketamine_hypersensitivity", "benzodiazepine_use"} <= codes
    assert any("back\\slash" in line and "日本" in line for f in flags for line in f["evidence"])
    row = Flag.objects.get(result=result, code="benzodiazepine_use")
    assert row.for_iv_ketamine and row.for_tms and row.severity_rank == 1 and row.is_current
    return intake


def test_bulk_rescreen_matches_the_engine_output():
    _check_bulk_matches_the_engine()


@pytest.mark.postgres
def test_bulk_rescreen_with_copy_on_postgresql(django_db_blocker):
    from django.db import connection

    assert connection.vendor == "postgresql"
    intake = _check_bulk_matches_the_engine()
    # A dose-table change rewrites the evidence: a new current result, the old one kept.
    med = current_knowledge().get("sertraline")
    assert med is not None
    from screening.models import Medication

    row = Medication.objects.get(generic="sertraline")
    row.min_dose_mg = 200
    medication_save(medication=row, by=None)
    report = intakes_rescreen()
    assert report.stored == 1
    assert intake.results.count() == 2
    assert Flag.objects.filter(intake=intake, is_current=True).count() == len(
        intake.results.get(is_current=True).output["flags"]
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rescreen_with_worker_processes_on_postgresql():
    from screening.services.policy import policy_update

    raised = valid_document(
        blood_pressure={"systolic": 136, "diastolic": 80, "measured_on": "2026-10-30"}
    )
    intakes = [IntakeFactory(document=raised, screened=True) for _ in range(5)]
    quiet = [IntakeFactory(screened=True) for _ in range(4)]
    policy_update(changes={"bp_high_systolic": 135}, by=None)

    report = intakes_rescreen(batch_size=2, workers=2)

    assert (report.screened, report.stored, report.changed) == (9, 5, 5)
    assert report.appeared == {"uncontrolled_hypertension": 5}
    for intake in intakes:
        assert intake.results.count() == 2
        assert intake.flags.filter(code="uncontrolled_hypertension", is_current=True).exists()
        intake.refresh_from_db()
        assert intake.highest_severity_rank == 3
    for intake in quiet:
        assert intake.results.count() == 1
