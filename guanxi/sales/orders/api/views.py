"""``/api/v1/orders``: sales orders in the caller's data scope; confirming runs the
credit check."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action

from guanxi.sales.orders import selectors, services
from guanxi.sales.orders.api.serializers import OrderDeliverySerializer, OrderSerializer
from guanxi.sales.orders.filters import OrderFilter
from guanxi.sales.viewsets import DocumentViewSet


class OrderViewSet(DocumentViewSet):
    """Sales orders (销售订单): direct (``customer`` + ``lines``) or from an effective
    ``contract`` (its customer and lines). ``lines`` are ``[{product, quantity,
    unit_price, discount, tax_rate}]``. Only drafts can be changed (422 otherwise);
    PATCH with ``version`` (409 when stale)."""

    module = "orders"
    places_setting = "order_decimals"
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["id", "code", "total", "order_date", "created_at"]
    extra_capabilities = {
        "confirm": "edit",
        "cancel": "edit",
        "complete": "edit",
        "delivery": "edit",
    }

    def scoped_queryset(self):
        return selectors.with_lines(selectors.order_queryset(employee=self.employee))

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        for name in ("contract", "quote"):
            if data.get(name) is None:
                data.pop(name, None)
        if "contract" not in data and "quote" not in data:
            data.setdefault("lines", [])
        serializer.instance = services.order_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        data.pop("contract", None)
        data.pop("quote", None)
        serializer.instance = services.order_update(
            actor=self.employee, order=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.order_delete(actor=self.employee, order=instance)

    @extend_schema(
        request=None,
        responses={
            200: OrderSerializer,
            422: OpenApiResponse(
                description="Refused: code credit_limit_exceeded | credit_overdue | "
                "credit_stopped (detail: the reason with its figures), "
                "order_already_confirmed, approval_pending, order_no_lines"
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm the order after the credit check. Passed: ``confirmed``. Failed: 422
        with ``code`` and a readable ``detail`` (the org refuses, or the rating is
        "stop"), or, when the org routes failures to approval, ``status: pending`` with
        the reason in ``credit_reason``; it is confirmed when approved."""
        order = services.order_confirm(actor=self.employee, order=self.get_object())
        return self._reloaded(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft or confirmed order (its receivable too; refused once paid)."""
        order = services.order_cancel(actor=self.employee, order=self.get_object())
        return self._reloaded(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """A confirmed order is fulfilled."""
        order = services.order_complete(actor=self.employee, order=self.get_object())
        return self._reloaded(order)

    @extend_schema(request=OrderDeliverySerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def delivery(self, request, pk=None):
        """Record the delivery status (and dates) of a confirmed order."""
        body = OrderDeliverySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.order_set_delivery(
            actor=self.employee, order=self.get_object(), **body.validated_data
        )
        return self._reloaded(order)
