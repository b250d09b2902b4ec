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

        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        from clinic.accounts.middleware import on_authenticator_changed, on_login

        # Session bookkeeping (clinic.accounts.middleware): the idle clock and
        # whether this member of staff still has to enrol a second factor.
        user_logged_in.connect(on_login, dispatch_uid="clinic_session_on_login")
        for signal in (mfa_signals.authenticator_added, mfa_signals.authenticator_removed):
            signal.connect(on_authenticator_changed, dispatch_uid=f"clinic_mfa_{id(signal)}")
