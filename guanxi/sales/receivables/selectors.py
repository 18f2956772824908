"""Reads of receivables, payments and invoices: scoped querysets, access helpers, and the
figures built on them (credit exposure, ageing, DSO, statement of account).

Scoping: module ``payments`` (data scope by ``owner`` / ``owner_department``) for all
three record kinds. ``credit_exposure`` and ``receivables_for_source`` are system reads
for contracts and orders: they answer for the whole org (inside its scope).

Overdue days of a receivable on ``today``: ``today - due_date``; a receivable due today is
not yet overdue. Ageing buckets: not yet due (≤ 0), 1–30, 31–60, 61–90, over 90 days.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.sales.receivables.models import (
    ZERO,
    Invoice,
    Payment,
    PaymentAllocation,
    Receivable,
)

MODULE = "payments"
DSO_WINDOW_DAYS = 90
LIVE = (Receivable.Status.OPEN, Receivable.Status.PARTLY_PAID)
BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
_MONEY = DecimalField(max_digits=20, decimal_places=6)


def _open_expression():
    return ExpressionWrapper(F("amount") - F("paid_amount"), output_field=_MONEY)


def _sum(queryset, expression):
    return queryset.aggregate(total=Coalesce(Sum(expression), Value(ZERO), output_field=_MONEY))[
        "total"
    ]


# ---- contracts / orders interface ----------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    open_amount: Decimal
    overdue_amount: Decimal
    oldest_overdue_days: int


def credit_exposure(*, customer_id, overdue_days, today=None):
    """What ``customer_id`` owes now: ``open_amount`` = sum of (amount − paid) of its
    receivables that are neither cancelled nor fully paid; ``overdue_amount`` = the part of
    it due more than ``overdue_days`` days ago; ``oldest_overdue_days`` = days past due of
    its oldest unpaid receivable due before today (0 when none)."""
    today = today or timezone.localdate()
    rows = Receivable.objects.filter(customer_id=customer_id, status__in=LIVE)
    limit = today - datetime.timedelta(days=max(int(overdue_days or 0), 0))
    figures = rows.aggregate(
        open=Coalesce(Sum(_open_expression()), Value(ZERO), output_field=_MONEY),
        overdue=Coalesce(
            Sum(_open_expression(), filter=Q(due_date__lt=limit)),
            Value(ZERO),
            output_field=_MONEY,
        ),
    )
    oldest = (
        rows.filter(due_date__lt=today)
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    return Exposure(
        open_amount=figures["open"],
        overdue_amount=figures["overdue"],
        oldest_overdue_days=(today - oldest).days if oldest else 0,
    )


def receivables_for_source(*, source_type, source_id):
    """The receivables made from one contract or order (cancelled ones included)."""
    return Receivable.objects.filter(source_type=source_type, source_id=source_id).order_by(
        "due_date", "pk"
    )


# ---- scoped querysets and access -----------------------------------------------------------


def receivable_queryset(*, employee):
    qs = Receivable.objects.select_related("customer", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, qs)


def payment_queryset(*, employee):
    qs = Payment.objects.select_related("customer", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, qs)


def invoice_queryset(*, employee):
    qs = Invoice.objects.select_related("customer", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, qs)


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_receivable(employee, pk, *, write=False):
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    return _get(receivable_queryset(employee=employee), pk)


def access_payment(employee, pk, *, write=False):
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    return _get(payment_queryset(employee=employee), pk)


def access_invoice(employee, pk, *, write=False):
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    return _get(invoice_queryset(employee=employee), pk)


def overdue_q(today):
    return Q(status__in=LIVE, due_date__lt=today)


def receivable_allocations(receivable):
    return (
        PaymentAllocation.objects.filter(receivable_id=receivable.pk)
        .select_related("payment")
        .order_by("payment__received_at", "pk")
    )


def payment_allocations(payment):
    return (
        PaymentAllocation.objects.filter(payment_id=payment.pk)
        .select_related("receivable")
        .order_by("pk")
    )


def open_receivables_of(*, employee, customer_id):
    """The customer's receivables still to be paid that ``employee`` may see, oldest due
    first (the rows a payment can be matched to)."""
    return (
        receivable_queryset(employee=employee)
        .filter(customer_id=customer_id, status__in=LIVE)
        .order_by("due_date", "pk")
    )


def credit_balance(*, customer_id):
    """The customer's unallocated payments (credit, 预收/未核销): sum of (amount −
    allocated) of its valid payments."""
    rows = Payment.objects.filter(customer_id=customer_id, status=Payment.Status.VALID)
    return _sum(rows, ExpressionWrapper(F("amount") - F("allocated_amount"), output_field=_MONEY))


# ---- ageing and DSO ------------------------------------------------------------------------


@dataclass
class AgeingRow:
    customer_id: int
    customer_name: str
    not_due: Decimal = ZERO
    d1_30: Decimal = ZERO
    d31_60: Decimal = ZERO
    d61_90: Decimal = ZERO
    d90_plus: Decimal = ZERO
    dso: Decimal | None = None

    @property
    def overdue(self):
        return self.d1_30 + self.d31_60 + self.d61_90 + self.d90_plus

    @property
    def total(self):
        return self.not_due + self.overdue


@dataclass
class Ageing:
    rows: list = field(default_factory=list)
    totals: AgeingRow = field(default_factory=lambda: AgeingRow(0, ""))
    today: datetime.date | None = None


def bucket_of(days_overdue):
    """The ageing bucket of a receivable ``days_overdue`` days past due (≤ 0: not due)."""
    if days_overdue <= 0:
        return "not_due"
    if days_overdue <= 30:
        return "d1_30"
    if days_overdue <= 60:
        return "d31_60"
    if days_overdue <= 90:
        return "d61_90"
    return "d90_plus"


def _bucket_sums(today):
    """``Sum`` aggregates of the open amount per bucket, by due date relative to today."""
    open_amount = _open_expression()

    def between(newest, oldest):
        q = Q()
        if newest is not None:
            q &= Q(due_date__lte=today - datetime.timedelta(days=newest))
        if oldest is not None:
            q &= Q(due_date__gte=today - datetime.timedelta(days=oldest))
        return Coalesce(Sum(open_amount, filter=q), Value(ZERO), output_field=_MONEY)

    return {
        "not_due": Coalesce(
            Sum(open_amount, filter=Q(due_date__gte=today)), Value(ZERO), output_field=_MONEY
        ),
        "d1_30": between(1, 30),
        "d31_60": between(31, 60),
        "d61_90": between(61, 90),
        "d90_plus": between(91, None),
    }


def ageing(*, employee, today=None, customer_id=None, owner_id=None):
    """Open amounts per customer in the ageing buckets, with the totals and each
    customer's DSO; only the receivables ``employee`` may see. One grouped query for the
    buckets, one for the DSO sales."""
    today = today or timezone.localdate()
    rows = receivable_queryset(employee=employee).filter(status__in=LIVE)
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    if owner_id:
        rows = rows.filter(owner_id=owner_id)
    grouped = (
        rows.order_by()
        .values("customer_id", "customer__name")
        .annotate(**_bucket_sums(today))
        .order_by("customer__name", "customer_id")
    )
    result = Ageing(today=today)
    totals = result.totals
    for item in grouped:
        row = AgeingRow(item["customer_id"], item["customer__name"])
        for name in BUCKETS:
            setattr(row, name, item[name])
            setattr(totals, name, getattr(totals, name) + item[name])
        result.rows.append(row)
    sales = credit_sales(
        employee=employee, customer_ids=[row.customer_id for row in result.rows], today=today
    )
    for row in result.rows:
        row.dso = dso_value(row.total, sales.get(row.customer_id, ZERO))
    totals.dso = dso_value(totals.total, sum(sales.values(), ZERO))
    return result


def credit_sales(*, employee, customer_ids, today=None, days=DSO_WINDOW_DAYS):
    """``{customer id: amount}``: receivables booked (credit sales) in the last ``days``
    days up to ``today``, not cancelled, that ``employee`` may see."""
    today = today or timezone.localdate()
    if not customer_ids:
        return {}
    rows = (
        receivable_queryset(employee=employee)
        .exclude(status=Receivable.Status.CANCELLED)
        .filter(
            customer_id__in=list(customer_ids),
            booked_on__gt=today - datetime.timedelta(days=days),
            booked_on__lte=today,
        )
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("amount"))
    )
    return {row["customer_id"]: row["total"] for row in rows}


def dso_value(outstanding, sales, days=DSO_WINDOW_DAYS):
    """DSO (应收账款周转天数) = open receivables now ÷ credit sales booked in the last
    ``days`` days × ``days``, in days with one decimal; None when there were no sales."""
    if not sales:
        return None
    return (Decimal(outstanding) / Decimal(sales) * days).quantize(Decimal("0.1"))


def customer_dso(*, employee, customer_id, today=None):
    today = today or timezone.localdate()
    outstanding = _sum(
        receivable_queryset(employee=employee).filter(customer_id=customer_id, status__in=LIVE),
        _open_expression(),
    )
    sales = credit_sales(employee=employee, customer_ids=[customer_id], today=today)
    return dso_value(outstanding, sales.get(customer_id, ZERO))


# ---- statement of account ------------------------------------------------------------------


@dataclass
class StatementLine:
    day: datetime.date
    kind: str  # "receivable" | "payment"
    code: str
    title: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO


@dataclass
class Statement:
    customer: Customer
    start: datetime.date
    end: datetime.date
    opening: Decimal
    lines: list
    debits: Decimal
    credits: Decimal
    closing: Decimal
    currency: str


def statement(*, employee, customer, start, end, currency="CNY"):
    """A customer's statement of account (对账单) from ``start`` to ``end`` (inclusive):
    the opening balance (receivables booked before ``start`` − valid payments received
    before it), each receivable booked (debit) and payment received (credit) in the
    period in date order with the running balance, and the closing balance. Cancelled
    receivables and voided payments are left out. Only what ``employee`` may see."""
    receivables = (
        receivable_queryset(employee=employee)
        .exclude(status=Receivable.Status.CANCELLED)
        .filter(customer_id=customer.pk)
    )
    payments = payment_queryset(employee=employee).filter(
        customer_id=customer.pk, status=Payment.Status.VALID
    )
    opening = _sum(receivables.filter(booked_on__lt=start), F("amount")) - _sum(
        payments.filter(received_at__lt=start), F("amount")
    )
    lines = [
        StatementLine(row.booked_on, "receivable", row.code, row.title, row.amount, ZERO)
        for row in receivables.filter(booked_on__gte=start, booked_on__lte=end).order_by(
            "booked_on", "pk"
        )
    ]
    lines += [
        StatementLine(row.received_at, "payment", row.code, row.reference, ZERO, row.amount)
        for row in payments.filter(received_at__gte=start, received_at__lte=end).order_by(
            "received_at", "pk"
        )
    ]
    lines.sort(key=lambda line: (line.day, 0 if line.kind == "receivable" else 1))
    balance = opening
    for line in lines:
        balance = balance + line.debit - line.credit
        line.balance = balance
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    return Statement(
        customer=customer,
        start=start,
        end=end,
        opening=opening,
        lines=lines,
        debits=debits,
        credits=credits,
        closing=opening + debits - credits,
        currency=currency,
    )


# ---- customer 360 / start page -------------------------------------------------------------


def customer_summary(*, employee, customer_id, today=None, last=5):
    """Open and overdue amounts, credit balance and the last payments of one customer,
    as far as ``employee`` may see: four queries."""
    today = today or timezone.localdate()
    rows = receivable_queryset(employee=employee).filter(customer_id=customer_id, status__in=LIVE)
    figures = rows.aggregate(
        open=Coalesce(Sum(_open_expression()), Value(ZERO), output_field=_MONEY),
        overdue=Coalesce(
            Sum(_open_expression(), filter=Q(due_date__lt=today)), Value(ZERO), output_field=_MONEY
        ),
    )
    payments = payment_queryset(employee=employee).filter(
        customer_id=customer_id, status=Payment.Status.VALID
    )
    credit = _sum(
        payments, ExpressionWrapper(F("amount") - F("allocated_amount"), output_field=_MONEY)
    )
    return {
        "open_amount": figures["open"],
        "overdue_amount": figures["overdue"],
        "credit_balance": credit,
        "open_receivables": list(rows.order_by("due_date", "pk")[:last]),
        "last_payments": list(payments.order_by("-received_at", "-pk")[:last]),
    }


def my_due_receivables(*, employee, days, today=None, limit=8):
    """The employee's own receivables overdue or due within ``days`` days."""
    today = today or timezone.localdate()
    return (
        Receivable.objects.filter(
            owner_id=employee.pk,
            status__in=LIVE,
            due_date__lte=today + datetime.timedelta(days=days),
        )
        .select_related("customer")
        .order_by("due_date", "pk")[:limit]
    )
