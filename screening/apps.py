from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Intakes and screening"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_migrate

        from screening.models import Intake
        from screening.services.policy import reference_data_seed

        # A database without the policy row (a new one, or a flushed test
        # database) gets the engine's defaults and the medication data file.
        post_migrate.connect(reference_data_seed, sender=self, dispatch_uid="screening_seed")

        # Changes to, and staff views of, an intake are logged.
        auditlog.register(Intake, exclude_fields=["document"])

        from django.contrib.auth.signals import user_logged_out

        from screening.services.intake import intake_end_resume_tokens

        def end_resume_tokens(sender, request, user, **kwargs):
            if user is not None:
                intake_end_resume_tokens(user=user)

        user_logged_out.connect(
            end_resume_tokens, weak=False, dispatch_uid="intake-end-resume-tokens"
        )
