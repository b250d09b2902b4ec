"""What the checklist page, the packet PDF and the case page section show,
from one place: the case's facts, the trial table with classes, therapy,
scores, the checklists (initial and continuation), the signature block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screening.coverage import selectors
from screening.coverage.models import PayerPolicy
from screening.engine.coverage import (
    CONTINUATION,
    INITIAL,
    RESPONSE_WORDS,
    THERAPY_LABELS,
    TREATMENTS,
    class_label,
    npi_is_valid,
)
from screening.engine.scores import number_text


@dataclass
class TrialRow:
    medication: str
    dose: str
    weeks: str
    response: str
    adequacy: str
    adequate: bool
    drug_class: str
    improvement: str
    dates: str
    current_episode: bool


def trial_rows(facts) -> list[TrialRow]:
    rows = []
    if facts is None:
        return rows
    for t in facts.trials:
        details = facts.clinician.trials.get(t.position)
        dates = ""
        if details and (details.started_on or details.ended_on):
            start = details.started_on.isoformat() if details.started_on else "?"
            end = details.ended_on.isoformat() if details.ended_on else "?"
            dates = f"{start} – {end}"
        improvement = ""
        if details and details.improvement_pct is not None:
            improvement = f"{number_text(details.improvement_pct)}%"
        rows.append(
            TrialRow(
                medication=t.label,
                dose="—" if t.dose_mg is None else f"{number_text(t.dose_mg)} mg/day",
                weeks=number_text(t.duration_weeks),
                response=RESPONSE_WORDS[t.response],
                adequacy=t.reason,
                adequate=t.adequate,
                drug_class=class_label(facts.trial_class(t)),
                improvement=improvement,
                dates=dates,
                current_episode=t.current_episode,
            )
        )
    return rows


def therapy_rows(facts) -> list[dict[str, Any]]:
    if facts is None:
        return []
    rows = [
        {
            "modality": THERAPY_LABELS.get(p.modality, p.modality),
            "sessions": p.sessions,
            "dates": "",
            "response": RESPONSE_WORDS[p.response],
            "source": "intake",
            "current_episode": p.current_episode,
        }
        for p in facts.doc.psychotherapy
    ]
    for course in facts.clinician.psychotherapy:
        dates = ""
        if course.started_on or course.ended_on:
            start = course.started_on.isoformat() if course.started_on else "?"
            end = course.ended_on.isoformat() if course.ended_on else "?"
            dates = f"{start} – {end}"
        rows.append(
            {
                "modality": course.label,
                "sessions": course.sessions,
                "dates": dates,
                "response": "",
                "source": "clinician",
                "current_episode": None,
            }
        )
    return rows


def packet_context(intake, policy: PayerPolicy) -> dict[str, Any]:
    course = selectors.course_facts(intake, policy.treatment)
    found = selectors.case_facts(intake, course=course)
    facts = found.facts
    record = found.record
    return {
        "policy": policy,
        "treatment_label": TREATMENTS.get(policy.treatment, policy.treatment),
        "facts": facts,
        "facts_error": found.error,
        "record": record,
        "npi_valid": npi_is_valid(record.psychiatrist_npi),
        "trial_rows": trial_rows(facts),
        "therapy_rows": therapy_rows(facts),
        "scores": facts.scores() if facts else [],
        "course": course,
        "initial": selectors.checklist(policy, facts, INITIAL),
        "continuation": selectors.checklist(policy, facts, CONTINUATION),
        "patient": intake.patient,
        "intake": intake,
    }


def cover_letter_draft(context: dict[str, Any]) -> str:
    """A first draft of the letter of medical necessity, in the clinician's
    voice, for them to edit before the packet is generated."""
    patient = context["patient"]
    facts = context["facts"]
    record = context["record"]
    policy = context["policy"]
    treatment = context["treatment_label"]
    lines = [
        f"Re: {patient.full_name}, date of birth {patient.date_of_birth.isoformat()}",
        f"Request: {policy.sessions_requested} sessions of {treatment} "
        f"({policy.payer}, {policy.identifier})",
        "",
        "To the reviewer,",
        "",
    ]
    diagnosis = record.diagnosis_icd10 or "[ICD-10 diagnosis]"
    body = (
        f"I am writing to request authorization of {treatment} for my patient, "
        f"{patient.full_name}, who has major depressive disorder ({diagnosis})."
    )
    if facts is not None:
        failed = [r for r in context["trial_rows"] if r.adequate]
        adequate_failed = [t for t in facts.trials if t.adequate and t.failed]
        if adequate_failed:
            names = ", ".join(
                f"{t.label} ({class_label(facts.trial_class(t))}, "
                f"{number_text(t.dose_mg or 0)} mg/day for {number_text(t.duration_weeks)} weeks)"
                for t in adequate_failed
            )
            body += (
                f" In the current episode the patient has had {len(adequate_failed)} adequate "
                f"antidepressant trials without sufficient response: {names}."
            )
        elif failed:
            body += " The antidepressant trials are listed in the treatment history."
        if facts.doc.psychotherapy or facts.clinician.psychotherapy:
            body += " Psychotherapy has been tried, as listed below."
        latest = facts.scores()[0] if facts.scores() else None
        if latest is not None:
            body += f" The most recent symptom score is {latest.text}."
    lines.append(body)
    lines += [
        "",
        f"In my clinical judgement {treatment} is medically necessary for this patient. "
        "The treatment history, symptom scores and the payer's criteria with their evidence "
        "are attached.",
        "",
        "Sincerely,",
        record.psychiatrist_name or "[ordering psychiatrist]",
    ]
    return "\n".join(lines)


def case_section(intake, *, full: bool) -> dict[str, Any]:
    """The case page's prior-authorization section: every active policy's
    initial checklist (clinicians and admins) and the patient's
    authorizations with sessions left (everyone on staff). With `full`, also
    the case's facts (`case_facts`: the parsed intake and its assessed trials,
    which the case page shows too) or why the intake could not be read."""
    section: dict[str, Any] = {
        "authorizations": selectors.patient_authorizations(intake.patient),
        "full": full,
    }
    if full:
        found = selectors.case_facts(intake)
        facts = section["facts"] = found.facts
        section["facts_error"] = found.error
        section["checklists"] = [
            selectors.checklist(policy, facts, INITIAL) for policy in selectors.active_policies()
        ]
    return section
