"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest

from clinic.accounts.roles import role_of


def clinic(request: HttpRequest) -> dict:
    from clinic.accounts.middleware import idle_seconds_for

    user = getattr(request, "user", None)
    logged_in = user is not None and user.is_authenticated
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "role": role_of(user) if user is not None else None,
        # The idle-session warning (partials/session_timeout.html).
        "session_idle_seconds": idle_seconds_for(user) if logged_in else None,
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }
