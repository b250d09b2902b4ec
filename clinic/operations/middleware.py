"""A database that cannot be reached answers 503, not 500.

`DatabaseUnavailableMiddleware` (right after AuthenticationMiddleware) reads
the session's user first and turns an OperationalError or InterfaceError,
there or raised by a view, into a 503 page that says to try again in a minute (JSON for
the intake's autosave, which then keeps what is typed and retries), logged as
a warning rather than a server error. An error raised outside a view (the
session saved on the way out) reaches `clinic.views.server_error`, which
answers the same. Nothing is half-saved: every state change runs in a
transaction, which the database rolls back when the connection drops.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

from screening.intake.views import AUTOSAVE_HEADER

logger = logging.getLogger("clinic.database")

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON for autosave and JSON clients, a page otherwise.
    Renders without the request's context processors (they read the
    database). Callers log the cause (a warning)."""
    if request.META.get(AUTOSAVE_HEADER) == "1" or (
        request.accepts("application/json") and not request.accepts("text/html")
    ):
        response: HttpResponse = JsonResponse(
            {
                "saved": False,
                "error": gettext(
                    "The clinic's system is briefly unavailable. "
                    "Your answers are kept on this page; try again in a minute."
                ),
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        response = HttpResponse(
            render_to_string("503.html", {"retry_after_minutes": 1}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged once, as the warning above names the cause; not again by
    # django.request as a server error.
    response._has_been_logged = True  # noqa: SLF001 (django.utils.log.log_response's marker)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            try:
                # The session and its user, read now (later middleware and the
                # view use the cached user).
                request.user.is_authenticated  # noqa: B018
            except DATABASE_DOWN as exc:
                return self._unavailable(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_DOWN):
            return self._unavailable(request, exception)
        return None

    @staticmethod
    def _unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, first)
        return database_unavailable_response(request)
