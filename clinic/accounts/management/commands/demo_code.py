"""Print the current two-factor code of the demo staff (development only)."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.accounts.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current TOTP code for the demo staff (DJANGO_DEBUG=1 only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code is for development only (set DJANGO_DEBUG=1).")
        import time

        counter = int(time.time()) // 30
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code}  (valid for {left} more seconds)")
