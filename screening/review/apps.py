from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "screening.review"
    label = "review"
    verbose_name = "Clinician review"
