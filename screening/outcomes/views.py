"""The clinic's results (`/outcomes/`, its printable report and CSV), a
course's measurements and result, and the patient's measurement check-in."""

from __future__ import annotations

import csv
from datetime import datetime, time

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic.accounts.roles import ADMIN, CLINICIAN, PATIENT, role_required
from clinic.scheduling.forms import CheckInForm
from clinic.scheduling.services.checkins import (
    checkin_crisis_answer_seen,
    checkin_needs_crisis_resources,
)
from clinic.scheduling.services.rules import BookingError
from screening.engine import outcomes as engine
from screening.outcomes import charts, selectors, services
from screening.outcomes.access import (
    get_checkin_measurement_for,
    get_course_for,
    get_measurement_for,
)
from screening.outcomes.forms import CorrectionForm, OutcomesFilterForm, ScoreForm
from screening.outcomes.models import CourseResult, Measurement


def _results_context(request: HttpRequest) -> dict:
    form = OutcomesFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    results = selectors.clinic_results(filters)
    rows, total, quarterly = results.rows, results.total, results.quarterly
    total.label = _("All treatments")
    trends = selectors.phq9_trends(filters)
    trend_charts = [
        {
            "trend": trend,
            "svg": charts.trend_svg(
                f"trend-{trend.treatment}", trend.label, trend.by_week, trend.points
            ),
        }
        for trend in trends
    ]
    quarter_charts = [
        {
            "treatment": row.treatment,
            "label": row.label,
            "points": [p for p in quarterly.get(row.treatment, []) if p.response is not None],
            "svg": charts.quarterly_svg(
                f"quarters-{row.treatment}", row.label, quarterly.get(row.treatment, [])
            ),
        }
        for row in [*rows, total]
        if row.treatment != "all" or len(rows) > 1
    ]
    query = request.GET.copy()
    return {
        "form": form,
        "filters": filters,
        "rows": rows,
        "total": total,
        "trend_charts": trend_charts,
        "quarter_charts": quarter_charts,
        "completeness": results.completeness,
        "small_groups": selectors.has_small_groups(rows),
        "minimum": engine.MIN_GROUP,
        "query": query.urlencode(),
        "generated_at": timezone.now(),
    }


@role_required(CLINICIAN, ADMIN)
@require_GET
def outcomes(request: HttpRequest) -> HttpResponse:
    return render(request, "outcomes/outcomes.html", _results_context(request))


@role_required(CLINICIAN, ADMIN)
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The same results as a printable page."""
    return render(request, "outcomes/report.html", _results_context(request))


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(CLINICIAN, ADMIN)
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """One row per course: no names, a stable pseudonymous id per patient."""
    form = OutcomesFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    writer = csv.writer(_Echo())
    rows = selectors.export_rows(form.filters())

    def lines():
        yield writer.writerow(selectors.EXPORT_COLUMNS)
        for row in rows:
            yield writer.writerow(["" if v is None else v for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="course-outcomes.csv"'
    return response


# -- One course -------------------------------------------------------------------------


def _course_link(course) -> str:
    return settings.CLINIC_BASE_URL.rstrip("/") + reverse("outcomes:course", args=[course.pk])


def _course_context(course, **forms) -> dict:
    result = CourseResult.objects.filter(course=course).first()
    measurements = list(
        Measurement.objects.filter(course=course)
        .select_related("recorded_by")
        .order_by("due_on", "taken_at", "pk")
    )
    bound = forms.get("correction_form")
    for m in measurements:
        if m.score is not None:
            if bound is not None and forms.get("correct_for") == m.pk:
                m.correction_form = bound
            else:
                m.correction_form = CorrectionForm(
                    prefix=f"c{m.pk}", initial={"score": m.score, "item9": m.item9}
                )
    context = {
        "course": course,
        "patient": course.patient,
        "result": result,
        "exclusion": _(engine.EXCLUSION_LABELS[result.excluded_reason])
        if result and result.excluded_reason in engine.EXCLUSION_LABELS
        else "",
        "measurements": measurements,
        "score_form": forms.get("score_form") or ScoreForm(),
        "correct_for": forms.get("correct_for"),
    }
    return context


@role_required(CLINICIAN, ADMIN)
@require_GET
def course(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_course_for(request, pk)
    return render(request, "outcomes/course.html", _course_context(found))


@role_required(CLINICIAN, ADMIN)
@require_POST
def course_record(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_course_for(request, pk)
    form = ScoreForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        taken_at = timezone.make_aware(datetime.combine(data["taken_on"], time(12)))
        taken_at = min(taken_at, timezone.now())
        try:
            services.measurement_record(
                course=found,
                instrument=data["instrument"],
                score=data["score"],
                item9=data["item9"],
                taken_at=taken_at,
                recorded_by=request.user,
                link=_course_link(found),
            )
        except services.MeasurementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Score recorded; the course's result is updated."))
            return redirect("outcomes:course", pk=found.pk)
    return render(
        request, "outcomes/course.html", _course_context(found, score_form=form), status=400
    )


@role_required(CLINICIAN, ADMIN)
@require_POST
def measurement_correct_view(request: HttpRequest, pk: int, measurement: int) -> HttpResponse:
    found = get_course_for(request, pk)
    item = get_measurement_for(request, found, measurement)
    form = CorrectionForm(request.POST, prefix=f"c{item.pk}")
    if form.is_valid():
        try:
            services.measurement_correct(
                measurement=item,
                score=form.cleaned_data["score"],
                item9=form.cleaned_data["item9"],
                reason=form.cleaned_data["reason"],
                corrected_by=request.user,
                link=_course_link(found),
            )
        except services.MeasurementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Score corrected; the course's result is updated."))
            return redirect("outcomes:course", pk=found.pk)
    return render(
        request,
        "outcomes/course.html",
        _course_context(found, correction_form=form, correct_for=item.pk),
        status=400,
    )


# -- The patient's check-in -------------------------------------------------------------


@role_required(PATIENT)
@never_cache
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The PHQ-9 and safety check-in of a measurement due in a course."""
    measurement = get_checkin_measurement_for(request, token)
    item = measurement.checkin
    if item.completed_at is not None:
        return render(
            request,
            "scheduling/checkin_done.html",
            {"checkin": item, "crisis": checkin_needs_crisis_resources(item)},
        )
    form = CheckInForm(request.POST or None)
    link = _course_link(measurement.course)
    crisis = False
    if request.method == "POST" and CheckInForm.typed_is_crisis(request.POST):
        # Acted on at once, whether or not every question is answered yet.
        checkin_crisis_answer_seen(checkin=item, link=link)
        crisis = True
    if request.method == "POST" and form.is_valid():
        try:
            measurement = services.measurement_answer(
                measurement=measurement,
                phq9_answers=form.phq9_answers(),
                safety_answers=form.safety_answers(),
                link=link,
            )
        except (BookingError, services.MeasurementError) as exc:
            messages.info(request, " ".join(getattr(exc, "messages", [str(exc)])))
        item.refresh_from_db()
        return render(
            request,
            "scheduling/checkin_done.html",
            {"checkin": item, "crisis": checkin_needs_crisis_resources(item)},
        )
    return render(
        request,
        "outcomes/checkin.html",
        {"form": form, "checkin": item, "measurement": measurement, "crisis": crisis},
    )
