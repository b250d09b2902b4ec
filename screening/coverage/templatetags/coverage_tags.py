from django import template

register = template.Library()


@register.filter
def sessions_left_for(table: dict, appointment) -> int | None:
    """Sessions left on the approval covering this treatment appointment, from
    the schedule's table {(patient id, appointment type slug): left}."""
    if not table:
        return None
    return table.get((appointment.patient_id, appointment.appointment_type.slug))
