"""``/api/v1/quotes`` (销售报价): list, create, read, change, delete, and the actions
submit, send, revise, mark (the customer's answer), pdf and deliveries."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.sales.quotes import pdf, selectors, services
from guanxi.sales.quotes.api.serializers import (
    DeliverySerializer,
    MarkSerializer,
    QuoteListSerializer,
    QuoteSerializer,
    SendSerializer,
    SubmitSerializer,
)
from guanxi.sales.quotes.filters import QuoteFilter
from guanxi.sales.quotes.models import Quote

HEADER_WRITE = ("title", "customer", "contact", "owner", "quote_date", "valid_until", "terms",
                "notes", "language")  # fmt: skip


class QuoteViewSet(OrgViewSet):
    """Quotes the caller may see (data scope of ``quotes`` by owner and department).
    The list shows current revisions (``?superseded=true|all`` for old ones) and takes
    ``customer``, ``status``, ``owner``, ``date_from``, ``date_to`` and ``q``."""

    module = "quotes"
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter
    ordering_fields = ["id", "quote_date", "valid_until", "total"]
    extra_capabilities = {
        "submit": "edit",
        "send": "edit",
        "mark": "edit",
        "revise": "create",
        "pdf": "view",
        "deliveries": "view",
    }

    def get_serializer_class(self):
        return QuoteListSerializer if self.action == "list" else QuoteSerializer

    def scoped_queryset(self):
        queryset = selectors.quote_queryset(employee=self.employee)
        return queryset if self.action == "list" else selectors.with_lines(queryset)

    def filter_queryset(self, queryset):
        # the list's filters (current revisions by default) must not hide a record
        # from its own URL: an old revision stays readable at /quotes/{id}
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _fresh(self, pk):
        return selectors.with_lines(selectors.quote_queryset(employee=self.employee)).get(pk=pk)

    @staticmethod
    def _lines(data):
        lines = data.pop("lines", None)
        return None if lines is None else [dict(line) for line in lines]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        lines = self._lines(data) or []
        quote = services.quote_create(actor=self.employee, lines=lines, **data)
        serializer.instance = self._fresh(quote.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        lines = self._lines(data)
        kwargs = {"lines": lines} if lines is not None else {}
        quote = services.quote_update(
            actor=self.employee, quote=serializer.instance, version=version, **data, **kwargs
        )
        serializer.instance = self._fresh(quote.pk)

    def perform_destroy(self, instance):
        services.quote_delete(actor=self.employee, quote=instance)

    def _answer(self, pk, code=status.HTTP_200_OK):
        return Response(QuoteSerializer(self._fresh(pk)).data, status=code)

    @extend_schema(request=SubmitSerializer, responses={200: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft: approved at once when every line discount is within the org's
        limit (or no approval flow matches); else pending approval."""
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.quote_submit(
            actor=self.employee, quote=self.get_object(), comment=body.validated_data["comment"]
        )
        return self._answer(pk)

    @extend_schema(request=SendSerializer, responses={200: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """E-mail the quote's PDF to ``to`` (comma-separated), ``cc``; status → sent.
        Refused (422) before a needed approval, when expired or superseded."""
        body = SendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.quote_send(actor=self.employee, quote=self.get_object(), **body.validated_data)
        return self._answer(pk)

    @extend_schema(request=MarkSerializer, responses={200: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        """Record the customer's answer to a sent quote (``accepted`` / ``rejected``)."""
        body = MarkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.quote_mark(
            actor=self.employee, quote=self.get_object(), outcome=body.validated_data["outcome"]
        )
        return self._answer(pk)

    @extend_schema(request=None, responses={201: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Make the next revision (same code, revision + 1, lines copied); this one is
        kept read-only as superseded."""
        new = services.quote_revise(actor=self.employee, quote=self.get_object())
        return self._answer(new.pk, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=["zh-hans", "en"])],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The printable quote (PDF), in the quote's language or ``?lang=en|zh-hans``."""
        quote = self.get_object()
        language = request.query_params.get("lang") or quote.language
        if language not in Quote.Language.values:
            language = quote.language
        response = HttpResponse(
            pdf.quote_pdf(quote, language=language), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'inline; filename="quote-{quote.code}-V{quote.revision}.pdf"'
        )
        return response

    @extend_schema(request=None, responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """Who sent the quote by e-mail, when, to whom (newest first)."""
        quote = self.get_object()
        return Response(DeliverySerializer(selectors.deliveries(quote, limit=100), many=True).data)
