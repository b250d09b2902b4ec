"""The clinician's review queue, case page, printable summary and case actions."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic.accounts.roles import ADMIN, CLINICIAN, SCHEDULER, role_required
from clinic.paging import ScaleFreePaginator
from clinic.treatment.selectors import case_sessions_section
from screening.coverage.packet import case_section as coverage_section
from screening.engine.scores import phq9_band
from screening.engine.vocabulary import NO_FLAG_RANK, SEVERITY_BY_RANK
from screening.labels import band_label, modality_label
from screening.models import Flag, Intake
from screening.review import casepage, selectors, services
from screening.review.access import Case, get_case_for
from screening.review.chart import phq9_trend_svg
from screening.review.forms import (
    AcknowledgeForm,
    AssignForm,
    DecisionForm,
    NoteForm,
    QueueFilterForm,
)
from screening.review.models import CaseDecision, CaseEvent

PAGE_SIZE = 50
# A search lists at most this many cases (narrow it to see others).
SEARCH_CAP = 1000


@role_required(CLINICIAN, ADMIN)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    intakes = selectors.queue_intakes(filters=filters, user=request.user)
    if filters.q:
        # The search runs once: its matching ids, then the page's rows by id.
        unsearched = replace(filters, q="")
        paginator = ScaleFreePaginator(
            intakes,
            PAGE_SIZE,
            search_cap=SEARCH_CAP,
            rows_for=lambda ids: selectors.queue_intakes(
                filters=unsearched, user=request.user
            ).filter(pk__in=ids),
        )
    else:
        paginator = ScaleFreePaginator(intakes, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "review/queue.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": [_queue_row(intake, filters) for intake in _marked(page.object_list)],
            "query": query.urlencode(),
            "modality_label": modality_label(filters.modality) if filters.modality else "",
        },
    )


def _marked(intakes) -> list[Intake]:
    intakes = list(intakes)
    selectors.mark_consults_booked(intakes)
    return intakes


def _queue_row(intake: Intake, filters: selectors.QueueFilters) -> dict:
    return {
        "intake": intake,
        "patient": intake.patient,
        "status_label": selectors.review_status_label(intake),
        "age": intake.patient.age,
        "phq9_band": band_label(phq9_band(intake.phq9_total))
        if intake.phq9_total is not None
        else "",
        "flags": intake.current_flags,
        "urgent": intake.is_urgent,
        "modality_severity": SEVERITY_BY_RANK.get(
            getattr(intake, "modality_rank", NO_FLAG_RANK), ""
        ),
    }


@role_required(SCHEDULER, CLINICIAN, ADMIN)
@require_GET
def to_book(request: HttpRequest) -> HttpResponse:
    """Consults to book: cases a clinician decided to book a consult for,
    whose patient has no live consult since. Names and statuses only."""
    # The cases to book are derived once (their ids), then the page's rows.
    paginator = ScaleFreePaginator(
        selectors.consults_to_book(),
        PAGE_SIZE,
        search_cap=SEARCH_CAP,
        rows_for=lambda ids: selectors.consults_to_book().filter(pk__in=ids),
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "intake": intake,
            "patient": intake.patient,
            "decision": intake.consult_decisions[0] if intake.consult_decisions else None,
            "contact": casepage.patient_contact(intake),
            "book_url": booking_url(intake.patient),
        }
        for intake in page.object_list
    ]
    return render(request, "review/to_book.html", {"page": page, "rows": rows})


def _case_context(case: Case, request: HttpRequest) -> dict:
    intake = case.intake
    context: dict = {"case": case, "intake": intake, "patient": intake.patient}
    context["versions"] = versions = selectors.patient_versions(intake)
    context["latest_version"] = versions[-1] if versions else intake
    context["decision"] = selectors.latest_decision(intake)
    context["prior_auth"] = coverage_section(intake, full=case.full)
    intake.consult_booked = selectors.consult_booked(intake)
    context["status_label"] = selectors.review_status_label(intake)
    if not case.full:
        if intake.review_status == Intake.ReviewStatus.CONSULT_TO_BOOK:
            context["book_url"] = booking_url(intake.patient)
        return context
    result = intake.results.filter(is_current=True).first()
    flags = list(
        intake.flags.filter(is_current=True).select_related(
            "acknowledgement", "acknowledgement__by"
        )
    )
    # The trials as the prior-auth section assessed them (one parse, one policy
    # and medication knowledge read for the page).
    facts = context["prior_auth"]["facts"]
    trials, trials_error = (
        (facts.trials, "") if facts else ([], context["prior_auth"]["facts_error"])
    )
    procedures, therapies = casepage.prior_treatments(intake.document)
    scores = result.scores if result else {}
    points = casepage.phq9_points(versions, casepage.phq9_checkins(intake.patient))
    context.update(
        {
            "result": result,
            "scores": scores,
            "bands": {
                key: band_label(scores.get(key))
                for key in ("phq9_band", "gad7_band", "cssrs_risk", "msm_band", "bp_category")
            },
            "blood_pressure": intake.document.get("blood_pressure"),
            "contact": casepage.patient_contact(intake),
            "suicide_flag": next((f for f in flags if f.code == "suicide_risk"), None),
            "flags": flags,
            "flag_groups": casepage.flags_by_severity(flags),
            "grid": casepage.treatment_grid(flags),
            "trials": trials,
            "trials_error": trials_error,
            "confirmed_doses": (confirmed := set(intake.confirmed_dose_paths())),
            "confirmed_trials": {
                t.position
                for t in trials
                if f"antidepressant_trials[{t.position}].max_daily_dose_mg" in confirmed
            },
            "response_words": casepage.RESPONSE_WORDS,
            "augmentation": casepage.augmentation_trials(intake.document),
            "procedures": procedures,
            "therapies": therapies,
            "answers": casepage.answers_by_step(
                intake.document, intake.patient, scores, confirmed=confirmed
            ),
            "diffs": casepage.version_diffs(versions),
            "chart": phq9_trend_svg(points),
            "points": points,
            "course_results": casepage.course_results(intake.patient),
            "notes": intake.case_notes.select_related("author"),
            "decisions": intake.case_decisions.select_related("by"),
            "history": casepage.case_history(intake),
            "treatment": _treatment_section(intake.patient, points),
        }
    )
    return context


def _treatment_section(patient, points: list) -> dict:
    """The patient's treatment sessions, with the PHQ-9 chart over the course."""
    section = case_sessions_section(patient, points)
    if section["sessions"]:
        # The case page shows the whole PHQ-9 chart too: keep its element ids unique.
        course_chart = phq9_trend_svg(section["phq9_points"])
        section["phq9_chart"] = mark_safe(  # noqa: S308 - the chart's own SVG, ids renamed
            course_chart.replace("phq9-chart-", "course-phq9-chart-")
        )
    return section


@role_required(CLINICIAN, ADMIN, SCHEDULER)
@require_GET
def case(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_case_for(request, pk)
    context = _case_context(found, request)
    if found.full:
        context.update(
            {
                "assign_form": AssignForm(initial={"assignee": found.intake.assigned_to_id}),
                "note_form": NoteForm(),
                "decision_form": DecisionForm(),
                "ack_form": AcknowledgeForm(),
            }
        )
        return render(request, "review/case.html", context)
    return render(request, "review/case_limited.html", context)


@role_required(CLINICIAN, ADMIN)
@require_GET
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable summary of a case (for the chart or a referral letter)."""
    found = get_case_for(request, pk, record_as=CaseEvent.Action.PRINTED)
    return render(request, "review/summary.html", _case_context(found, request))


def _back(intake: Intake, anchor: str = "") -> HttpResponse:
    return redirect(reverse("review:case", args=[intake.pk]) + (f"#{anchor}" if anchor else ""))


def _render_case_with_errors(request: HttpRequest, found: Case, **forms) -> HttpResponse:
    """Show the case page again with the failing form, keeping what was typed."""
    context = _case_context(found, request)
    context.update(
        {
            "assign_form": AssignForm(initial={"assignee": found.intake.assigned_to_id}),
            "note_form": NoteForm(),
            "decision_form": DecisionForm(),
            "ack_form": AcknowledgeForm(),
        }
    )
    context.update(forms)
    return render(request, "review/case.html", context, status=400)


@role_required(CLINICIAN, ADMIN)
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_case_for(request, pk)
    if request.POST.get("to") == "me":
        to = request.user
    else:
        form = AssignForm(request.POST)
        if not form.is_valid():
            return _render_case_with_errors(request, found, assign_form=form)
        to = form.cleaned_data["assignee"]
    services.case_assign(intake=found.intake, to=to, by=request.user)
    messages.success(request, _("Assignment saved."))
    return _back(found.intake)


@role_required(CLINICIAN, ADMIN)
@require_POST
def acknowledge(request: HttpRequest, pk: int, flag_pk: int) -> HttpResponse:
    found = get_case_for(request, pk)
    try:
        flag = Flag.objects.get(pk=flag_pk, intake=found.intake, is_current=True)
    except Flag.DoesNotExist:
        raise Http404("No such flag on this case.") from None
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _render_case_with_errors(request, found, ack_form=form, ack_error_flag=flag.pk)
    services.flag_acknowledge(flag=flag, by=request.user, note=form.cleaned_data["note"])
    messages.success(request, _("Flag “%(title)s” acknowledged.") % {"title": flag.title})
    return _back(found.intake, f"flag-{flag.pk}")


@role_required(CLINICIAN, ADMIN)
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_case_for(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_case_with_errors(request, found, note_form=form)
    services.case_note_add(intake=found.intake, by=request.user, body=form.cleaned_data["body"])
    messages.success(request, _("Note added."))
    return _back(found.intake, "notes")


def booking_url(patient) -> str:
    """The scheduling booking page with the patient and a consult chosen."""
    return reverse("scheduling:book") + f"?patient={patient.pk}&type={selectors.CONSULT_TYPE_SLUG}"


@role_required(CLINICIAN, ADMIN)
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_case_for(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_case_with_errors(request, found, decision_form=form)
    data = form.cleaned_data
    try:
        decision = services.case_decide(
            intake=found.intake,
            kind=data["kind"],
            by=request.user,
            steps=data["steps"],
            message=data["message"],
            reason=data["reason"],
            referred_to=data["referred_to"],
        )
    except services.CaseActionError as exc:
        form.add_error(None, str(exc))
        return _render_case_with_errors(request, found, decision_form=form)
    messages.success(
        request, _("Decision saved: %(kind)s.") % {"kind": decision.get_kind_display()}
    )
    if decision.kind == CaseDecision.Kind.MORE_INFO and not services.patient_email(found.intake):
        messages.warning(
            request,
            _("The patient has no email address on file: tell them by phone what to update."),
        )
    if decision.kind == CaseDecision.Kind.BOOK_CONSULT:
        return redirect(booking_url(found.intake.patient))
    return _back(found.intake)
