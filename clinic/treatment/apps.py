from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "clinic.treatment"
    label = "treatment"
    verbose_name = "Treatment sessions"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from clinic.scheduling.services import booking
        from clinic.treatment import models, selectors

        auditlog.register(models.TreatmentSession)
        auditlog.register(models.VitalSign)
        auditlog.register(models.Addendum)
        auditlog.register(models.RemsSubmission)
        auditlog.register(models.RemsEnrollment)
        auditlog.register(models.RemsCertification)
        # The booking page warns of an esketamine session the REMS would stop.
        if selectors.booking_warning not in booking.BOOKING_WARNINGS:
            booking.BOOKING_WARNINGS.append(selectors.booking_warning)
