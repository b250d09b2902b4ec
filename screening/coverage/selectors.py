"""Reads for prior authorization: the engine's facts for a case, the
checklists, sessions used and left, what needs attention, and the booking
check."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from clinic.accounts.models import Patient
from clinic.scheduling.models import INACTIVE_STATUSES, Appointment, AppointmentStatus
from clinic.scheduling.selectors import phq9_checkins
from screening.coverage.models import (
    Authorization,
    AuthorizationStatus,
    PayerPolicy,
    PriorAuthRecord,
)
from screening.engine import DocumentError, assess_trials, parse_document
from screening.engine.coverage import (
    CONTINUATION,
    INITIAL,
    ClinicianFacts,
    CourseFacts,
    CoverageFacts,
    Criterion,
    ScaleScore,
    TherapyCourse,
    TrialDetails,
    Verdict,
    criteria_from_records,
    evaluate,
    summary,
)
from screening.engine.document import age_on
from screening.models import Intake
from screening.services.policy import current_knowledge, current_policy

# The appointment type whose completed appointments are a treatment's sessions.
SESSION_TYPES: dict[str, str] = {
    "tms": "tms-session",
    "esketamine": "esketamine-session",
    "iv_ketamine": "iv-ketamine-infusion",
}
TREATMENT_OF_TYPE = {slug: treatment for treatment, slug in SESSION_TYPES.items()}

ATTENTION_SESSIONS_LEFT = 3
ATTENTION_ENDING_DAYS = 14
ATTENTION_UNANSWERED_DAYS = 10


def trial_key(medication: str) -> str:
    """How a clinician's trial details are keyed: the medication as typed, trimmed, lower case."""
    return " ".join(medication.split()).casefold()


def _date(value) -> datetime.date | None:
    return parse_date(value) if isinstance(value, str) else None


def record_for(patient: Patient) -> PriorAuthRecord:
    """The patient's record (unsaved and empty when nothing was added yet)."""
    try:
        return patient.prior_auth_record
    except PriorAuthRecord.DoesNotExist:
        return PriorAuthRecord(patient=patient)


def clinician_facts(record: PriorAuthRecord, doc) -> ClinicianFacts:
    trials = {}
    details = record.trial_details or {}
    for index, t in enumerate(doc.antidepressant_trials):
        found = details.get(trial_key(t.medication))
        if found:
            pct = found.get("improvement_pct")
            trials[index] = TrialDetails(
                improvement_pct=float(pct) if pct is not None else None,
                started_on=_date(found.get("started_on")),
                ended_on=_date(found.get("ended_on")),
            )
    therapy = [
        TherapyCourse(
            p["modality"], p.get("sessions"), _date(p.get("started_on")), _date(p.get("ended_on"))
        )
        for p in record.psychotherapy or []
    ]
    scores = [
        ScaleScore(s["scale"], int(s["total"]), _date(s.get("on"))) for s in record.scores or []
    ]

    def number(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None

    return ClinicianFacts(
        trials=trials,
        psychotherapy=therapy,
        scores=scores,
        diagnosis_icd10=record.diagnosis_icd10,
        pdmp_checked_on=record.pdmp_checked_on,
        height_cm=number(record.height_cm),
        weight_kg=number(record.weight_kg),
        psychiatrist_name=record.psychiatrist_name,
        psychiatrist_npi=record.psychiatrist_npi,
        substance_use_treated=record.substance_use_treated,
    )


@dataclass
class CaseFacts:
    facts: CoverageFacts | None
    error: str
    record: PriorAuthRecord


def case_facts(intake: Intake, *, course: CourseFacts | None = None) -> CaseFacts:
    record = record_for(intake.patient)
    try:
        doc = parse_document(intake.document)
    except DocumentError as exc:
        return CaseFacts(None, "; ".join(f"{p}: {m}" for p, m in exc.errors[:5]), record)
    policy, _version = current_policy()
    knowledge = current_knowledge()
    facts = CoverageFacts(
        doc=doc,
        age=age_on(doc.patient.date_of_birth, doc.completed_on),
        trials=assess_trials(doc, policy, knowledge),
        knowledge=knowledge,
        clinician=clinician_facts(record, doc),
        course=course,
    )
    return CaseFacts(facts, "", record)


def active_policies(treatment: str | None = None) -> list[PayerPolicy]:
    policies = PayerPolicy.objects.filter(is_active=True).prefetch_related("criteria")
    if treatment:
        policies = policies.filter(treatment=treatment)
    return list(policies)


def policy_criteria(policy: PayerPolicy) -> list[Criterion]:
    """The policy's criteria as the engine's (rows saved through the admin are checked there)."""
    return criteria_from_records(c.to_record() for c in policy.criteria.all())


@dataclass
class Checklist:
    policy: PayerPolicy
    stage: str
    verdicts: list[Verdict]
    counts: dict[str, int]
    error: str = ""


def checklist(policy: PayerPolicy, facts: CoverageFacts | None, stage: str = INITIAL) -> Checklist:
    if facts is None:
        return Checklist(policy, stage, [], {}, _("The intake could not be read."))
    try:
        criteria = policy_criteria(policy)
    except ValueError as exc:
        return Checklist(policy, stage, [], {}, str(exc))
    verdicts = evaluate(criteria, facts, stage=stage)
    return Checklist(policy, stage, verdicts, summary(verdicts))


# -- sessions and authorizations ---------------------------------------------------


@dataclass
class AuthorizationSummary:
    authorization: Authorization
    used: int
    booked: int  # live, not yet completed, within the authorization

    @property
    def left(self) -> int | None:
        units = self.authorization.units_approved
        return None if units is None else max(units - self.used, 0)

    @property
    def days_to_end(self) -> int | None:
        end = self.authorization.end_on
        return None if end is None else (end - timezone.localdate()).days


def _within(auth: Authorization, day: datetime.date) -> bool:
    return (auth.start_on is None or day >= auth.start_on) and (
        auth.end_on is None or day <= auth.end_on
    )


def summaries(authorizations: list[Authorization]) -> list[AuthorizationSummary]:
    """Sessions used (completed treatment appointments in the authorization's
    dates) and booked ahead, for many authorizations in one query."""
    if not authorizations:
        return []
    patients = {a.patient_id for a in authorizations}
    slugs = {SESSION_TYPES[a.treatment] for a in authorizations}
    rows = (
        Appointment.objects.filter(patient_id__in=patients, appointment_type__slug__in=slugs)
        .exclude(status__in=INACTIVE_STATUSES)
        .values_list("patient_id", "appointment_type__slug", "start", "status")
    )
    by_key = defaultdict(list)
    for patient_id, slug, start, status in rows:
        by_key[(patient_id, TREATMENT_OF_TYPE[slug])].append((timezone.localdate(start), status))
    result = []
    for auth in authorizations:
        used = booked = 0
        for day, status in by_key[(auth.patient_id, auth.treatment)]:
            if not _within(auth, day):
                continue
            if status == AppointmentStatus.COMPLETED:
                used += 1
            else:
                booked += 1
        result.append(AuthorizationSummary(auth, used, booked))
    return result


def patient_authorizations(patient: Patient) -> list[AuthorizationSummary]:
    return summaries(list(Authorization.objects.filter(patient=patient).select_related("policy")))


def approved_by_patient(patient_ids) -> dict[int, list[AuthorizationSummary]]:
    """Approved authorizations of these patients with sessions left, for the schedule."""
    found = list(
        Authorization.objects.filter(
            patient_id__in=set(patient_ids), status=AuthorizationStatus.APPROVED
        )
    )
    grouped: dict[int, list[AuthorizationSummary]] = defaultdict(list)
    for item in summaries(found):
        grouped[item.authorization.patient_id].append(item)
    return grouped


def sessions_left_table(appointments) -> dict[tuple[int, str], int]:
    """{(patient id, session type slug): sessions left} for the patients of
    these appointments with an approval (the schedule shows it)."""
    ids = {a.patient_id for a in appointments if a.appointment_type.slug in TREATMENT_OF_TYPE}
    table = {}
    for patient_id, items in approved_by_patient(ids).items():
        for item in items:
            if item.left is not None:
                table[(patient_id, SESSION_TYPES[item.authorization.treatment])] = item.left
    return table


def booking_problems(*, patient: Patient, appointment_type, start: datetime.datetime) -> list[str]:
    """Why booking this treatment session goes past the patient's approval:
    after the end date, or beyond the sessions approved (counting those
    completed and those already booked). Empty when within it, or when no
    approval is on file."""
    treatment = TREATMENT_OF_TYPE.get(appointment_type.slug)
    if treatment is None:
        return []
    approved = list(
        Authorization.objects.filter(
            patient=patient, treatment=treatment, status=AuthorizationStatus.APPROVED
        ).order_by("-start_on", "-pk")
    )
    if not approved:
        return []
    day = timezone.localdate(start)
    current = next((a for a in approved if a.start_on is None or a.start_on <= day), approved[-1])
    problems = []
    if current.end_on is not None and day > current.end_on:
        problems.append(
            _("The %(payer)s authorization ended on %(end)s.")
            % {"payer": current.payer, "end": current.end_on.isoformat()}
        )
    if current.units_approved is not None:
        (item,) = summaries([current])
        if item.used + item.booked >= current.units_approved:
            problems.append(
                _(
                    "All %(units)s sessions approved by %(payer)s are completed or booked "
                    "(%(used)s completed, %(booked)s booked)."
                )
                % {
                    "units": current.units_approved,
                    "payer": current.payer,
                    "used": item.used,
                    "booked": item.booked,
                }
            )
    return problems


@dataclass
class AttentionItem:
    patient: Patient
    reason: str
    since: datetime.datetime
    url: str


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def authorizations_needing_attention() -> list[AttentionItem]:
    """Approvals with 3 or fewer sessions left, ending within 14 days or
    ended but still marked approved, and requests with no answer after 10 days."""
    today = timezone.localdate()
    items: list[AttentionItem] = []
    approved = list(
        Authorization.objects.filter(status=AuthorizationStatus.APPROVED).select_related("patient")
    )
    for s in summaries(approved):
        auth = s.authorization
        url = reverse("scheduling:course") + f"?patient={auth.patient_id}"
        reasons = []
        if s.left is not None and s.left <= ATTENTION_SESSIONS_LEFT:
            reasons.append(
                _("%(payer)s %(treatment)s authorization: %(left)s of %(units)s sessions left.")
                % {
                    "payer": auth.payer,
                    "treatment": auth.get_treatment_display(),
                    "left": s.left,
                    "units": auth.units_approved,
                }
            )
        days = s.days_to_end
        if days is not None and 0 <= days <= ATTENTION_ENDING_DAYS:
            reasons.append(
                _("%(payer)s %(treatment)s authorization ends on %(end)s.")
                % {
                    "payer": auth.payer,
                    "treatment": auth.get_treatment_display(),
                    "end": auth.end_on.isoformat(),
                }
            )
        if days is not None and days < 0:
            reasons.append(
                _(
                    "%(payer)s %(treatment)s authorization ended on %(end)s: "
                    "renew it or mark it expired."
                )
                % {
                    "payer": auth.payer,
                    "treatment": auth.get_treatment_display(),
                    "end": auth.end_on.isoformat(),
                }
            )
        for reason in reasons:
            items.append(AttentionItem(auth.patient, reason, _moment(auth.start_on or today), url))
    waiting = Authorization.objects.filter(
        status__in=[AuthorizationStatus.REQUESTED, AuthorizationStatus.APPEALED],
        requested_on__lte=today - datetime.timedelta(days=ATTENTION_UNANSWERED_DAYS),
    ).select_related("patient")
    for auth in waiting:
        items.append(
            AttentionItem(
                auth.patient,
                _("%(payer)s %(treatment)s request sent on %(day)s: no answer yet.")
                % {
                    "payer": auth.payer,
                    "treatment": auth.get_treatment_display(),
                    "day": auth.requested_on.isoformat(),
                },
                _moment(auth.requested_on),
                reverse("scheduling:course") + f"?patient={auth.patient_id}",
            )
        )
    return items


def course_facts(intake: Intake, treatment: str) -> CourseFacts:
    """For a re-authorization: sessions completed of the treatment and the
    baseline (the intake's PHQ-9, or the clinician's first score) and latest
    score on the same scale."""
    patient = intake.patient
    done = Appointment.objects.filter(
        patient=patient,
        appointment_type__slug=SESSION_TYPES.get(treatment, ""),
        status=AppointmentStatus.COMPLETED,
    ).count()
    record = record_for(patient)
    phq9 = intake.phq9_total
    points: list[ScaleScore] = []
    if phq9 is not None:
        day = _date(str(intake.document.get("completed_on") or "")) or intake.submitted_at.date()
        points.append(ScaleScore("phq9", phq9, day, "intake"))
    for s in record.scores or []:
        points.append(ScaleScore(s["scale"], int(s["total"]), _date(s.get("on"))))
    for day, total in phq9_checkins(patient):
        points.append(ScaleScore("phq9", total, day, "check-in"))
    points.sort(key=lambda s: s.on or datetime.date.min)
    by_scale: dict[str, list[ScaleScore]] = defaultdict(list)
    for point in points:
        by_scale[point.scale].append(point)
    # The baseline is the first score of the scale measured more than once
    # (the earliest such), the latest the last score on that scale.
    repeated = [series for series in by_scale.values() if len(series) > 1]
    if repeated:
        series = min(repeated, key=lambda s: s[0].on or datetime.date.min)
        return CourseFacts(sessions_completed=done, baseline=series[0], latest=series[-1])
    return CourseFacts(sessions_completed=done, baseline=points[0] if points else None)


STAGE_LABELS = {INITIAL: "initial", CONTINUATION: "continuation"}
