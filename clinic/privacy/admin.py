"""Legal holds (placed and released by admins) and erasure records (read only)."""

from django.contrib import admin
from django.utils import timezone

from clinic.accounts.roles import ADMIN, role_of
from clinic.privacy.models import ErasureRecord, LegalHold


class AdminsOnly:
    def has_module_permission(self, request) -> bool:
        return role_of(request.user) == ADMIN

    def has_view_permission(self, request, obj=None) -> bool:
        return role_of(request.user) == ADMIN

    def has_add_permission(self, request) -> bool:
        return role_of(request.user) == ADMIN

    def has_change_permission(self, request, obj=None) -> bool:
        return role_of(request.user) == ADMIN

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # holds are released, never deleted


@admin.register(LegalHold)
class LegalHoldAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ["patient", "reason", "placed_by", "placed_at", "released_at"]
    list_filter = ["released_at"]
    raw_id_fields = ["patient"]
    fields = ["patient", "reason", "placed_by", "placed_at", "released_at", "released_by"]
    readonly_fields = ["placed_by", "placed_at", "released_at", "released_by"]
    actions = ["release"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "patient"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.placed_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Release the selected holds")
    def release(self, request, queryset) -> None:
        count = queryset.filter(released_at__isnull=True).update(
            released_at=timezone.now(), released_by=request.user
        )
        self.message_user(request, f"{count} hold(s) released.")


@admin.register(ErasureRecord)
class ErasureRecordAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ["patient", "done_at", "requested_by", "anonymised", "reason"]
    readonly_fields = [
        "patient",
        "requested_by",
        "reason",
        "done_at",
        "anonymised",
        "removed",
        "kept",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
