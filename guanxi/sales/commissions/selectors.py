"""Reads of commissions: periods, scoped querysets, access helpers, the rules that apply to
an employee and the source figures a statement is computed from.

Scoping: statements are owned records of module ``commissions`` (``owner`` = the employee
the statement is for, ``owner_department`` = their department when it was generated).
Rules are org-wide sales setup: ``sales_setup.view`` reads them.

Source figures (the shared sales definitions): orders with status confirmed or completed,
not deleted, dated by ``order_date``, credited to ``Order.owner``, one item per order line
(``OrderLine.total``, tax included); collections are ``PaymentAllocation.amount`` of valid
payments dated by ``Payment.received_at``, credited to the allocated receivable's owner.
Only documents in the org's base currency count (mixed currencies are not converted).
"""

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from guanxi.catalog.models import Product
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.sales.commissions.models import (
    CommissionLine,
    CommissionRule,
    CommissionStatement,
)
from guanxi.sales.contracts.models import ContractLine
from guanxi.sales.orders.models import Order, OrderLine
from guanxi.sales.receivables.models import Payment, PaymentAllocation

MODULE = "commissions"
SETUP = "sales_setup"
ORDER_STATUSES = (Order.Status.CONFIRMED, Order.Status.COMPLETED)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


# ---- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    code: str
    start: datetime.date
    end: datetime.date


def parse_period(value, field="period") -> Period:
    """``YYYY-MM`` (a month) or ``YYYY-Qn`` (a quarter) as a ``Period``; a ValidationError
    on ``field`` otherwise."""
    text = str(value or "").strip()
    month = _MONTH.match(text)
    quarter = _QUARTER.match(text)
    if month:
        year, first = int(month.group(1)), int(month.group(2))
        last = first
        code = f"{year:04d}-{first:02d}"
    elif quarter:
        year, number = int(quarter.group(1)), int(quarter.group(2))
        first, last = number * 3 - 2, number * 3
        code = f"{year:04d}-Q{number}"
    else:
        raise ValidationError({field: [_("期间格式应为 2026-05（月）或 2026-Q2（季度）。")]})
    if not (2000 <= year <= 2100) or not (1 <= first <= 12):
        raise ValidationError({field: [_("期间格式应为 2026-05（月）或 2026-Q2（季度）。")]})
    start = datetime.date(year, first, 1)
    end = datetime.date(year, last, calendar.monthrange(year, last)[1])
    return Period(code=code, start=start, end=end)


def previous_month(today) -> str:
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


# ---- rules ---------------------------------------------------------------------------------


def rule_queryset():
    return CommissionRule.objects.select_related("role", "product_line").prefetch_related(
        "tiers", "employees"
    )


def access_rule(employee, pk, *, write=False):
    policy.require(employee, f"{SETUP}.edit" if write else f"{SETUP}.view")
    return _get(rule_queryset(), pk)


def rules_for(employee, start, end):
    """Active rules valid on some day of ``start``..``end`` that apply to ``employee``
    (everyone, a role they hold, or they are named), with their tiers."""
    role_ids = [role.pk for role in policy.roles_of(employee)]
    named = CommissionRule.employees.through.objects.filter(
        commissionrule_id=OuterRef("pk"), employee_id=employee.pk
    )
    applies = (
        Q(applies_to=CommissionRule.AppliesTo.ALL)
        | Q(applies_to=CommissionRule.AppliesTo.ROLE, role_id__in=role_ids)
        | Q(Exists(named), applies_to=CommissionRule.AppliesTo.EMPLOYEES)
    )
    return list(
        CommissionRule.objects.filter(applies, active=True, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .select_related("product_line")
        .prefetch_related("tiers")
        .order_by("pk")
    )


# ---- statements ----------------------------------------------------------------------------


def statement_queryset(*, employee):
    qs = CommissionStatement.objects.select_related("owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, qs)


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_statement(employee, pk, *, write=False):
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    return _get(statement_queryset(employee=employee), pk)


def statement_lines(statement):
    return list(
        CommissionLine.objects.filter(statement_id=statement.pk)
        .select_related("created_by")
        .order_by("position", "pk")
    )


def employees_in_scope(actor):
    """Active employees whose statements ``actor`` may see (module ``commissions``)."""
    qs = Employee.objects.filter(status=Employee.Status.ACTIVE)
    scope = policy.access_for(actor).scope(MODULE)
    if not policy.can(actor, f"{MODULE}.view"):
        return qs.none()
    if scope.all:
        return qs
    return qs.filter(Q(pk=actor.pk) | Q(department_id__in=sorted(scope.department_ids)))


def employee_in_scope(actor, employee) -> bool:
    if not policy.can(actor, f"{MODULE}.view"):
        return False
    scope = policy.access_for(actor).scope(MODULE)
    return scope.all or employee.pk == actor.pk or employee.department_id in scope.department_ids


# ---- source figures ------------------------------------------------------------------------


@dataclass
class Item:
    """A piece of sales credited to the employee: an order line, or the share of an
    allocation that falls on one line of the receivable's source document."""

    kind: str
    key: Any  # what lines are grouped by besides the rule (order id / allocation id)
    source_id: int
    source_code: str
    receivable_code: str
    customer_name: str
    day: datetime.date
    product_id: int | None
    amount: Decimal


def order_items(employee, start, end, currency) -> list[Item]:
    """One item per line of the employee's confirmed/completed orders dated in the period."""
    rows = (
        OrderLine.objects.filter(
            order__owner_id=employee.pk,
            order__status__in=ORDER_STATUSES,
            order__deleted_at__isnull=True,
            order__order_date__range=(start, end),
            order__currency=currency,
        )
        .order_by("order__order_date", "order_id", "position", "pk")
        .values_list(
            "order_id",
            "order__code",
            "order__customer__name",
            "order__order_date",
            "product_id",
            "total",
        )
    )
    return [
        Item("order", order_id, order_id, code, "", customer, day, product_id, total)
        for order_id, code, customer, day, product_id, total in rows
    ]


def allocations(employee, start, end, currency):
    return list(
        PaymentAllocation.objects.filter(
            receivable__owner_id=employee.pk,
            payment__status=Payment.Status.VALID,
            payment__received_at__range=(start, end),
            payment__currency=currency,
        )
        .order_by("payment__received_at", "payment_id", "pk")
        .values(
            "pk",
            "amount",
            "payment_id",
            "payment__code",
            "payment__received_at",
            "receivable__code",
            "receivable__source_type",
            "receivable__source_id",
            "receivable__customer__name",
        )
    )


def source_lines(allocation_rows) -> dict[tuple[str, int], list[tuple[int, Decimal]]]:
    """``{(source type, source id): [(product id, line total), ...]}`` of the contracts and
    orders the allocated receivables came from (two queries at most)."""
    wanted: dict[str, set[int]] = {"contract": set(), "order": set()}
    for row in allocation_rows:
        kind, source_id = row["receivable__source_type"], row["receivable__source_id"]
        if kind in wanted and source_id:
            wanted[kind].add(source_id)
    found: dict[tuple[str, int], list[tuple[int, Decimal]]] = {}
    if wanted["contract"]:
        for contract_id, product_id, total in (
            ContractLine.objects.filter(contract_id__in=sorted(wanted["contract"]))
            .order_by("contract_id", "position", "pk")
            .values_list("contract_id", "product_id", "total")
        ):
            found.setdefault(("contract", contract_id), []).append((product_id, total))
    if wanted["order"]:
        for order_id, product_id, total in (
            OrderLine.objects.filter(order_id__in=sorted(wanted["order"]))
            .order_by("order_id", "position", "pk")
            .values_list("order_id", "product_id", "total")
        ):
            found.setdefault(("order", order_id), []).append((product_id, total))
    return found


def product_lines_of(product_ids) -> dict[int, set[int]]:
    """``{product id: {product line ids}}`` in one query."""
    ids = sorted({pk for pk in product_ids if pk})
    result: dict[int, set[int]] = {pk: set() for pk in ids}
    if not ids:
        return result
    through = Product.product_lines.through
    for product_id, line_id in through.objects.filter(product_id__in=ids).values_list(
        "product_id", "productline_id"
    ):
        result[product_id].add(line_id)
    return result
