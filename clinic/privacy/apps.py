from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "clinic.privacy"
    label = "privacy"
    verbose_name = "Privacy"
