"""Keyset (cursor) pagination: page 20,000 costs what page 1 costs.

The list shape is ``{"items": [...], "count": N, "next": cursor|null}``;
``count`` stops at ``COUNT_LIMIT`` (then it is that limit and
``count_is_estimate`` is true) so a list never pays for an exact COUNT(*).
"""

from rest_framework import pagination
from rest_framework.response import Response

COUNT_LIMIT = 10_000


def capped_count(queryset, limit=COUNT_LIMIT):
    """Count up to ``limit`` + 1 rows; returns (count, exact)."""
    n = queryset.order_by()[: limit + 1].count()
    return (limit, False) if n > limit else (n, True)


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    ordering = "-id"
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self._count, self._exact = capped_count(queryset)
        return super().paginate_queryset(queryset, request, view)

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
