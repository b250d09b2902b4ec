from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "clinic.treatment"
    label = "treatment"
    verbose_name = "Treatment sessions"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from clinic.treatment import models

        auditlog.register(models.TreatmentSession)
        auditlog.register(models.VitalSign)
        auditlog.register(models.Addendum)
        auditlog.register(models.RemsSubmission)
        auditlog.register(models.RemsEnrollment)
        auditlog.register(models.RemsCertification)
