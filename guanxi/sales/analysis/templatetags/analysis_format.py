"""Amounts on the analysis screen: the org's decimal places, thousands separated."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def money(value, places=2):
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value).quantize(Decimal(1).scaleb(-int(places)))
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"{number:,}"
