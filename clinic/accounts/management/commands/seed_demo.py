"""Load the demo clinic: staff, patients, and (where later apps add them)
intakes and appointments. Safe to run again: it changes nothing the second time."""

from django.core.management.base import BaseCommand

from clinic.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_people


class Command(BaseCommand):
    help = "Load demo data idempotently and print the demo logins."

    def handle(self, *args, **options) -> None:
        logins = seed_people()
        for extend in demo_extensions():
            extend(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Logins (password for all):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        for login in logins:
            self.stdout.write(f"  {login.role:<10} {login.email:<32} {login.name}")
        self.stdout.write(
            "Staff also need a two-factor code. Demo TOTP secret (all demo staff): "
            f"{DEMO_TOTP_SECRET}\n"
            "  add it to an authenticator app, or run `python manage.py demo_code` "
            "for the current code. Recovery codes (each works once):"
        )
        for login in logins:
            if login.recovery_codes:
                codes = " ".join(login.recovery_codes[:3])
                self.stdout.write(f"  {login.email:<32} {codes}")


def demo_extensions() -> list:
    """Seeders of later apps, each a callable taking stdout. They run in
    order after the people exist."""
    from importlib import import_module

    seeders = []
    for module_name in (
        "screening.demo",
        "screening.review.demo",
        "clinic.scheduling.demo",
        "screening.coverage.demo",
        "clinic.treatment.demo",
        "screening.outcomes.demo",
    ):
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        seeders.append(module.seed)
    return seeders
