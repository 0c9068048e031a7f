"""Numbers in templates as the person's language writes them: {{ value|decimal:2 }} shows 4,50 in Vietnamese."""

from django import template

from kernel.numbers import format_decimal

register = template.Library()


@register.filter(name="decimal")
def decimal_filter(value, places=None):
    """Return `value` written in the active language, with `places` decimals (default: as many as it has)."""
    if value is None or value == "":
        return ""
    return format_decimal(value, places=None if places in (None, "") else int(places))
