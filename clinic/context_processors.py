"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest

from clinic.accounts.roles import role_of


def clinic(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "role": role_of(user) if user is not None else None,
    }
