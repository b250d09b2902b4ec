"""Screen one intake: run the rules engine over its document and store the
result as its current one, with its flags (earlier ones stay as history)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from screening.engine import RULES_VERSION, MedicationKnowledge, parse_document, screen
from screening.engine.document import content_hash
from screening.engine.vocabulary import MODALITIES, NO_FLAG_RANK, SEVERITY_BY_RANK, SEVERITY_RANK
from screening.models import Flag, Intake, ScreeningResult
from screening.services.policy import PolicyArg, resolve_policy
from screening.signals import results_replaced


def highest_rank(output: Mapping[str, Any]) -> int:
    return max((SEVERITY_RANK[f["severity"]] for f in output["flags"]), default=NO_FLAG_RANK)


def highest_severity_of(rank: int) -> str:
    return SEVERITY_BY_RANK.get(rank, "")


def flag_rows(result: ScreeningResult, output: Mapping[str, Any], intake_id: int) -> list[Flag]:
    rows = []
    for f in output["flags"]:
        modalities = f["modalities"]
        rows.append(
            Flag(
                result=result,
                intake_id=intake_id,
                is_current=True,
                code=f["code"],
                severity=f["severity"],
                severity_rank=SEVERITY_RANK[f["severity"]],
                modalities=modalities,
                **{f"for_{m}": m in modalities for m in MODALITIES},
                summary=f["summary"],
                evidence=f["evidence"],
                source=f["source"],
            )
        )
    return rows


def output_digest(output: Mapping[str, Any]) -> str:
    """SHA-256 of a clinic-screening/1 result (canonical JSON)."""
    return content_hash(output)


def result_row(intake_id: int, output: dict, policy_version: int, now) -> ScreeningResult:
    return ScreeningResult(
        intake_id=intake_id,
        computed_at=now,
        rules_version=output.get("rules_version", RULES_VERSION),
        policy_version=policy_version,
        is_current=True,
        scores=output["scores"],
        output=output,
        highest_severity=highest_severity_of(highest_rank(output)),
        digest=output_digest(output),
    )


@transaction.atomic
def intake_screen(
    *,
    intake: Intake,
    policy: PolicyArg = None,
    knowledge: MedicationKnowledge | None = None,
) -> ScreeningResult:
    """Screen the intake's document and store the result as its current one.

    `policy` is a `(Policy, version)` pair as `current_policy()` returns (a bare
    Policy is stored under the version in force); both default to what is in
    force. Earlier results and flags stay as history, no longer current.
    Raises `screening.engine.DocumentError` when the document is invalid.
    """
    policy, version, knowledge = resolve_policy(policy, knowledge)
    doc = parse_document(intake.document)
    output = screen(doc, policy, knowledge)
    # One screening of an intake at a time (see _rescreen_batch).
    list(Intake.objects.select_for_update().filter(pk=intake.pk).values_list("pk"))
    now = timezone.now()
    Flag.objects.filter(intake=intake, is_current=True).update(is_current=False)
    replaced = ScreeningResult.objects.filter(intake=intake, is_current=True).update(
        is_current=False
    )
    result = result_row(intake.pk, output, version, now)
    result.save()
    Flag.objects.bulk_create(flag_rows(result, output, intake.pk))
    if replaced:
        results_replaced.send(sender=ScreeningResult, intake_ids=[intake.pk])
    intake.highest_severity_rank = highest_rank(output)
    intake.phq9_total = output["scores"]["phq9_total"]
    Intake.objects.filter(pk=intake.pk).update(
        highest_severity_rank=intake.highest_severity_rank, phq9_total=intake.phq9_total
    )
    return result
