from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "clinic.operations"
    label = "operations"
    verbose_name = "Operations"
