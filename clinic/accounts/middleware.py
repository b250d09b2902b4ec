"""Session rules for logged-in people.

- `StaffMFARequiredMiddleware`: a clinician, scheduler or admin who has not
  enrolled a second factor (TOTP, with recovery codes, or a passkey) is sent
  to the enrolment page from every page but enrolment itself, logout and the
  health check, so no patient data is shown on a password alone. The state is
  worked out at login (and when an authenticator is added or removed) and
  kept in the session, so enrolled staff pay no query for it; until they
  enrol it is looked up on each request.
- `IdleSessionMiddleware`: sessions end after a time without requests (staff
  30 minutes, patients 60 by default; see settings), each request starting
  the clock again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from clinic.accounts.roles import STAFF_ROLES, role_of

MFA_SESSION_KEY = "clinic.mfa"
MFA_OK, MFA_ENROL = "ok", "enrol"
# Second factors that count as enrolled (recovery codes back them up).
ENROLLED_TYPES = ("totp", "webauthn")
# Pages a staff member without a second factor may still open.
OPEN_URL_NAMES = frozenset(
    {"account_logout", "account_reauthenticate", "healthz", "set_language", "session_keepalive"}
)


def mfa_state(user) -> str:
    """MFA_ENROL for staff without a second factor, MFA_OK for everyone else."""
    from allauth.mfa.models import Authenticator

    if role_of(user) not in STAFF_ROLES:
        return MFA_OK
    enrolled = Authenticator.objects.filter(user=user, type__in=ENROLLED_TYPES).exists()
    return MFA_OK if enrolled else MFA_ENROL


def remember_mfa_state(request: HttpRequest, user) -> None:
    if getattr(request, "session", None) is not None:
        request.session[MFA_SESSION_KEY] = mfa_state(user)


def _open_to_unenrolled(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True  # a 404 shows nothing
    if match.url_name in OPEN_URL_NAMES:
        return True
    # allauth's two-factor pages: enrolment, recovery codes, passkeys.
    return match.func.__module__.startswith("allauth.mfa")


class StaffMFARequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            state = request.session.get(MFA_SESSION_KEY)
            if state != MFA_OK:
                # Not enrolled at login (or a session from before this rule):
                # look again, the enrolment may just have happened.
                state = mfa_state(user)
                if request.session.get(MFA_SESSION_KEY) != state:
                    request.session[MFA_SESSION_KEY] = state
            if state == MFA_ENROL and not _open_to_unenrolled(request):
                messages.warning(
                    request,
                    _(
                        "Staff accounts need two-factor authentication. Set up an "
                        "authenticator app (or a security key) to continue."
                    ),
                )
                return redirect("mfa_index")
        return self.get_response(request)


def idle_seconds_for(user) -> int:
    if role_of(user) in STAFF_ROLES:
        return settings.SESSION_STAFF_IDLE_SECONDS
    return settings.SESSION_PATIENT_IDLE_SECONDS


SEEN_SESSION_KEY = "clinic.seen"
# The idle clock is restarted (and the session saved) at most this often, so
# a page's requests do not each write the session.
REFRESH_EVERY_SECONDS = 60


def restart_idle_clock(request: HttpRequest, user) -> None:
    request.session.set_expiry(idle_seconds_for(user))
    request.session[SEEN_SESSION_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Each request of a logged-in person starts their idle clock again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return response
        if not session.session_key or session.get("_auth_user_id") is None:
            return response  # logged out during this request
        seen = session.get(SEEN_SESSION_KEY, 0)
        stale = time.time() - seen >= REFRESH_EVERY_SECONDS
        if stale or session.get("_session_expiry") != idle_seconds_for(user):
            restart_idle_clock(request, user)
        return response


def on_login(sender, request, user, **kwargs) -> None:
    """At login: the idle clock and the second-factor state for this session."""
    if getattr(request, "session", None) is None:
        return
    restart_idle_clock(request, user)
    remember_mfa_state(request, user)


def on_authenticator_changed(sender, request, user, **kwargs) -> None:
    """Enrolling or removing a second factor updates this session's state."""
    if request is not None and getattr(request, "session", None) is not None:
        remember_mfa_state(request, user)
