"""``{{ amount|commission_money:places }}``: an amount with thousands separators, to
``places``; ``{{ rate|percent }}``: a rate in percent without trailing zeros."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def commission_money(value, places=2):
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
    try:
        number = Decimal(value).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return value
    text = f"{number:f}"
    return f"{text}%"
