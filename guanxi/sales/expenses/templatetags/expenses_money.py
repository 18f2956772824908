"""``{{ amount|money:places }}``: an amount with thousands separators, rounded half-up to
``places`` (the expense pages' own copy, so they do not lean on another app's tags)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def money(value, places=2):
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"{number:,}"
