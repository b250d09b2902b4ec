"""Invitation pages: staff invite a patient; the patient follows the link,
sets a password and lands on their intake."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from clinic.accounts.access import get_patient_for
from clinic.accounts.invitations import (
    InvitationError,
    invitation_accept,
    invitation_check,
    invitation_resend,
    invitation_send,
)
from clinic.accounts.models import Invitation, Patient
from clinic.accounts.roles import STAFF_ROLES, public, role_required

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]


class InviteForm(forms.Form):
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100)
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("Email"))
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"), choices=LANGUAGE_CHOICES
    )

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise ValidationError(gettext_lazy("The date of birth cannot be in the future."))
        return born


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 10 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext_lazy("The two passwords are not the same."))
        return cleaned


def _patient_language(request: HttpRequest, patient: Patient) -> None:
    """Speak the invited patient's language, unless the switcher chose one."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = (patient.preferred_language or "").split("-")[0]
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _can_resend(exc: InvitationError) -> bool:
    """A new link is offered for an expired or replaced one, never to someone
    who already has an account."""
    if exc.invitation is None or exc.invitation.patient.user_id is not None:
        return False
    return exc.reason in ("expired", "revoked", "used")


def _problem(request: HttpRequest, exc: InvitationError, token: str) -> HttpResponse:
    status = 410 if exc.invitation is not None else 404
    if exc.reason == "too_many":
        status = 429
    return render(
        request,
        "accounts/invitation_problem.html",
        {"reason": exc.reason, "token": token, "can_resend": _can_resend(exc)},
        status=status,
    )


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    """Staff invite a patient: a new patient record, or one on file (matched
    by email and date of birth)."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            patient = Patient.objects.filter(
                email__iexact=data["email"], date_of_birth=data["date_of_birth"]
            ).first()
            if patient is None:
                patient = Patient.objects.create(
                    given_name=data["given_name"].strip(),
                    family_name=data["family_name"].strip(),
                    email=data["email"].lower(),
                    date_of_birth=data["date_of_birth"],
                    preferred_language=data["preferred_language"],
                )
            if patient.user_id is not None:
                form.add_error("email", _("This patient already has an account; they can log in."))
            else:
                invitation_send(patient=patient, by=request.user)
                messages.success(
                    request,
                    _("Invitation sent to %(name)s at %(email)s.")
                    % {"name": patient.full_name, "email": patient.email},
                )
                return redirect("invitation_new")
    recent = Invitation.objects.select_related("patient").order_by("-created_at")[:20]
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "recent": recent, "valid_days": settings.INVITATION_VALID_DAYS},
    )


@role_required(*STAFF_ROLES)
@require_POST
def invite_patient(request: HttpRequest, pk: int) -> HttpResponse:
    """Send (or resend) the invitation of a patient on file."""
    patient = get_patient_for(request, pk)
    try:
        invitation_send(patient=patient, by=request.user)
    except InvitationError as exc:
        messages.error(
            request,
            _("This patient already has an account.")
            if exc.reason == "has_account"
            else _("This patient has no email address on file."),
        )
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": patient.email})
    return redirect("invitation_new")


@public
@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email: set a password, then go to the intake."""
    try:
        invitation = invitation_check(token)
    except InvitationError as exc:
        if exc.invitation is not None:
            _patient_language(request, exc.invitation.patient)
        return _problem(request, exc, token)
    _patient_language(request, invitation.patient)
    # The language the page is read in: the patient's, or the one they chose
    # last with the switcher. That is the one kept.
    language = translation.get_language() or ""
    if language not in dict(settings.LANGUAGES):
        language = ""
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token, password=form.cleaned_data["password1"], language=language
            )
        except InvitationError as exc:
            return _problem(request, exc, token)
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            response = redirect("intake:start")
            if language:
                # The whole site in that language from now on (the switcher
                # still changes it).
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation, "patient": invitation.patient},
    )


@public
@never_cache
@require_POST
def resend(request: HttpRequest, token: str) -> HttpResponse:
    """Send a fresh link to the address on file for an old link's patient."""
    try:
        invitation_resend(token=token)
    except InvitationError as exc:
        return _problem(request, exc, token)
    return render(request, "accounts/invitation_resent.html")
