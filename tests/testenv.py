"""pytest plugin loaded before Django's settings: the test environment.

Values already in the environment win, so CI's DATABASE_URL is kept.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
# The tests speak plain http: no HTTPS redirect, no HSTS (both on by default
# in production; test_security_settings checks those defaults).
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# The ORM is used from the test thread while Playwright's event loop runs.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
