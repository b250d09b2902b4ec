"""django-allauth hooks: no open sign-up (patients come by invitation,
staff are created in the admin), and the login throttle.

The throttle (settings.ACCOUNT_RATE_LIMITS, counted in the shared database
cache, so it holds across processes and machines):

- `login_failed`, per account *and* address: 5 wrong passwords in 15 minutes
  from one address refuse that address for that account, even with the right
  password, until the window passes; the clinician at another address is not
  locked out. Also per address alone (many accounts from one address).
- `login_failed_account`, per account from all addresses, at a higher bar:
  slows a spread-out guessing attack; it too cools off by itself.

A successful login takes back its own count (allauth's rollback), so the
limits count failures only.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.core.internal.ratelimit import RateLimitUsage
from django.http import HttpRequest


def _login_name(credentials: dict) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


class ClinicAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """allauth's `login_failed` key: the account and the address."""
        return f"{_login_name(credentials)}|{self.get_client_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        account_usage = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed_account",
            key=_login_name(credentials),
        )
        if not account_usage:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        # One usage to take back on success, for both limits.
        pair_usage = self._login_failed_rl_usage
        self._login_failed_rl_usage = RateLimitUsage(
            usage=[*getattr(pair_usage, "usage", []), *getattr(account_usage, "usage", [])]
        )
