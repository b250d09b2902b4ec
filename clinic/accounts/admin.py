from auditlog.models import LogEntry
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from clinic.accounts.admin_search import ScaleFreeDateHierarchyMixin, ScaleFreeListMixin
from clinic.accounts.invitations import InvitationError, invitation_send
from clinic.accounts.models import Invitation, Patient, User
from clinic.accounts.roles import ADMIN, role_of


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_on_call", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "is_on_call", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (
            _("Role and access"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "is_on_call", "groups"),
                "description": _(
                    "Put clinicians in the 'clinician' group and schedulers in the "
                    "'scheduler' group (schedulers also need staff status for the admin). "
                    "Superusers are the clinic's admins."
                ),
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "password1", "password2", "groups"),
            },
        ),
    )
    filter_horizontal = ["groups"]


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["email", "created_at", "expires_at", "used_at", "revoked_at", "created_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PatientAdminForm(forms.ModelForm):
    """An admin's form: changing the email of a patient on file needs a
    reason, kept in the patient's change history."""

    email_change_reason = forms.CharField(
        label=_("Reason for the email change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when you change the email: who asked for it and how it was "
            "confirmed (e.g. 'patient called from the number on file')."
        ),
    )

    class Meta:
        model = Patient
        fields = [
            "given_name",
            "family_name",
            "email",
            "email_change_reason",
            "date_of_birth",
            "sex_at_birth",
            "phone",
            "preferred_language",
            "referring_clinician",
            "external_id",
        ]

    def clean(self):
        data = super().clean()
        changed_email = self.instance.pk and "email" in self.changed_data
        if changed_email and not (data.get("email_change_reason") or "").strip():
            self.add_error("email_change_reason", _("Say why the email changes (it is recorded)."))
        return data


class LanguageFilter(admin.SimpleListFilter):
    """The clinic's languages (settings.LANGUAGES): Django's filter on the
    field itself reads DISTINCT preferred_language over every patient."""

    title = _("preferred language")
    parameter_name = "preferred_language__exact"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(preferred_language=value) if value else queryset


@admin.register(Patient)
class PatientAdmin(ScaleFreeDateHierarchyMixin, ScaleFreeListMixin, admin.ModelAdmin):
    """Patients on file. The login (`user`) is set only by the patient
    accepting an invitation and never changed here, so a login cannot be moved
    to another record; only an admin changes a patient's email, with a reason."""

    list_display = ["family_name", "given_name", "email", "date_of_birth", "user", "created_at"]
    # Each UPPER(...) LIKE is served by a trigram index on PostgreSQL
    # (migration 0002); the ordering and date hierarchy by patient_order_idx
    # and patient_created_at_idx.
    search_fields = ["family_name", "given_name", "email", "external_id"]
    list_filter = [LanguageFilter, "sex_at_birth"]
    date_hierarchy = "created_at"
    # "N of M" would count every patient on each page.
    show_full_result_count = False
    inlines = [InvitationInline]
    form = PatientAdminForm
    actions = ["send_invitation"]

    def get_readonly_fields(self, request, obj=None):
        fields = ["user"]
        if obj is not None and role_of(request.user) != ADMIN:
            fields.append("email")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None or role_of(request.user) != ADMIN:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        old_email = Patient.objects.get(pk=obj.pk).email if change else None
        super().save_model(request, obj, form, change)
        if change and old_email != obj.email:
            reason = form.cleaned_data.get("email_change_reason", "").strip()
            entry = LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.UPDATE)
            entry = entry.order_by("-timestamp", "-pk").first()
            if entry is not None:
                entry.additional_data = {
                    **(entry.additional_data or {}),
                    "email_change_reason": reason,
                    "old_email": old_email,
                }
                entry.save(update_fields=["additional_data"])

    @admin.action(description=_("Send invitation"), permissions=["change"])
    def send_invitation(self, request, queryset) -> None:
        """Email each selected patient a new link (earlier links stop working)."""
        sent, skipped = 0, []
        for patient in queryset:
            try:
                invitation_send(patient=patient, by=request.user)
            except InvitationError:
                skipped.append(patient.full_name)
            else:
                sent += 1
        if sent:
            self.message_user(request, _("Invitations sent: %(n)d.") % {"n": sent})
        if skipped:
            self.message_user(
                request,
                _("Not sent (already has an account or no email): %(names)s")
                % {"names": ", ".join(skipped)},
                level=messages.WARNING,
            )
