"""Reads of expenses: scoped querysets, access checks and the sums other modules use.

Data scope (module ``expenses``) goes by the expense's ``owner`` (who spent the money)
and ``owner_department``.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.http import Http404

from guanxi.orgs import policy
from guanxi.sales.expenses.models import Expense, ExpenseReceipt

MODULE = "expenses"
SCOPE = {"owner": "owner", "department": "owner_department"}
# what counts as money spent in profitability figures: approved (reimbursed or not)
COUNTED = (Expense.Status.APPROVED,)


def expense_queryset(*, employee):
    """Live expenses ``employee`` may see, with what the list shows in the same query."""
    queryset = Expense.objects.select_related(
        "customer", "opportunity", "owner", "owner_department"
    )
    return policy.scope_queryset(employee, MODULE, queryset, **SCOPE)


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (Expense.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_expense(employee, pk, *, write=False):
    """The expense if ``employee`` may see it (and ``write``: ``expenses.edit``); another
    org's or one out of their data scope is a 404, a missing permission a 403."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    return _get(expense_queryset(employee=employee), pk)


def access_receipt(employee, pk):
    """A receipt of an expense ``employee`` may see (else 404)."""
    policy.require(employee, f"{MODULE}.view")
    try:
        receipt = ExpenseReceipt.objects.get(pk=int(pk))
    except (ExpenseReceipt.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    access_expense(employee, receipt.expense_id)
    return receipt


def receipts_of(expense):
    return list(ExpenseReceipt.objects.filter(expense_id=expense.pk).select_related("uploaded_by"))


def totals(queryset) -> list[dict[str, Any]]:
    """``[{"currency", "total", "count"}]`` of ``queryset`` (one grouped query, by currency:
    amounts in different currencies are never added up)."""
    rows = (
        queryset.order_by()
        .values("currency")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("currency")
    )
    return [
        {"currency": row["currency"], "total": row["total"] or Decimal("0"), "count": row["count"]}
        for row in rows
    ]


def expense_totals(
    customer_ids: Iterable[int],
    *,
    currency: str = "CNY",
    date_from=None,
    date_to=None,
    employee=None,
) -> dict[int, Decimal]:
    """``{customer id: approved expense total}`` in ``currency`` for customer
    profitability (one grouped query). Approved expenses count (reimbursed or not);
    drafts, pending and rejected ones do not. ``date_from``/``date_to`` bound
    ``incurred_on``; ``employee`` narrows to their data scope (None: the whole org, for
    callers that scope the customers themselves). Customers without expenses are left
    out."""
    ids = [int(pk) for pk in customer_ids]
    if not ids:
        return {}
    queryset = Expense.objects.filter(customer_id__in=ids, status__in=COUNTED, currency=currency)
    if employee is not None:
        queryset = policy.scope_queryset(employee, MODULE, queryset, **SCOPE)
    if date_from is not None:
        queryset = queryset.filter(incurred_on__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(incurred_on__lte=date_to)
    rows = queryset.order_by().values("customer_id").annotate(total=Sum("amount"))
    return {row["customer_id"]: row["total"] for row in rows}


def _summary(queryset, limit):
    rows = list(queryset.order_by("-incurred_on", "-id")[: limit + 1])
    sums = list(
        queryset.order_by()
        .values("currency")
        .annotate(
            total=Sum("amount"),
            approved=Sum("amount", filter=Q(status__in=COUNTED)),
            count=Count("id"),
        )
        .order_by("currency")
    )
    return {
        "rows": rows[:limit],
        "more": len(rows) > limit,
        "count": sum(row["count"] for row in sums),
        # by currency: {"currency", "total", "approved", "count"}
        "sums": [{**row, "approved": row["approved"] or Decimal("0")} for row in sums],
    }


def customer_expenses(*, employee, customer_id, limit=10):
    """The customer's latest expenses that ``employee`` may see and their sums (all and
    approved): two queries."""
    queryset = expense_queryset(employee=employee).filter(customer_id=customer_id)
    return _summary(queryset.select_related("owner", "opportunity"), limit)


def opportunity_expenses(*, employee, opportunity_id, limit=10):
    """The opportunity's latest expenses that ``employee`` may see and their sums."""
    queryset = expense_queryset(employee=employee).filter(opportunity_id=opportunity_id)
    return _summary(queryset.select_related("owner"), limit)
