"""screen(): one intake document in, one ``clinic-screening/1`` result out."""

from __future__ import annotations

from typing import Any

from .document import IntakeDocument, age_on
from .knowledge import DEFAULT_KNOWLEDGE, MedicationKnowledge
from .policy import DEFAULT_POLICY, Policy
from .rules import RULES, Facts
from .scores import _assess, compute_scores
from .vocabulary import MODALITIES, SEVERITY_RANK

RULES_VERSION = "1"
RESULT_FORMAT = "clinic-screening/1"


def _flag_order(flag: dict[str, Any]) -> tuple[int, str]:
    """Most severe first, then by code."""
    return -SEVERITY_RANK[flag["severity"]], flag["code"]


def screen(
    doc: IntakeDocument,
    policy: Policy = DEFAULT_POLICY,
    knowledge: MedicationKnowledge = DEFAULT_KNOWLEDGE,
) -> dict[str, Any]:
    """Screen a parsed document: scores, flags (by severity, then code) and per-modality summary."""
    age = age_on(doc.patient.date_of_birth, doc.completed_on)
    trials = _assess(doc, age, policy, knowledge)
    scores = compute_scores(doc, age, trials, policy)
    facts = Facts(doc, policy, knowledge, scores, trials)
    flags = []
    for rule in RULES:
        flag = rule(facts)
        if flag is not None:
            flags.append(flag)
    flags.sort(key=_flag_order)
    by_modality: dict[str, dict[str, Any]] = {
        m: {"highest_severity": None, "flags": []} for m in MODALITIES
    }
    for flag in flags:  # most severe first, so the first flag of a modality sets its highest
        for m in flag["modalities"]:
            entry = by_modality[m]
            if entry["highest_severity"] is None:
                entry["highest_severity"] = flag["severity"]
            entry["flags"].append(flag["code"])
    return {
        "format": RESULT_FORMAT,
        "rules_version": RULES_VERSION,
        "scores": scores,
        "flags": flags,
        "modalities": by_modality,
    }
