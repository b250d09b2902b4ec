"""Template helpers of the patient's appointments page."""

from __future__ import annotations

from django import template

from clinic.scheduling.forms import ChangeRequestForm
from clinic.scheduling.models import offset_words as _offset_words
from clinic.scheduling.preparation import preparation_lines

register = template.Library()


@register.simple_tag
def request_form_for(appointment) -> ChangeRequestForm:
    """An empty change-request form whose element ids belong to this
    appointment alone (`request-<id>-kind_0`), so a label on one card never
    ticks another card's radio."""
    return ChangeRequestForm(auto_id=f"request-{appointment.pk}-%s")


@register.filter
def preparation(appointment_type) -> list[str]:
    return preparation_lines(appointment_type.preparation)


@register.filter
def offset_words(minutes) -> str:
    """1440 -> "24 hours before"."""
    return _offset_words(int(minutes))
