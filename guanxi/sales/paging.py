"""Keyset pagination of the sales lists (leads, opportunities, quotes, contracts, orders,
receivables, payments, invoices), with the customer list's rules: page 20,000 costs what
page 1 costs, and the count stops at ``COUNT_LIMIT`` ("10,000+") and is carried on by the
page links (``n``), so turning pages costs no count.

A list sorts by one column and the id, both the same way (``("-received_at", "-pk")``),
or by the id alone (``("-pk",)``; ``"id"`` means ``"pk"``). The next page's link
carries the last row's key:
``after=<id>`` and, when sorting by a column, ``at=<its value>`` (left out when it is
empty: empty values come last in either direction). The footer is
``core/_keyset_pager.html``.
"""

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

from guanxi.api.pagination import (
    COUNT_LIMIT,
    capped_count,
    count_and_newest,
    count_token,
    parse_count_token,
)

PAGING = ("after", "at", "n", "page")


def list_params(request) -> list[tuple[str, str]]:
    """The list's own query parameters (filters, sort; repeated ones too), without the
    paging ones: what the page links keep."""
    return [
        (key, value)
        for key, values in request.GET.lists()
        if key not in PAGING
        for value in values
        if value
    ]


def _pk(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _ordering(name: str | None, descending: bool) -> list[Any]:
    pk = "-pk" if descending else "pk"
    if name is None:
        return [pk]
    column = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
    return [column, pk]


def _after(name, field, value, pk, descending) -> Q:
    """The rows after the key (``value``, ``pk``) in the list's order (empty values
    last)."""
    beyond = "lt" if descending else "gt"
    if name is None:
        return Q(**{f"pk__{beyond}": pk})
    if value is None:
        return Q(**{f"{name}__isnull": True, f"pk__{beyond}": pk})
    q = Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, f"pk__{beyond}": pk})
    if field.null:
        q |= Q(**{f"{name}__isnull": True})
    return q


def _text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def keyset_page(
    request, queryset: QuerySet, *, order: tuple[str, ...], size: int, params=None
) -> tuple[list[Any], dict[str, Any]]:
    """``(rows, pager)``: one page of ``queryset`` in ``order``, for
    ``core/_keyset_pager.html``. ``params`` are the list's own query parameters
    (filters, sort; ``list_params`` by default), kept on the page links. Two queries on
    the first page (the capped count and the rows; one when sorting by the id, newest
    first), one on the next ones."""
    params = list_params(request) if params is None else list(params)
    descending = order[-1].startswith("-")
    name = order[0].lstrip("-") if len(order) == 2 else None
    field = queryset.model._meta.get_field(name) if name else None
    after = _pk(request.GET.get("after"))
    value = None
    if after is not None and field is not None and request.GET.get("at"):
        try:
            value = field.to_python(request.GET["at"])
        except ValidationError:
            after = None  # a damaged link: the first page
    carried = parse_count_token(request.GET.get("n")) if after is not None else None
    page = queryset
    if (
        after is None and name is None and descending
    ):  # newest first: count and page in one statement
        count, exact, ids = count_and_newest(queryset, size + 1, COUNT_LIMIT)
        page = queryset.filter(pk__in=ids)
    else:
        count, exact = carried or capped_count(queryset, COUNT_LIMIT)
        if after is not None:
            page = queryset.filter(_after(name, field, value, after, descending))
    rows = list(page.order_by(*_ordering(name, descending))[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    next_url = None
    if has_next:
        last = rows[-1]
        key = {"after": str(last.pk)}
        if name is not None and getattr(last, name) is not None:
            key["at"] = _text(getattr(last, name))
        key["n"] = count_token(count, exact)
        next_url = "?" + urlencode([*params, *key.items()])
    query = urlencode(params)
    return rows, {
        "count": count,
        "count_exact": exact,
        "count_limit": COUNT_LIMIT,
        "next_url": next_url,
        "first_url": "?" + query if query else "?",
        "is_later_page": after is not None,
        "current_query": query,
    }
