"""The credit check (信用检查) run when an order is confirmed.

An order fails it when

* the customer's credit rating is "stop" (停止交易) — ``credit_stopped``, always refused;
* the customer's open receivables plus this order's total exceed its credit limit (when
  one is set) — ``credit_limit_exceeded``;
* the customer's receivables overdue by more than the org's ``credit_overdue_days`` sum
  to more than its ``credit_overdue_amount`` — ``credit_overdue``.

An order made from a contract adds nothing new to the exposure (the contract's
instalments are already receivables), so only its customer's record counts.

The result is stored on the order as a JSON dict (code and figures) and turned into
readable text in the reader's language by ``reason``.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.sales.contracts.documents import money_text
from guanxi.sales.receivables.selectors import credit_exposure

STOPPED = "credit_stopped"
LIMIT = "credit_limit_exceeded"
OVERDUE = "credit_overdue"
STOP_RATING = "stop"


def check(order, *, settings, today=None) -> dict:
    """The failed checks of ``order`` (``{}`` when it passes): ``code`` (the most severe:
    stopped, then limit, then overdue), ``codes`` (all that failed) and the figures as
    strings. Reads the customer's exposure in one query."""
    today = today or timezone.localdate()
    customer = order.customer
    places = int(settings.order_decimals)
    exposure = credit_exposure(
        customer_id=customer.pk, overdue_days=settings.credit_overdue_days, today=today
    )
    new_amount = Decimal(order.total) if order.is_direct else Decimal(0)
    codes = []
    if customer.credit_rating == STOP_RATING:
        codes.append(STOPPED)
    limit = customer.credit_limit
    if limit is not None and exposure.open_amount + new_amount > limit:
        codes.append(LIMIT)
    if exposure.overdue_amount > settings.credit_overdue_amount:
        codes.append(OVERDUE)
    if not codes:
        return {}
    return {
        "code": codes[0],
        "codes": codes,
        "customer": customer.name,
        "places": places,
        "currency": order.currency,
        "open": str(exposure.open_amount),
        "amount": str(new_amount),
        "limit": None if limit is None else str(limit),
        "overdue": str(exposure.overdue_amount),
        "overdue_days": settings.credit_overdue_days,
        "tolerance": str(settings.credit_overdue_amount),
        "checked_on": today.isoformat(),
    }


def reason(result: dict) -> str:
    """The readable reason of a failed check, with its figures, in the current language."""
    if not result:
        return ""
    places = int(result.get("places", 2))

    def money(name):
        return money_text(Decimal(result[name]), places)

    parts = []
    for code in result.get("codes", [result.get("code")]):
        if code == STOPPED:
            parts.append(
                _("客户“%(customer)s”的信用等级为“停止交易”，不能确认订单。")
                % {"customer": result["customer"]}
            )
        elif code == LIMIT:
            total = Decimal(result["open"]) + Decimal(result["amount"])
            parts.append(
                _(
                    "超出信用额度：未收应收款 %(open)s + 本订单 %(amount)s = %(sum)s，"
                    "超过信用额度 %(limit)s（超出 %(over)s）。"
                )
                % {
                    "open": money("open"),
                    "amount": money("amount"),
                    "sum": money_text(total, places),
                    "limit": money("limit"),
                    "over": money_text(total - Decimal(result["limit"]), places),
                }
            )
        elif code == OVERDUE:
            parts.append(
                _("逾期超过 %(days)s 天的应收款共 %(overdue)s，超过容忍金额 %(tolerance)s。")
                % {
                    "days": result["overdue_days"],
                    "overdue": money("overdue"),
                    "tolerance": money("tolerance"),
                }
            )
    return " ".join(parts)
