from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "screening.coverage"
    label = "coverage"
    verbose_name = "Prior authorization"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from clinic.scheduling.services import booking as scheduling
        from screening.coverage import models, selectors

        # Policies keep their history; what clinicians add and the
        # authorizations are audited.
        auditlog.register(models.PayerPolicy)
        auditlog.register(models.PayerCriterion)
        auditlog.register(models.PriorAuthRecord)
        auditlog.register(models.Authorization)
        # Booking a treatment session past an approval needs an override.
        if selectors.booking_problems not in scheduling.BOOKING_OVERRIDE_CHECKS:
            scheduling.BOOKING_OVERRIDE_CHECKS.append(selectors.booking_problems)
