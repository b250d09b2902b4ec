"""Reads for the review pages: the queue, the urgent count, the consults
still to book, one case's records, versions and their differences, the
PHQ-9 trend."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from clinic.accounts.roles import CLINICIAN
from clinic.scheduling.models import Appointment, AppointmentType
from screening.engine.vocabulary import MODALITIES, NO_FLAG_RANK, SEVERITY_RANK, URGENT_RANK
from screening.models import OPEN_REVIEW_STATUSES, Flag, Intake
from screening.review.models import CaseDecision, CaseEvent

Status = Intake.ReviewStatus

# Queue's default view: the cases still to be worked on (defined with the
# index intake_queue_open_idx that serves it).
OPEN_STATUSES = OPEN_REVIEW_STATUSES
# The list pages show none of these: not read for them.
LIST_DEFERRED = ("document", "step_state", "reopened_steps", "content_hash", "external_id")


@dataclass
class QueueFilters:
    status: str = "open"  # "open", "all" or a review status
    flag: str = ""
    severity: str = ""
    modality: str = ""
    assigned: str = ""  # "", "me", "nobody"
    q: str = ""


def _current_flags(**conditions) -> QuerySet[Flag]:
    return Flag.objects.filter(intake=OuterRef("pk"), is_current=True, **conditions)


def queue_intakes(*, filters: QueueFilters, user) -> QuerySet[Intake]:
    """Submitted intakes for the review queue: urgent first, then by highest
    severity, then oldest first. Each row carries its current flags (one
    prefetch query) and, with a modality filter, the highest severity for it.

    Served, without a sort, by intake_queue_open_idx (the default view),
    intake_queue_idx (one review status) and intake_queue_all_idx (all
    statuses); the modality filters by flag_current_<modality>_idx. The
    document and the other large columns are not read for the list."""
    qs = (
        Intake.objects.filter(status=Intake.Status.SUBMITTED)
        .select_related("patient", "assigned_to")
        .defer(*LIST_DEFERRED)
    )
    # The ordering, urgent first: intake_queue_*_idx read in order, no sort.
    ordering: list[Any] = ["-highest_severity_rank", "submitted_at", "pk"]
    if filters.status == "open":
        kept = urgent_unacknowledged_ids()
        if kept:
            qs = qs.filter(Q(review_status__in=OPEN_STATUSES) | Q(pk__in=kept))
            # "Open OR one of these few" matches no partial index: read in the
            # index's order, the scan would walk past every urgent case ever
            # closed. Ordered by an expression no index serves, PostgreSQL
            # reads the open cases and these few through their indexes and
            # sorts them (a top-N sort of the open cases only).
            ordering[0] = (F("highest_severity_rank") + 0).desc()
        else:
            qs = qs.filter(review_status__in=OPEN_STATUSES)
    elif filters.status == Status.CONSULT_TO_BOOK:
        qs = qs.filter(review_status=Status.CONSULT_TO_BOOK).exclude(
            pk__in=to_book_with_consult_ids()
        )
    elif filters.status == Status.CONSULT_BOOKED:
        # The booked cases are history (they grow with the years): matched by
        # their status through intake_queue_idx, with the few "to book" ones
        # whose consult exists by id, so the count reads no row twice and
        # runs no subquery per case.
        qs = qs.filter(
            Q(review_status=Status.CONSULT_BOOKED) | Q(pk__in=to_book_with_consult_ids())
        )
    elif filters.status in Status.values:
        qs = qs.filter(review_status=filters.status)
    # Flag code, severity and modality combine on the same current flag
    # (served by flag_code_idx and flag_severity_idx).
    flag_conditions: dict[str, Any] = {}
    if filters.flag:
        flag_conditions["code"] = filters.flag
    if filters.severity in SEVERITY_RANK:
        flag_conditions["severity_rank"] = SEVERITY_RANK[filters.severity]
        # Implied by such a flag (the intake's highest rank is its current
        # flags' highest): lets the queue's indexes, which lead with the
        # rank, read only the cases at or above it instead of every open one.
        qs = qs.filter(highest_severity_rank__gte=SEVERITY_RANK[filters.severity])
    if filters.modality in MODALITIES:
        flag_conditions[f"for_{filters.modality}"] = True
        qs = qs.annotate(
            modality_rank=Coalesce(
                Subquery(
                    _current_flags(**{f"for_{filters.modality}": True})
                    .order_by()
                    .values("intake")
                    .annotate(top=Max("severity_rank"))
                    .values("top")[:1]
                ),
                NO_FLAG_RANK,
            )
        )
    if flag_conditions:
        qs = qs.filter(Exists(_current_flags(**flag_conditions)))
    if filters.assigned == "me":
        qs = qs.filter(assigned_to=user)
    elif filters.assigned == "nobody":
        qs = qs.filter(assigned_to__isnull=True)
    if filters.q:
        qs = qs.filter(_search(filters.q))
    return qs.order_by(*ordering).prefetch_related(
        Prefetch(
            "flags",
            queryset=Flag.objects.filter(is_current=True).only(
                "pk", "intake_id", "code", "severity", "severity_rank"
            ),
            to_attr="current_flags",
        )
    )


def urgent_unacknowledged_ids() -> list[int]:
    """Cases out of the open statuses (e.g. more information requested) that
    still have an urgent flag no clinician has acknowledged: they stay on the
    default queue. One query, read from flag_urgent_unacknowledged_idx (the
    current urgent flags not acknowledged: a few, however many urgent flags
    were acknowledged over the years)."""
    unacknowledged = _current_flags(severity_rank=SEVERITY_RANK["urgent"], acknowledged=False)
    return list(
        Intake.objects.filter(
            status=Intake.Status.SUBMITTED, highest_severity_rank=SEVERITY_RANK["urgent"]
        )
        .exclude(review_status__in=OPEN_STATUSES)
        .filter(Exists(unacknowledged))
        .values_list("pk", flat=True)
    )


def _parse_date(text: str) -> datetime.date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _search(text: str) -> Q:
    """Name, email or date of birth."""
    text = " ".join(text.split())
    born = _parse_date(text)
    if born is not None:
        return Q(patient__date_of_birth=born)
    if "@" in text:
        return Q(patient__email__icontains=text)
    condition = Q()
    for word in text.split(" "):
        condition &= (
            Q(patient__given_name__icontains=word)
            | Q(patient__family_name__icontains=word)
            | Q(patient__email__icontains=word)
        )
    return condition


def urgent_unopened_count() -> int:
    """Urgent cases still open that no clinician has opened yet (a
    scheduler's names-and-statuses view does not count; one query;
    caseevent_viewed_idx answers the NOT EXISTS)."""
    opened = CaseEvent.objects.filter(
        intake=OuterRef("pk"), action=CaseEvent.Action.VIEWED, actor__groups__name=CLINICIAN
    )
    return (
        Intake.objects.filter(
            status=Intake.Status.SUBMITTED,
            review_status__in=OPEN_STATUSES,
            highest_severity_rank=URGENT_RANK,
        )
        .exclude(Exists(opened))
        .count()
    )


CONSULT_TYPE_SLUG = "consult"


def with_consult_state(qs: QuerySet[Intake]) -> QuerySet[Intake]:
    """Annotate `decided_at` (the latest "book a consult" decision) and
    `consult_booked` (a live consult starts after it): a "consult to book"
    case reads "consult booked" once its appointment exists."""
    return qs.annotate(decided_at=_latest_consult_decision()).annotate(
        consult_booked=Exists(_live_consult_since_decision())
    )


def _latest_consult_decision() -> Subquery:
    """When the case's latest "book a consult" decision was made (an
    index-only probe of casedecision_book_idx)."""
    book = CaseDecision.objects.filter(kind=CaseDecision.Kind.BOOK_CONSULT)
    return Subquery(book.filter(intake=OuterRef("pk")).order_by("-at").values("at")[:1])


def _live_consult_since_decision() -> QuerySet[Appointment]:
    """A live consult of the case's patient starting after `decided_at`. The
    consult type's id is a subquery run once, so each case is one probe of
    appt_live_patient_type_idx (patient, type, start); joined to the types by
    slug, PostgreSQL hashed every live consult instead."""
    consult = AppointmentType.objects.filter(slug=CONSULT_TYPE_SLUG).values("pk")[:1]
    return Appointment.objects.live().filter(
        patient=OuterRef("patient_id"),
        appointment_type=Subquery(consult),
        start__gt=OuterRef("decided_at"),
    )


def to_book_with_consult_ids() -> list[int]:
    """The "consult to book" cases whose consult is booked since (they read
    "consult booked"): one query over the cases waiting to be booked only."""
    waiting = Intake.objects.filter(
        status=Intake.Status.SUBMITTED, review_status=Status.CONSULT_TO_BOOK
    )
    # As "waiting minus those without a consult": PostgreSQL plans the NOT
    # EXISTS as one probe per case, where an EXISTS became a hash of every
    # live consult.
    unbooked = (
        waiting.annotate(decided_at=_latest_consult_decision())
        .exclude(Exists(_live_consult_since_decision()))
        .values("pk")
    )
    return list(waiting.exclude(pk__in=unbooked).order_by().values_list("pk", flat=True))


def review_status_label(intake: Intake) -> str:
    """The case's status in words, with "consult booked" derived as above."""
    if intake.review_status == Status.CONSULT_TO_BOOK and getattr(intake, "consult_booked", False):
        return str(Status.CONSULT_BOOKED.label)
    return str(intake.get_review_status_display())


def mark_consults_booked(intakes: list[Intake]) -> None:
    """Set `consult_booked` on the "consult to book" intakes of a page: one
    query, and only when the page has any."""
    waiting = [
        i
        for i in intakes
        if i.review_status == Status.CONSULT_TO_BOOK and not hasattr(i, "consult_booked")
    ]
    if not waiting:
        return
    booked = set(
        with_consult_state(Intake.objects.filter(pk__in=[i.pk for i in waiting]))
        .filter(consult_booked=True)
        .values_list("pk", flat=True)
    )
    for intake in waiting:
        intake.consult_booked = intake.pk in booked


def consult_booked(intake: Intake) -> bool:
    """One query: has the "consult to book" case its consult yet?"""
    if intake.review_status != Status.CONSULT_TO_BOOK:
        return intake.review_status == Status.CONSULT_BOOKED
    return (
        with_consult_state(Intake.objects.filter(pk=intake.pk))
        .values_list("consult_booked", flat=True)
        .first()
        or False
    )


def consults_to_book() -> QuerySet[Intake]:
    """Submitted intakes whose clinician decided "book a consult" and whose
    patient has no live (not cancelled, not no-show) consult starting after
    that decision: oldest decision first.

    Each row carries `decided_at` (the latest "book a consult" decision) and
    `consult_decisions` (those decisions with who made them, newest first:
    one prefetch query). Served by intake_queue_idx (status, review status),
    casedecision_intake_idx (the latest decision of an intake) and
    scheduling's appt_patient_start_idx (the patient's consults after it).
    """
    book = CaseDecision.objects.filter(kind=CaseDecision.Kind.BOOK_CONSULT)
    return (
        Intake.objects.filter(status=Intake.Status.SUBMITTED, review_status=Status.CONSULT_TO_BOOK)
        .select_related("patient", "assigned_to")
        # The row's contact details come from the document (casepage.patient_contact).
        .defer("step_state", "reopened_steps")
        .annotate(decided_at=_latest_consult_decision())
        .exclude(Exists(_live_consult_since_decision()))
        .order_by(F("decided_at").asc(nulls_first=True), "submitted_at", "pk")
        .prefetch_related(
            Prefetch(
                "case_decisions",
                queryset=book.select_related("by").order_by("-at", "-pk"),
                to_attr="consult_decisions",
            )
        )
    )


def latest_decision(intake: Intake) -> CaseDecision | None:
    return intake.case_decisions.select_related("by").first()


def patient_versions(intake: Intake) -> list[Intake]:
    """Every submitted version of this patient's intake, oldest first."""
    return list(
        Intake.objects.filter(patient_id=intake.patient_id, status=Intake.Status.SUBMITTED)
        .order_by("version")
        .only("pk", "version", "submitted_at", "document", "phq9_total", "review_status")
    )
