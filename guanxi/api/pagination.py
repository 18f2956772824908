"""Keyset (cursor) pagination: page 20,000 costs what page 1 costs.

The list shape is ``{"items": [...], "count": N, "next": cursor|null}``;
``count`` stops at ``COUNT_LIMIT`` (then it is that limit and
``count_is_estimate`` is true) so a list never pays for an exact COUNT(*).
The count of the first page travels on in the ``next``/``previous`` cursors, so
turning pages costs no count: it is the count when the reader started.
"""

import binascii
from base64 import b64decode, b64encode
from urllib import parse

from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

COUNT_LIMIT = 10_000


def capped_count(queryset, limit=COUNT_LIMIT):
    """Count up to ``limit`` + 1 rows; returns (count, exact)."""
    n = queryset.order_by()[: limit + 1].count()
    return (limit, False) if n > limit else (n, True)


def count_and_newest(queryset, size, limit=COUNT_LIMIT):
    """The capped count and the ids of the newest ``size`` rows, from one statement:
    ``(count, exact, ids)``.

    A first page newest first used to cost two walks over the same rows: the capped
    count, then the page itself, which (filtered and scoped) has to collect and sort the
    matches all the same. Reading up to ``limit`` + 1 ids newest first does both: their
    number is the count, the first ``size`` are the page.
    """
    ids = list(queryset.order_by("-pk").values_list("pk", flat=True)[: limit + 1])
    count, exact = (limit, False) if len(ids) > limit else (len(ids), True)
    return count, exact, ids[:size]


def count_token(count, exact):
    """The count as a page link carries it: ``"1234"``, or ``"10000+"`` past the cap."""
    return str(count) if exact else f"{count}+"


def parse_count_token(value):
    """``(count, exact)`` from ``count_token``'s form; None for anything else (then the
    list counts afresh)."""
    if not value or len(value) > 8:
        return None
    exact = not value.endswith("+")
    digits = value if exact else value[:-1]
    if not digits.isdigit() or int(digits) > COUNT_LIMIT:
        return None
    return int(digits), exact


def carried_count(encoded):
    """The count a DRF cursor carries (see ``CursorPagination.encode_cursor``)."""
    if not encoded:
        return None
    try:
        tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"))
    except (binascii.Error, UnicodeError, ValueError):
        return None  # a damaged cursor: the pagination answers it
    return parse_count_token(tokens.get("n", [""])[0])


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    ordering = "-id"
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        encoded = request.query_params.get(self.cursor_query_param)
        carried = carried_count(encoded)
        if carried:
            self._count, self._exact = carried
        elif encoded is None and tuple(self.get_ordering(request, queryset, view)) == ("-id",):
            # the first page newest first: its rows and the count from one statement
            size = (self.get_page_size(request) or self.page_size) + 1
            self._count, self._exact, ids = count_and_newest(queryset, size)
            queryset = queryset.filter(pk__in=ids)
        else:
            self._count, self._exact = capped_count(queryset)
        return super().paginate_queryset(queryset, request, view)

    def encode_cursor(self, cursor):
        tokens = {"o": str(cursor.offset)} if cursor.offset else {}
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        tokens["n"] = count_token(self._count, self._exact)
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_paginated_response(self, data):
        return Response(
            {
                "items": data,
                "count": self._count,
                "count_is_estimate": not self._exact,
                "next": self.get_next_link(),
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "count", "next"],
            "properties": {
                "items": schema,
                "count": {"type": "integer"},
                "count_is_estimate": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }


class WholeListPagination(pagination.BasePagination):
    """Small setup collections (departments, roles, dictionaries…) in one page,
    in the same ``{"items", "count", "next"}`` shape as every other list."""

    def paginate_queryset(self, queryset, request, view=None):
        self._items = list(queryset)
        return self._items

    def get_paginated_response(self, data):
        return Response({"items": data, "count": len(self._items), "next": None})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "count", "next"],
            "properties": {
                "items": schema,
                "count": {"type": "integer"},
                "next": {"type": "string", "nullable": True},
            },
        }
