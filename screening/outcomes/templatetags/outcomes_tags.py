from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def rate(value) -> str:
    """A rate as "42% (31-53%)", or a dash for a group under 10 courses."""
    if value is None:
        return "—"
    return _("%(p)s%% (%(low)s–%(high)s%%)") % {
        "p": round(100 * value.proportion),
        "low": round(100 * value.low),
        "high": round(100 * value.high),
    }


@register.filter
def number(value) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"
