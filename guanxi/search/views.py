"""The global search box (``/search/``) and ``GET /api/v1/search``."""

from itertools import groupby

from django.shortcuts import render
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.core.views import employee_required
from guanxi.search.selectors import MIN_LENGTH, search


@employee_required
def results(request):
    query = (request.GET.get("q") or "").strip()[:100]
    hits = search(employee=request.employee, query=query)
    groups = [(label, list(items)) for label, items in groupby(hits, key=lambda h: h.kind_label)]
    return render(
        request,
        "search/results.html",
        {"query": query, "groups": groups, "too_short": 0 < len(query) < MIN_LENGTH},
    )


SUGGEST_LIMIT = 8


@employee_required
def suggest(request):
    """The dropdown under the search box while typing (an htmx partial): the best hits."""
    query = (request.GET.get("q") or "").strip()[:100]
    hits = search(employee=request.employee, query=query) if len(query) >= MIN_LENGTH else []
    return render(
        request,
        "search/_suggest.html",
        {"query": query, "hits": hits[:SUGGEST_LIMIT]},
    )


class SearchView(APIView):
    """Customers, contacts, employees and departments matching ``q`` (2+ characters:
    a name fragment, pinyin initials or full pinyin, 4+ digits of a phone, an
    e-mail or a code), within the caller's permissions; best matches first."""

    permission_classes = [IsEmployee]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=inline_serializer(
            "SearchResults",
            {
                "items": serializers.ListField(child=serializers.DictField()),
                "count": serializers.IntegerField(),
                "next": serializers.CharField(allow_null=True),
            },
        ),
    )
    def get(self, request):
        hits = search(employee=request._request.employee, query=request.query_params.get("q"))
        items = [
            {"type": h.kind, "id": h.id, "title": h.title, "subtitle": h.subtitle, "url": h.url}
            for h in hits
        ]
        return Response({"items": items, "count": len(items), "next": None})
