"""Admin: each treatment's measuring cadence is edited here; measurements
and results are read here (scores change through the course page, so the
result is recomputed)."""

from __future__ import annotations

from django.contrib import admin

from screening.outcomes.models import CourseResult, Measurement, MeasurementCadence


@admin.register(MeasurementCadence)
class MeasurementCadenceAdmin(admin.ModelAdmin):
    list_display = [
        "treatment",
        "session_type",
        "before_each_session",
        "every_days",
        "at_end",
        "months_after",
        "chart_by_week",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ["course", "kind", "instrument", "due_on", "score", "taken_at"]
    list_filter = ["kind", "instrument"]
    list_select_related = ["course"]
    date_hierarchy = "due_on"


@admin.register(CourseResult)
class CourseResultAdmin(ReadOnlyAdmin):
    list_display = [
        "course",
        "treatment",
        "status",
        "started_on",
        "baseline_score",
        "final_score",
        "responded",
        "remitted",
    ]
    list_filter = ["treatment", "status", "intent_to_treat", "completer"]
    list_select_related = ["course"]
