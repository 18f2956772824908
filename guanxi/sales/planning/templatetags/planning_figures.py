"""``{{ value|figure:places }}``: a number with thousands separators, to ``places``;
``{{ value|percent }}``: a percentage with one decimal, or a dash."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def figure(value, places=2):
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value).quantize(Decimal(1).scaleb(-int(places)))
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"{number:,}"


@register.filter
def percent(value):
    if value is None or value == "":
        return "—"
    return f"{value}%"
