"""Payment plans (分期收款计划): instalments ``[{amount, due_date}]`` of a contract.

The rule: every amount is greater than 0 and has at most the contract's decimal places,
every due date is a real date, and the amounts sum *exactly* to the contract total at
those places. ``split_evenly`` makes such a plan: equal instalments cut to those places,
the last one taking the rounding remainder (100.00 in 3 → 33.33, 33.33, 33.34).
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

MAX_INSTALMENTS = 120
MAX_AMOUNT = Decimal(10) ** 14  # what the stored columns hold
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


@dataclass(frozen=True)
class PlannedInstalment:
    amount: Decimal
    due_date: datetime.date


def _step(places):
    return Decimal(1).scaleb(-int(places))


def _places_of(number):
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _amount(value):
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(str(value or "").strip())
    except ValueError:
        return None


def clean_plan(raw, *, total, places, currency="") -> list[PlannedInstalment]:
    """Validate a payment plan against the contract ``total`` (already at ``places``).

    ``raw`` is a list of ``{amount, due_date}``; an empty plan is allowed here (a draft
    may have none yet; submitting asks for one). Raises ``ValidationError({"payment_plan":
    [...]})`` with one message per problem, each naming the instalment, and a message
    with both figures when the amounts do not sum to the total."""
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"payment_plan": [_("收款计划格式不正确。")]}, code="invalid")
    if len(raw) > MAX_INSTALMENTS:
        raise ValidationError(
            {"payment_plan": [_("收款计划最多 %(count)s 期。") % {"count": MAX_INSTALMENTS}]},
            code="invalid",
        )
    messages = []
    planned = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            messages.append(_("第 %(number)s 期：格式不正确。") % {"number": number})
            continue
        amount = _amount(item.get("amount"))
        due = _date(item.get("due_date"))
        problem = None
        if amount is None:
            problem = _("请填写有效的金额。")
        elif amount <= 0:
            problem = _("金额必须大于 0。")
        elif amount >= MAX_AMOUNT:
            problem = _("金额过大。")
        elif _places_of(amount) > places:
            problem = _("金额最多 %(places)s 位小数。") % {"places": places}
        if problem:
            messages.append(
                _("第 %(number)s 期：%(problem)s") % {"number": number, "problem": problem}
            )
        if due is None:
            messages.append(
                _("第 %(number)s 期：请填写有效的到期日（如 2026-12-31）。") % {"number": number}
            )
        elif not EARLIEST <= due <= LATEST:
            messages.append(_("第 %(number)s 期：到期日超出范围。") % {"number": number})
        if problem is None and due is not None and EARLIEST <= due <= LATEST:
            planned.append(PlannedInstalment(amount=amount.quantize(_step(places)), due_date=due))
    if not messages and planned:
        planned_sum = sum((p.amount for p in planned), Decimal(0))
        if planned_sum != Decimal(total):
            messages.append(
                _("各期金额合计 %(sum)s 与合同总额 %(total)s 不一致（相差 %(diff)s）。")
                % {
                    "sum": f"{planned_sum:,.{places}f}",
                    "total": f"{Decimal(total):,.{places}f}",
                    "diff": f"{Decimal(total) - planned_sum:,.{places}f}",
                }
            )
    if messages:
        raise ValidationError({"payment_plan": messages}, code="invalid")
    return planned


def add_months(day, months):
    """``day`` moved by ``months`` calendar months (the 31st becomes the month's last)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def split_evenly(total, count, first_due, *, places, months_between=1) -> list[PlannedInstalment]:
    """``count`` instalments summing exactly to ``total``: each the total divided evenly
    and cut to ``places``, the last taking what remains; due ``first_due`` and every
    ``months_between`` months after."""
    total = Decimal(total).quantize(_step(places))
    count = int(count)
    if count < 1 or count > MAX_INSTALMENTS:
        raise ValidationError(
            {"payment_plan": [_("期数必须在 1 到 %(count)s 之间。") % {"count": MAX_INSTALMENTS}]}
        )
    if total <= 0:
        raise ValidationError({"payment_plan": [_("合同总额为 0，无需收款计划。")]})
    share = (total / count).quantize(_step(places), rounding=ROUND_DOWN)
    if share <= 0:
        raise ValidationError({"payment_plan": [_("期数过多：每期金额会是 0。")]})
    plan = [
        PlannedInstalment(amount=share, due_date=add_months(first_due, i * months_between))
        for i in range(count - 1)
    ]
    plan.append(
        PlannedInstalment(
            amount=total - share * (count - 1),
            due_date=add_months(first_due, (count - 1) * months_between),
        )
    )
    return plan
