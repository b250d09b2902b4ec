"""Staff roles, as groups, and the checks views declare.

Roles: `patient`, `clinician`, `scheduler` are groups; superusers are the
clinic's admins. A view says who may see it with `role_required(...)`,
`signed_in` (any account) or `public` (anyone).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

PATIENT = "patient"
CLINICIAN = "clinician"
SCHEDULER = "scheduler"
ADMIN = "admin"
GROUP_ROLES = (PATIENT, CLINICIAN, SCHEDULER)
STAFF_ROLES = (CLINICIAN, SCHEDULER, ADMIN)

_CACHE_ATTR = "_clinic_role"


def role_of(user) -> str | None:
    """The user's role: admin, clinician, scheduler, patient, or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if hasattr(user, _CACHE_ATTR):
        return getattr(user, _CACHE_ATTR)
    if user.is_superuser:
        role = ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((name for name in (CLINICIAN, SCHEDULER, PATIENT) if name in names), None)
    setattr(user, _CACHE_ATTR, role)
    return role


def role_required(*roles: str) -> Callable:
    """Let only the given roles in: anonymous visitors go to the login page,
    logged-in users of another role get 403."""

    allowed = set(roles)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in allowed:
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let any signed-in account in, with a role or without one (anonymous
    visitors go to the login page): for pages about the account itself."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.allowed_roles = SIGNED_IN  # type: ignore[attr-defined]
    return wrapper


# `allowed_roles` of a view that `signed_in` declares.
SIGNED_IN = frozenset({"any signed-in account"})


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view as open to anyone, so the access test can tell it was meant."""
    view.allowed_roles = None  # type: ignore[attr-defined]
    return view


# Model permissions each role's group holds, as (app_label, codename). The
# groups and these permissions are (re)created after every `migrate` (and
# after a test flush) by `sync_roles`, so adding a permission is one line here.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    PATIENT: [],
    CLINICIAN: [
        ("accounts", "view_patient"),
        ("screening", "view_intake"),
    ],
    SCHEDULER: [
        ("accounts", "view_patient"),
        ("accounts", "add_patient"),
        ("accounts", "change_patient"),
        ("accounts", "view_invitation"),
        # Scheduling: the admin's appointment pages.
        ("scheduling", "view_appointment"),
        ("scheduling", "add_appointment"),
        ("scheduling", "change_appointment"),
        ("scheduling", "view_appointmenttype"),
        ("scheduling", "change_appointmenttype"),
        ("scheduling", "view_room"),
        ("scheduling", "add_room"),
        ("scheduling", "change_room"),
        ("scheduling", "view_workinghours"),
        ("scheduling", "add_workinghours"),
        ("scheduling", "change_workinghours"),
        ("scheduling", "delete_workinghours"),
        ("scheduling", "view_timeoff"),
        ("scheduling", "add_timeoff"),
        ("scheduling", "change_timeoff"),
        ("scheduling", "delete_timeoff"),
        ("scheduling", "view_courseplan"),
        ("scheduling", "view_courseplanstep"),
        ("scheduling", "view_course"),
        ("scheduling", "view_reminder"),
        ("scheduling", "view_changerequest"),
        ("scheduling", "change_changerequest"),
        ("scheduling", "view_calendarfeed"),
        # Closure days are the admins'; schedulers see them, and the emails sent.
        ("scheduling", "view_closureday"),
        ("scheduling", "view_patientnotification"),
    ],
}


def sync_roles(sender=None, **kwargs) -> None:
    """Create the role groups and give them exactly ROLE_PERMISSIONS
    (idempotent; a permission taken off the list is taken from the group).

    Connected to post_migrate, which is sent once per app: this runs for the
    last app only, when every app's permissions exist (a test flush sends
    post_migrate too, so this cost is paid after each transactional test)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    if sender is not None:
        with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
        if with_models and sender.label != with_models[-1].label:
            return
    wanted_all = {pair for wanted in ROLE_PERMISSIONS.values() for pair in wanted}
    found = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.filter(
            content_type__app_label__in={a for a, _ in wanted_all},
            codename__in={c for _, c in wanted_all},
        ).values_list("pk", "content_type__app_label", "codename")
    }
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([found[pair] for pair in wanted if pair in found])
