"""Admin: payer policies with their criteria (each save bumps the version;
the audit log keeps the history), authorizations, and the kept packets."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from screening.coverage.forms import CriterionAdminForm
from screening.coverage.models import Authorization, Packet, PayerCriterion, PayerPolicy
from screening.coverage.services import policy_touch


class CriterionInline(admin.TabularInline):
    model = PayerCriterion
    form = CriterionAdminForm
    extra = 0


class PayerPolicyForm(forms.ModelForm):
    source_url = forms.URLField(label="Source", max_length=500, assume_scheme="https")

    class Meta:
        model = PayerPolicy
        fields = [
            "payer",
            "treatment",
            "name",
            "identifier",
            "source_url",
            "effective_on",
            "sessions_requested",
            "notes",
            "is_active",
        ]


@admin.register(PayerPolicy)
class PayerPolicyAdmin(admin.ModelAdmin):
    form = PayerPolicyForm
    list_display = ["payer", "identifier", "treatment", "effective_on", "version", "is_active"]
    list_filter = ["treatment", "is_active"]
    search_fields = ["payer", "identifier", "name"]
    readonly_fields = ["version", "updated_at"]
    inlines = [CriterionInline]

    def save_related(self, request: HttpRequest, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(f.has_changed() for f in formsets)):
            policy_touch(policy=form.instance)


@admin.register(Authorization)
class AuthorizationAdmin(admin.ModelAdmin):
    list_display = ["patient", "treatment", "payer", "status", "units_approved", "end_on"]
    list_filter = ["status", "treatment"]
    list_select_related = ["patient"]
    search_fields = ["payer", "reference", "patient__family_name"]
    raw_id_fields = ["patient", "policy"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Packet)
class PacketAdmin(admin.ModelAdmin):
    """Kept packets: read-only."""

    list_display = ["created_at", "patient", "policy", "policy_version", "created_by", "sha256"]
    list_select_related = ["patient", "policy", "created_by"]
    exclude = ["pdf"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
