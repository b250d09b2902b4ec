"""Admin for review records. The case history is read-only for everyone."""

from __future__ import annotations

from django.contrib import admin

from screening.review.models import CaseDecision, CaseEvent, CaseNote, FlagAcknowledgement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "intake", "actor", "action", "detail"]
    list_filter = ["action"]
    search_fields = ["intake__patient__family_name", "actor__email", "detail"]
    date_hierarchy = "at"
    list_select_related = ["intake__patient", "actor"]


@admin.register(CaseNote)
class CaseNoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "intake", "author"]
    list_select_related = ["intake__patient", "author"]


@admin.register(FlagAcknowledgement)
class FlagAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["at", "flag", "intake", "by"]
    list_select_related = ["flag", "intake__patient", "by"]


@admin.register(CaseDecision)
class CaseDecisionAdmin(ReadOnlyAdmin):
    list_display = ["at", "intake", "kind", "by"]
    list_filter = ["kind"]
    list_select_related = ["intake__patient", "by"]
