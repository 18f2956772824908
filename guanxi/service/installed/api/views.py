"""``/api/v1/installed-products``: installed products whose customer the caller sees."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.service.installed import selectors, services
from guanxi.service.installed.api.serializers import (
    FromOrderSerializer,
    InstalledProductSerializer,
    InstalledStatusSerializer,
)
from guanxi.service.installed.filters import InstalledProductFilter


class InstalledProductViewSet(OrgViewSet):
    """Installed products (产品安装档案). Visible when the caller sees the customer.
    Filters: ``customer``, ``product``, ``serial_number`` (exact), ``status``,
    ``warranty`` (in / expiring / out), ``q``. PATCH with ``version`` (409 when stale).
    DELETE moves a record to the recycle bin. ``POST …/{id}/status`` retires or
    returns it; ``POST …/from-order`` registers the units of a confirmed order line."""

    module = "installed_products"
    serializer_class = InstalledProductSerializer
    filterset_class = InstalledProductFilter
    ordering_fields = ["id", "code", "install_date", "warranty_end", "created_at"]
    extra_capabilities = {"set_status": "edit", "from_order": "create"}

    def scoped_queryset(self):
        return selectors.installed_queryset(employee=self.employee)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        if data.get("warranty_months") is None:
            data.pop("warranty_months", None)
        data.setdefault("customer", None)
        data.setdefault("product", None)
        serializer.instance = services.installed_create(
            actor=self.employee, **services.fields_of(data)
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if data.get("warranty_months") is None:
            data.pop("warranty_months", None)
        serializer.instance = services.installed_update(
            actor=self.employee, item=serializer.instance, version=version,
            **services.fields_of(data),
        )  # fmt: skip

    def perform_destroy(self, instance):
        services.installed_delete(actor=self.employee, item=instance)

    def _reloaded(self, item, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data, status=code)

    @extend_schema(request=InstalledStatusSerializer, responses=InstalledProductSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        """Retire (``retired``), mark returned (``returned``) or put back ``in_use``."""
        body = InstalledStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.installed_set_status(
            actor=self.employee, item=self.get_object(), status=body.validated_data["status"]
        )
        return self._reloaded(item)

    @extend_schema(request=FromOrderSerializer, responses=InstalledProductSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="from-order")
    def from_order(self, request):
        """One record per unit of a line of a confirmed order, one serial number each
        (all or nothing)."""
        body = FromOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        made = services.installed_create_from_order(actor=self.employee, **body.validated_data)
        rows = self.get_queryset().filter(pk__in=[item.pk for item in made]).order_by("pk")
        return Response(self.get_serializer(rows, many=True).data, status=status.HTTP_201_CREATED)
