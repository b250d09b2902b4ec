"""Signals of the screening layer, for the layers above it to act on.

`results_replaced` is sent when intakes that already had a current result get
a new one (a rescreen, a second screening): their earlier flags are history
and the new ones are new rows. Sent with `intake_ids`, inside the transaction
that stored them. The review layer carries its flag acknowledgements forward
to the new flags (screening.review.services.acknowledgements_carry_forward).
"""

from django.dispatch import Signal

results_replaced = Signal()
