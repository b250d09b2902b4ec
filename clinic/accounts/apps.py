from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clinic.accounts"
    label = "accounts"
    verbose_name = "Accounts and patients"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_migrate

        from clinic.accounts.models import Patient
        from clinic.accounts.roles import sync_roles

        # Changes to, and staff views of, a patient's record are logged.
        auditlog.register(Patient)
        # Role groups are configuration, created with the schema: after every
        # migrate, as Django itself does for permissions.
        post_migrate.connect(sync_roles, dispatch_uid="clinic_sync_roles")
