"""Site-wide views: the landing redirect by role and the health check."""

import sys
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult

from clinic.accounts.roles import ADMIN, CLINICIAN, PATIENT, SCHEDULER, public, role_of
from clinic.operations.middleware import DATABASE_DOWN, database_unavailable_response, logger
from clinic.operations.models import WorkerHeartbeat

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


def worker_last_seen() -> tuple[bool, object]:
    """(silent, newest heartbeat or None). The worker is silent when its
    newest heartbeat is older than TASK_WORKER_SILENT_SECONDS, or when no
    worker ever beat and a task has been waiting that long."""
    cutoff = timezone.now() - timedelta(seconds=settings.TASK_WORKER_SILENT_SECONDS)
    newest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if newest is not None:
        return newest < cutoff, newest
    waiting = DBTaskResult.objects.ready().filter(run_after__lt=cutoff, enqueued_at__lt=cutoff)
    return waiting.exists(), None


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers and the task worker is alive; 503 when
    the database does not answer, or the worker has been silent for over
    TASK_WORKER_SILENT_SECONDS (`?scope=web` leaves the worker out, for a
    load balancer's check of one web process). Shows no patient data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if request.GET.get("scope") == "web":
            return JsonResponse({"status": "ok"})
        silent, last_seen = worker_last_seen()
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    body: dict[str, str | None] = {"status": "worker silent" if silent else "ok"}
    if silent or last_seen is not None:
        body["worker_last_seen"] = last_seen.isoformat() if last_seen else None
    return JsonResponse(body, status=503 if silent else 200)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that cannot be reached is a 503 ("try again in
    a minute"), also when the error came from a middleware (the session
    saved on the way out); anything else is Django's 500 page."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_DOWN):
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
        return database_unavailable_response(request)
    return defaults.server_error(request)
