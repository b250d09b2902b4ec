from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "screening.review"
    label = "review"
    verbose_name = "Clinician review"

    def ready(self) -> None:
        from screening.review.services import acknowledgements_carry_forward
        from screening.signals import results_replaced

        # A flag read by a clinician stays read when the intake is screened again.
        results_replaced.connect(
            acknowledgements_carry_forward, dispatch_uid="review_acknowledgements_carry_forward"
        )
