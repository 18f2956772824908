"""Reads of quotes: scoped querysets and access checks.

Data scope (module ``quotes``) goes by the quote's ``owner`` and ``owner_department``.
"""

import datetime

from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.orgs import policy
from guanxi.sales import startcards
from guanxi.sales.quotes.models import Quote, QuoteDelivery, QuoteLine

MODULE = "quotes"
SCOPE = {"owner": "owner", "department": "owner_department"}


def quote_queryset(*, employee):
    """Live quotes ``employee`` may see, with what the list shows in the same query."""
    queryset = Quote.objects.select_related("customer", "contact", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, queryset, **SCOPE)


def with_lines(queryset):
    """Also the lines with their products (one more query whatever their number)."""
    return queryset.prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.select_related("product"))
    )


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (Quote.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_quote(employee, pk, *, write=False, lines=False):
    """The quote if ``employee`` may see it (and ``write``: ``quotes.edit``); another
    org's or one out of their data scope is a 404, a missing permission a 403."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    queryset = quote_queryset(employee=employee)
    return _get(with_lines(queryset) if lines else queryset, pk)


def revisions(quote):
    """Every live revision of ``quote``'s code, newest first (one query)."""
    return list(
        Quote.objects.filter(code=quote.code)
        .select_related("owner")
        .only("id", "code", "revision", "status", "total", "currency", "decimals",
              "quote_date", "superseded_at", "created_at", "owner__name", "org_id")
        .order_by("-revision")
    )  # fmt: skip


def current_revision(quote):
    """The revision of ``quote``'s code that is not superseded (``quote`` itself when it
    is the current one)."""
    if not quote.superseded:
        return quote
    return Quote.objects.filter(code=quote.code, superseded_at__isnull=True).first()


def deliveries(quote, limit=20):
    """The last sendings of the quote, newest first."""
    return list(QuoteDelivery.objects.filter(quote=quote).select_related("sent_by")[:limit])


def customer_quotes(*, employee, customer_id, limit=10):
    """The customer's current quotes that ``employee`` may see, newest first, and
    whether there are more."""
    rows = list(
        quote_queryset(employee=employee)
        .filter(customer_id=customer_id, superseded_at__isnull=True)
        .order_by("-id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def my_quotes_needing_attention(*, employee, today=None, limit=8):
    """The start page's 我的报价: the employee's own current quotes waiting for approval,
    expiring within 7 days (approved or sent) or sent and not yet answered, with the
    count of each (one query; None without ``quotes.view`` or when there is none)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    today = today or timezone.localdate()
    S = Quote.Status
    reasons = [
        startcards.Reason("pending", _("待审批"), Q(status=S.PENDING), "warning"),
        startcards.Reason(
            "expiring",
            _("7天内过期"),
            Q(
                status__in=[S.APPROVED, S.SENT],
                valid_until__gte=today,
                valid_until__lte=today + datetime.timedelta(days=7),
            ),
            "danger",
        ),
        startcards.Reason("sent", _("待客户答复"), Q(status=S.SENT), "info"),
    ]
    queryset = Quote.objects.filter(owner_id=employee.pk, superseded_at__isnull=True)
    return startcards.attention(
        queryset.select_related("customer"),
        reasons,
        date_field="valid_until",
        url=lambda quote: reverse("quotes:quote_detail", args=[quote.pk]),
        text=lambda quote: f"{quote.label} · {quote.customer.name}",
        limit=limit,
    )
