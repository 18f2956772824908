"""Reads of sales orders: scoped querysets and the access check (module ``orders``)."""

from django.db.models import Prefetch
from django.http import Http404

from guanxi.orgs import policy
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
