"""Admin for intakes, screening results and flags (read-only), and for the
clinic's screening policy and medication knowledge (each change recorded)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from clinic.accounts.admin_search import (
    PatientSearchMixin,
    ScaleFreeDateHierarchyMixin,
    ScaleFreeListMixin,
)
from screening.engine import MedicationKnowledge, Policy
from screening.engine.knowledge import CLASSES
from screening.models import (
    Flag,
    Intake,
    Medication,
    PolicyChange,
    ScreeningPolicy,
    ScreeningResult,
)
from screening.services.policy import (
    _policy_columns,
    medication_delete,
    medication_save,
    policy_update,
)


def _pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: rows are written by services, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# -- medication knowledge -------------------------------------------------------


class MedicationForm(forms.ModelForm):
    brand_names = forms.CharField(
        required=False,
        help_text="Brand names separated by commas, e.g. Zoloft, Lustral.",
        widget=forms.TextInput(attrs={"size": 60}),
    )
    classes = forms.MultipleChoiceField(
        required=False,
        choices=[(c, c.replace("_", " ")) for c in CLASSES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Medication
        fields = [
            "generic",
            "brand_names",
            "classes",
            "min_dose_mg",
            "min_dose_older_mg",
            "antidepressant_class",
            "max_dose_mg",
            "max_dose_source",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["brand_names"] = ", ".join(self.instance.brand_names or [])
            self.initial["classes"] = list(self.instance.classes or [])

    def clean_brand_names(self) -> list[str]:
        text = self.cleaned_data["brand_names"]
        if "\x00" in text:
            raise ValidationError("Brand names cannot contain NUL characters.")
        return [name.strip() for name in text.split(",") if name.strip()]

    def clean_generic(self) -> str:
        name = " ".join(self.cleaned_data["generic"].split()).lower()
        if not name or "\x00" in name:
            raise ValidationError("Enter the generic name.")
        return name

    def clean(self):
        data = super().clean()
        dose, older = data.get("min_dose_mg"), data.get("min_dose_older_mg")
        highest, source = data.get("max_dose_mg"), (data.get("max_dose_source") or "").strip()
        for field, value in (
            ("min_dose_mg", dose),
            ("min_dose_older_mg", older),
            ("max_dose_mg", highest),
        ):
            if value is not None and value <= 0:
                self.add_error(field, "A dose must be more than 0 mg.")
        if older is not None and dose is None:
            self.add_error("min_dose_older_mg", "Give the 18-64 dose as well.")
        if highest is not None and not source:
            self.add_error("max_dose_source", "Name the label the maximum comes from.")
        if "\x00" in source:
            self.add_error("max_dose_source", "The source cannot contain NUL characters.")
        if self.errors:
            return data
        # The whole table must still make sense (no brand name given to two drugs).
        candidate = Medication(
            generic=data.get("generic", ""),
            brand_names=data.get("brand_names", []),
            classes=data.get("classes", []),
            min_dose_mg=dose,
            min_dose_older_mg=older,
            antidepressant_class=data.get("antidepressant_class", ""),
            max_dose_mg=highest,
            max_dose_source=source,
        )
        others = Medication.objects.all()
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        try:
            MedicationKnowledge.from_records(
                [m.to_record() for m in others] + [candidate.to_record()]
            )
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return data


@admin.register(Medication)
class MedicationAdmin(admin.ModelAdmin):
    form = MedicationForm
    list_display = [
        "generic",
        "brands",
        "class_list",
        "antidepressant_class",
        "min_dose_mg",
        "min_dose_older_mg",
        "max_dose_mg",
    ]
    search_fields = ["generic"]
    ordering = ["generic"]

    @admin.display(description="brand names")
    def brands(self, obj: Medication) -> str:
        return ", ".join(obj.brand_names or [])

    @admin.display(description="classes")
    def class_list(self, obj: Medication) -> str:
        return ", ".join(obj.classes or [])

    def save_model(self, request, obj, form, change) -> None:
        version = medication_save(medication=obj, by=request.user)
        self.message_user(request, f"Saved; the screening policy is now version {version}.")

    def delete_model(self, request, obj) -> None:
        medication_delete(medication=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            medication_delete(medication=obj, by=request.user)


# -- policy ---------------------------------------------------------------------


class ScreeningPolicyForm(forms.ModelForm):
    class Meta:
        model = ScreeningPolicy
        fields = [
            "bp_high_systolic",
            "bp_high_diastolic",
            "bp_crisis_systolic",
            "bp_crisis_diastolic",
            "bp_recent_days",
            "min_trial_weeks",
            "trd_adequate_failed_trials",
            "older_adult_age",
            "audit_c_positive_male",
            "audit_c_positive_other",
            "dast10_cutoff",
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {name: data[name] for name in _policy_columns() if name in data}
        try:
            Policy.from_dict(values)
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            if name in self.fields:
                self.add_error(name, message)
            else:
                raise ValidationError(str(exc)) from None
        return data


@admin.register(ScreeningPolicy)
class ScreeningPolicyAdmin(admin.ModelAdmin):
    """The one policy row. Saving records each changed value (who, when, old,
    new) and bumps the version; results keep the version they used."""

    form = ScreeningPolicyForm
    list_display = ["__str__", "updated_at"]
    readonly_fields = ["version", "updated_at", "recent_changes"]
    fieldsets = [
        (None, {"fields": ["version", "updated_at"]}),
        (
            "Blood pressure",
            {
                "fields": [
                    "bp_high_systolic",
                    "bp_high_diastolic",
                    "bp_crisis_systolic",
                    "bp_crisis_diastolic",
                    "bp_recent_days",
                ]
            },
        ),
        (
            "Antidepressant trials",
            {"fields": ["min_trial_weeks", "trd_adequate_failed_trials", "older_adult_age"]},
        ),
        (
            "Substance use",
            {"fields": ["audit_c_positive_male", "audit_c_positive_other", "dast10_cutoff"]},
        ),
        ("History", {"fields": ["recent_changes"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("admin:screening_screeningpolicy_change", args=[1]))

    @admin.display(description="recent changes")
    def recent_changes(self, obj: ScreeningPolicy) -> str:
        rows = PolicyChange.objects.select_related("changed_by")[:20]
        if not rows:
            return "No changes yet."
        items = format_html_join(
            "",
            "<li>v{}: {} {} → {} ({}, {})</li>",
            (
                (
                    c.version,
                    c.field,
                    json.dumps(c.old_value),
                    json.dumps(c.new_value),
                    str(c.changed_by or "system"),
                    c.changed_at.strftime("%Y-%m-%d %H:%M"),
                )
                for c in rows
            ),
        )
        return format_html(
            "<ul>{}</ul><p><a href='{}'>All changes</a></p>",
            items,
            reverse("admin:screening_policychange_changelist"),
        )

    def save_model(self, request, obj, form, change) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        version = policy_update(changes=changes, by=request.user)
        obj.refresh_from_db()
        self.message_user(
            request,
            f"Saved; the screening policy is now version {version}. Run "
            "'python manage.py rescreen' to apply it to stored intakes.",
        )


@admin.register(PolicyChange)
class PolicyChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "changed_by", "field", "old_value", "new_value", "version"]
    list_select_related = ["changed_by"]
    list_filter = ["version"]
    search_fields = ["field"]
    date_hierarchy = "changed_at"

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff


# -- intakes, results, flags ----------------------------------------------------


class ScreeningResultInline(admin.TabularInline):
    model = ScreeningResult
    fields = ["computed_at", "is_current", "rules_version", "policy_version", "highest_severity"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Intake)
class IntakeAdmin(
    ScaleFreeDateHierarchyMixin, ScaleFreeListMixin, PatientSearchMixin, ReadOnlyAdmin
):
    list_display = [
        "patient",
        "version",
        "status",
        "source",
        "review_status",
        "highest_severity_rank",
        "phq9_total",
        "submitted_at",
    ]
    list_filter = ["status", "source", "review_status", "highest_severity_rank"]
    search_fields = [
        "patient__family_name",
        "patient__given_name",
        "patient__email",
        "external_id",
    ]
    own_search_fields = ("external_id",)
    list_select_related = ["patient"]
    date_hierarchy = "submitted_at"
    # "N of M" would count every intake on each page.
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name.endswith("_changelist"):
            # The list shows no document: not read for it.
            qs = qs.defer("document", "step_state", "reopened_steps")
        return qs

    exclude = ["document"]
    readonly_fields = ["document_view"]
    inlines = [ScreeningResultInline]

    @admin.display(description="document")
    def document_view(self, obj: Intake) -> str:
        return _pretty_json(obj.document)


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdmin):
    list_display = [
        "intake",
        "computed_at",
        "is_current",
        "rules_version",
        "policy_version",
        "highest_severity",
    ]
    list_filter = ["is_current", "highest_severity", "rules_version", "policy_version"]
    list_select_related = ["intake__patient"]
    exclude = ["output", "scores"]
    readonly_fields = ["output_view"]

    @admin.display(description="clinic-screening/1 result")
    def output_view(self, obj: ScreeningResult) -> str:
        return _pretty_json(obj.output)


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["code", "severity", "intake", "is_current", "summary"]
    list_filter = [
        "is_current",
        "severity",
        "code",
        "for_iv_ketamine",
        "for_esketamine",
        "for_tms",
        "for_ect",
    ]
    list_select_related = ["intake__patient"]
    search_fields = ["code", "summary"]
