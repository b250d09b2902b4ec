"""Site-wide views: the landing redirect by role and the health check."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic.accounts.roles import ADMIN, CLINICIAN, PATIENT, SCHEDULER, public, role_of

HOME_BY_ROLE = {
    PATIENT: "patient_home",
    CLINICIAN: "review:queue",
    SCHEDULER: "scheduling:schedule",
    ADMIN: "review:queue",
}


@public
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page; anonymous visitors to login."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    target = HOME_BY_ROLE.get(role_of(request.user))
    if target is None:
        return redirect("no_role")
    return redirect(target)


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise. Shows no data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
