"""Worker heartbeats and safety alerts, read only, for admins: is the worker
alive, and has every urgent alert gone out?"""

from django.contrib import admin

from clinic.accounts.roles import ADMIN, role_of
from clinic.operations.models import SafetyAlert, WorkerHeartbeat


class ReadOnlyForAdmins:
    def has_module_permission(self, request) -> bool:
        return role_of(request.user) == ADMIN

    def has_view_permission(self, request, obj=None) -> bool:
        return role_of(request.user) == ADMIN

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyForAdmins, admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "beat_at"]
    ordering = ["-beat_at"]


@admin.register(SafetyAlert)
class SafetyAlertAdmin(ReadOnlyForAdmins, admin.ModelAdmin):
    list_display = ["key", "source", "created_at", "attempts", "sent_at", "last_error"]
    list_filter = ["source"]
    ordering = ["-created_at"]
    exclude = ["patient"]
