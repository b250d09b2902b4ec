"""Settings for the clinic app, read from the environment.

Every variable is documented in `.env.example`. Helpers in `clinic.env` fail
loudly on a bad value; SQLite is the default database so a fresh checkout
runs with no setup, PostgreSQL is one `DATABASE_URL` away.
"""

import os
from pathlib import Path

import dj_database_url
import holidays
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from clinic.env import (
    env_bool,
    env_email_list,
    env_int,
    env_list,
    env_rate,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=not DEBUG)
if DEBUG and not SECRET_KEY:
    # Development only: a fixed key keeps sessions across restarts of runserver.
    SECRET_KEY = "development-only-key-never-used-when-debug-is-off"
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "clinic.accounts",
    "clinic.scheduling",
    "clinic.operations",
    "clinic.privacy",
    "clinic.treatment",
    "screening",
    "screening.review",
    "screening.coverage",
    "screening.outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so public static files keep their long cache lifetimes;
    # above the rest, so every other response (a 503 included) is no-store.
    "clinic.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: it loads the session's user first, so that
    # a database outage is a 503 here rather than an error in a later middleware.
    "clinic.operations.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "clinic.accounts.middleware.StaffMFARequiredMiddleware",
    "clinic.accounts.middleware.IdleSessionMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
                "screening.review.context_processors.review",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache is in the database, so that what it counts (login and resend
# throttles, used TOTP codes) is shared by every process and machine. The
# table is created by the accounts app's migrations.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "clinic_cache",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2 first (Django's recommendation): existing PBKDF2 hashes are upgraded
# at the next login. tests/conftest.py puts a fast hasher first for the suite.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email is the login name; patients arrive by invitation, so
# there is no open sign-up (see clinic.accounts.adapters).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# No "remember me": sessions end after the idle timeout below.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_ADAPTER = "clinic.accounts.adapters.ClinicAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Staff must enrol a second factor (clinic.accounts.middleware): TOTP with
# recovery codes, or a passkey / security key (WebAuthn). WebAuthn needs HTTPS
# except on localhost, where development may allow the insecure origin.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# One login, one throttle: allauth counts failed logins in the shared database
# cache (below), so the limit holds across worker processes and machines. A
# failure is counted per account *and* address (clinic.accounts.adapters), so
# an attacker elsewhere does not lock a clinician out; per address alone, and
# per account from all addresses at a higher bar, to stop spraying. Every
# limit cools off by itself.
# The address of a login: production runs behind one proxy (docs/deploy.md),
# which appends the client's address to X-Forwarded-For; that last entry is
# the one trusted (entries a client sends itself are ignored).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("CLINIC_TRUSTED_PROXY_COUNT", 0 if DEBUG else 1, minimum=0)
ACCOUNT_RATE_LIMITS = {
    # Every login attempt from one address (allauth's default is 30 a minute):
    # patients behind one shared address (a waiting room's Wi-Fi) log in at once.
    "login": env_rate("CLINIC_LOGIN_LIMIT", "300/m/ip"),
    "login_failed": env_rate("CLINIC_LOGIN_FAILED_LIMIT", "20/m/ip,5/15m/key"),
    "login_failed_account": env_rate("CLINIC_LOGIN_FAILED_ACCOUNT_LIMIT", "30/15m/key"),
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("CLINIC_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests run with DEBUG off but without collectstatic; whitenoise then serves
# straight from the finders.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
if not DEBUG and WHITENOISE_USE_FINDERS:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

# Email: console in development, SMTP from the environment in production.
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clinic@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: django-tasks (the backport of Django 6's tasks) on the
# database; `python manage.py task_worker` runs the queue
# (django-tasks-db's db_worker with heartbeats, leases and outage survival).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email"],
    }
}

# A task whose worker has sent no heartbeat for this long is handed to
# another worker (clinic.operations.worker; workers beat every 5 seconds).
TASK_WORKER_LEASE_SECONDS = env_int("TASK_WORKER_LEASE_SECONDS", 30, minimum=10)
# /healthz reports the worker as silent after this long without a heartbeat.
TASK_WORKER_SILENT_SECONDS = env_int("TASK_WORKER_SILENT_SECONDS", 120, minimum=30)

# Security headers. Production defaults are safe (HTTPS redirect, HSTS for a
# year with subdomains and preload, secure cookies); development (debug on)
# and the tests (tests/testenv.py) turn them off over plain http.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", not DEBUG)
# healthz answers the load balancer over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# Sessions end after a time without activity (idle timeout), shorter for
# staff; each request starts the clock again (clinic.accounts.middleware), and
# pages warn a couple of minutes before the end (static/js/session-timeout.js).
SESSION_STAFF_IDLE_SECONDS = env_int("DJANGO_SESSION_STAFF_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_PATIENT_IDLE_SECONDS = env_int("DJANGO_SESSION_PATIENT_IDLE_SECONDS", 60 * 60, minimum=60)
SESSION_WARNING_SECONDS = env_int("DJANGO_SESSION_WARNING_SECONDS", 120, minimum=10)
# Before login (and for a login with no role yet): the patients' length.
SESSION_COOKIE_AGE = SESSION_PATIENT_IDLE_SECONDS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

AUDITLOG_INCLUDE_ALL_MODELS = False

# The clinic itself.
CLINIC_NAME = env_str("CLINIC_NAME", "Riverside Interventional Psychiatry")
CLINIC_PHONE = env_str("CLINIC_PHONE", "+1 555 0199")
CLINIC_ADDRESS = env_str("CLINIC_ADDRESS", "200 River Street, Boston, MA 02114")
# Public holidays for closure days (`manage.py seed_closures`), from the
# `holidays` library: an ISO 3166 country code and optional subdivision.
CLINIC_COUNTRY = env_str("CLINIC_COUNTRY", "US")
# Set but empty means the national holidays only; unset, the default clinic's state.
CLINIC_SUBDIVISION = os.environ.get(
    "CLINIC_SUBDIVISION", "MA" if CLINIC_COUNTRY == "US" else ""
).strip()
_SUPPORTED = holidays.list_supported_countries()
if CLINIC_COUNTRY not in _SUPPORTED:
    raise ImproperlyConfigured(
        f"CLINIC_COUNTRY={CLINIC_COUNTRY!r} is not a country the holidays library knows "
        "(use an ISO 3166 code such as US, GB, ES)."
    )
if CLINIC_SUBDIVISION and CLINIC_SUBDIVISION not in _SUPPORTED[CLINIC_COUNTRY]:
    raise ImproperlyConfigured(
        f"CLINIC_SUBDIVISION={CLINIC_SUBDIVISION!r} is not a subdivision of {CLINIC_COUNTRY} "
        f"(one of {', '.join(_SUPPORTED[CLINIC_COUNTRY][:8])}, ...), or leave it empty."
    )
# The name authenticator apps show next to the staff member's code.
MFA_TOTP_ISSUER = CLINIC_NAME
CLINIC_REVIEW_WORKING_DAYS = env_int("CLINIC_REVIEW_WORKING_DAYS", 2, minimum=1)
# Addresses emailed about crisis answers in addition to the clinicians
# marked on call in the admin.
CLINIC_ONCALL_EMAILS = env_email_list("CLINIC_ONCALL_EMAILS", [])
CLINIC_BASE_URL = env_str("CLINIC_BASE_URL", "http://127.0.0.1:8000")
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1)
# New links a patient may ask for from old ones (the "send me a new link"
# button) per 24 hours; staff can always send one.
INVITATION_RESENDS_PER_DAY = env_int("INVITATION_RESENDS_PER_DAY", 3, minimum=1)
# Scheduling: days after a completed consult with nothing booked before the
# patient shows on the "needs attention" list.
CLINIC_ATTENTION_DAYS = env_int("CLINIC_ATTENTION_DAYS", 7, minimum=1)

# Every handler drops the secret tokens of links (calendar feeds, check-ins,
# invitations, password resets) from what it writes; django.server (runserver's
# request lines) gets the same filter. gunicorn's access log: gunicorn.conf.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "clinic.log_filters.RedactSecretTokens"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_tokens"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["redact_tokens"]},
        "django.security": {"filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}
