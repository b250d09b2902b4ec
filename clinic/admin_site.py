"""The clinic's admin site: reached only through the site's login, safe with
odd input, and logging every read of patient data.

- Login: `/admin/login/` does not ask for a password itself. Anonymous
  visitors go to allauth's login (the one login, with the second factor and
  the shared throttle); logged-in users without admin access get 403.
- Every registered ModelAdmin is given `ClinicModelAdminMixin` at
  registration, so no admin page can forget it:
  - changelist filters that the database cannot compare (a NUL character,
    text for a number) are the admin's "invalid filter" answer, and odd
    initial values on add pages (`?patient=abc`) a form error, not a 500;
  - list and change pages of models that lead to a patient (the patient
    itself, intakes, flags, check-ins, appointments, ...) write one access-log
    row per patient shown (who, when, which page).
"""

from __future__ import annotations

from functools import cache, update_wrapper

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from clinic.accounts.access import log_staff_reads


@cache
def patient_path(model: type[models.Model]) -> str | None:
    """The lookup from `model` to its patient ("" for Patient itself,
    "intake__patient" for a flag), following forward foreign keys at most
    two steps; None when the model holds no patient's data."""
    from clinic.accounts.models import Patient

    if model is Patient:
        return ""
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _depth in range(2):
        following = []
        for current, prefix in frontier:
            for field in current._meta.get_fields():
                if not (field.many_to_one or field.one_to_one) or not field.concrete:
                    continue
                path = f"{prefix}{field.name}"
                if field.related_model is Patient:
                    return path
                if field.related_model is not None:
                    following.append((field.related_model, f"{path}__"))
        frontier = following
    return None


def _patient_of(obj, path: str):
    for name in path.split("__") if path else []:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _has_nul(request: HttpRequest) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def _is_id(value) -> bool:
    """A value that can be a primary key (the database's 64-bit integer)."""
    text = str(value)
    return text.isdigit() and int(text) < 2**63


class KnownIdsAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up whatever value it is given (a
    posted value, or `?patient=abc` on an add page) to show it again; a value
    that is not an id would crash that lookup, so only ids are looked up (the
    field still says the choice is not valid)."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if _is_id(v)], attr)


class KnownIdsAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if _is_id(v)], attr)


SAFE_AUTOCOMPLETE = {
    AutocompleteSelect: KnownIdsAutocompleteSelect,
    AutocompleteSelectMultiple: KnownIdsAutocompleteSelectMultiple,
}


class ClinicModelAdminMixin:
    """Mixed into every registered ModelAdmin by ClinicAdminSite.register."""

    def action_checkbox(self, obj):
        """Each row's checkbox, as Django's CheckboxInput writes it, without
        a widget template per row (100 of them were a fifth of a list page)."""
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        widget = getattr(field, "widget", None)
        inner = getattr(widget, "widget", widget)  # inside the related-object wrapper
        if type(inner) in SAFE_AUTOCOMPLETE:
            inner.__class__ = SAFE_AUTOCOMPLETE[type(inner)]
        return field

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)  # type: ignore[misc]
        except (ValueError, ValidationError, OverflowError) as exc:
            # e.g. ?patient=abc on a foreign key, a date at the calendar's end.
            raise IncorrectLookupParameters(exc) from exc

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        path = patient_path(self.model)  # type: ignore[attr-defined]
        changelist = getattr(response, "context_data", {}).get("cl")
        if path is not None and changelist is not None:
            from clinic.accounts.models import Patient

            ids = [obj.pk for obj in changelist.result_list]
            shown = self.model._default_manager.filter(pk__in=ids)  # type: ignore[attr-defined]
            patients = Patient.objects.filter(pk__in=shown.values(path or "pk"))
            log_staff_reads(request, patients, what=f"admin list: {self.model._meta.label}")  # type: ignore[attr-defined]
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        path = patient_path(self.model)  # type: ignore[attr-defined]
        original = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and path is not None and original is not None:
            label = self.model._meta.label  # type: ignore[attr-defined]
            log_staff_reads(
                request, [_patient_of(original, path)], what=f"admin page: {label} {original.pk}"
            )
        return response


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic admin"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ClinicModelAdminMixin):
            admin_class = type(admin_class.__name__, (ClinicModelAdminMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """No password form here: the site's login (with the second factor and
        the throttle) is the only way in."""
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(target)
            raise PermissionDenied(_("Your account does not give access to the admin."))
        return redirect_to_login(target, login_url=reverse("account_login"))

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            if _has_nul(request):
                # PostgreSQL cannot compare text holding NUL: no filter or
                # search can match it, so the page is shown without it.
                query = QueryDict(mutable=True)
                for key, values in request.GET.lists():
                    query.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
                if not request.path.endswith("/autocomplete/"):
                    messages.error(
                        request,
                        _("The address had a character that cannot be used; it was removed."),
                    )
                return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)
