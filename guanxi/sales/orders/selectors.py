"""Reads of sales orders: scoped querysets and the access check (module ``orders``)."""

from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.orgs import policy
from guanxi.sales import startcards
from guanxi.sales.orders.models import Order, OrderLine

MODULE = "orders"


def order_queryset(*, employee, deleted=False):
    """Orders ``employee`` may see (data scope by owner and owner department)."""
    base = Order.with_deleted.filter(deleted_at__isnull=False) if deleted else Order.objects
    qs = base.select_related("customer", "contact", "contract", "owner", "owner_department")
    return policy.scope_queryset(employee, MODULE, qs)


def access_order(employee, pk, *, write=False, deleted=False):
    """The order if ``employee`` may see it (and edit orders when ``write``); else 404
    (not visible, another org's) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return order_queryset(employee=employee, deleted=deleted).get(pk=int(pk))
    except (Order.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def with_lines(queryset):
    return queryset.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )


def customer_orders(*, employee, customer_id, limit=10):
    """The customer's latest orders ``employee`` may see (one query)."""
    return list(
        order_queryset(employee=employee)
        .filter(customer_id=customer_id)
        .select_related(None)
        .select_related("owner")
        .order_by("-id")[:limit]
    )


def my_orders_needing_attention(*, employee, limit=8):
    """The start page's 我的订单: the employee's own orders waiting for credit approval,
    or confirmed and not yet delivered, with the count of each (one query; None without
    ``orders.view`` or when there is none)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return None
    S = Order.Status
    reasons = [
        startcards.Reason("pending", _("待信用审批"), Q(status=S.PENDING), "warning"),
        startcards.Reason(
            "undelivered",
            _("已确认未签收"),
            Q(status=S.CONFIRMED) & ~Q(delivery_status=Order.Delivery.DELIVERED),
            "info",
        ),
    ]
    return startcards.attention(
        Order.objects.filter(owner_id=employee.pk).select_related("customer"),
        reasons,
        date_field="order_date",
        url=lambda order: reverse("orders:order_detail", args=[order.pk]),
        text=lambda order: f"{order.code} · {order.customer.name}",
        limit=limit,
    )
