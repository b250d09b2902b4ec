from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Intakes and screening"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from screening.models import Intake

        # Changes to, and staff views of, an intake are logged.
        auditlog.register(Intake, exclude_fields=["document"])
