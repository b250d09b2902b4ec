from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from clinic.accounts.invitations import InvitationError, invitation_send
from clinic.accounts.models import Invitation, Patient, User


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


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["family_name", "given_name", "email", "date_of_birth", "user", "created_at"]
    search_fields = ["family_name", "given_name", "email", "external_id"]
    list_filter = ["preferred_language", "sex_at_birth"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    inlines = [InvitationInline]
    actions = ["send_invitation"]

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
