"""Admin: the REMS certification and enrolments, the treatment protocols,
the vitals limits (each change recorded), and read-only sessions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html_join

from clinic.treatment import clinical as c
from clinic.treatment.models import (
    Addendum,
    RemsCertification,
    RemsEnrollment,
    RemsSubmission,
    TreatmentProtocol,
    TreatmentSession,
    VitalSign,
    VitalsLimits,
    VitalsLimitsChange,
)
from clinic.treatment.services import vitals_limits_update


@admin.register(RemsCertification)
class RemsCertificationAdmin(admin.ModelAdmin):
    list_display = ["setting_name", "setting_identifier", "certified_on", "is_active"]


@admin.register(RemsEnrollment)
class RemsEnrollmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "patient_identifier", "enrolled_on"]
    search_fields = ["patient__family_name", "patient__given_name", "patient_identifier"]
    autocomplete_fields = ["patient"]


class ProtocolForm(forms.ModelForm):
    class Meta:
        model = TreatmentProtocol
        fields = ["modality", "appointment_type", "vitals_minutes", "max_mg_per_kg", "max_total_mg"]

    def clean_vitals_minutes(self):
        value = self.cleaned_data["vitals_minutes"]
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 600 for v in value
        ):
            raise ValidationError("Give a list of whole minutes from 0 to 600, e.g. [0, 15, 30].")
        if len(set(value)) != len(value):
            raise ValidationError("Each time point may appear only once.")
        return sorted(value)

    def clean(self):
        data = super().clean()
        for name in ("max_mg_per_kg", "max_total_mg"):
            value = data.get(name)
            if value is not None and not (0 < value <= 1000):
                self.add_error(name, "Must be above 0 and at most 1000.")
        return data


@admin.register(TreatmentProtocol)
class TreatmentProtocolAdmin(admin.ModelAdmin):
    form = ProtocolForm
    list_display = [
        "modality",
        "appointment_type",
        "vitals_minutes",
        "max_mg_per_kg",
        "max_total_mg",
    ]


class LimitsForm(forms.ModelForm):
    class Meta:
        model = VitalsLimits
        fields = list(c.LIMIT_FIELDS)

    def clean(self):
        data = super().clean()
        values = {name: data[name] for name in c.LIMIT_FIELDS if data.get(name) is not None}
        if len(values) == len(c.LIMIT_FIELDS):
            try:
                c.VitalsLimits.from_dict(values)
            except ValueError as exc:
                name, _sep, message = str(exc).partition(": ")
                self.add_error(name if name in c.LIMIT_FIELDS else None, message or str(exc))
        return data


@admin.register(VitalsLimits)
class VitalsLimitsAdmin(admin.ModelAdmin):
    """The one limits row. Saving records each changed value (who, when,
    old, new) and bumps the version."""

    form = LimitsForm
    readonly_fields = ["version", "updated_at", "recent_changes"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        VitalsLimits.objects.get_or_create(pk=1)
        return HttpResponseRedirect(reverse("admin:treatment_vitalslimits_change", args=[1]))

    @admin.display(description="Recent changes")
    def recent_changes(self, obj):
        rows = VitalsLimitsChange.objects.select_related("changed_by")[:20]
        return (
            format_html_join(
                "",
                "<div>{} · {} · {}: {} → {} (v{})</div>",
                (
                    (
                        r.changed_at.strftime("%Y-%m-%d %H:%M"),
                        r.changed_by or "-",
                        r.field,
                        r.old_value,
                        r.new_value,
                        r.version,
                    )
                    for r in rows
                ),
            )
            or "—"
        )

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in c.LIMIT_FIELDS}
        try:
            version = vitals_limits_update(changes=changes, by=request.user)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return
        messages.info(request, f"The vitals limits are now version {version}.")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VitalsLimitsChange)
class VitalsLimitsChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "changed_by", "field", "old_value", "new_value", "version"]


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(ReadOnlyAdmin):
    """Sessions are charted and signed on their own pages; here they are
    read-only, and never deleted."""

    list_display = ["id", "modality", "patient", "state", "started_at", "signed_at"]
    list_filter = ["modality", "state"]
    list_select_related = ["patient"]


@admin.register(VitalSign)
class VitalSignAdmin(ReadOnlyAdmin):
    list_display = ["session", "taken_at", "phase", "systolic", "diastolic", "heart_rate", "spo2"]


@admin.register(Addendum)
class AddendumAdmin(ReadOnlyAdmin):
    list_display = ["session", "created_at", "author", "reason"]


@admin.register(RemsSubmission)
class RemsSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["session", "submitted_at", "submitted_by", "method", "confirmation"]
