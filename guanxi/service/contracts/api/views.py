"""``/api/v1/service-contracts`` (服务合同, in the caller's data scope) and
``/api/v1/entitlement`` (what covers service on an item)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.catalog.models import Product
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.service.contracts import entitlement, selectors, services
from guanxi.service.contracts.api.serializers import (
    EntitlementQuerySerializer,
    EntitlementSerializer,
    ServiceContractSerializer,
)
from guanxi.service.contracts.filters import ServiceContractFilter
from guanxi.service.installed import selectors as installed_selectors


class ServiceContractViewSet(OrgViewSet):
    """Service contracts: customer, period, coverage ``items``
    (``[{"installed_product": id} | {"product": id}]``), response promise, visits
    included, price. Created as a draft; ``POST …/{id}/activate`` (signed),
    ``…/cancel``, ``…/renew`` (the next period's draft, 201). PATCH a draft or active
    contract with ``version`` (409 when stale). Overlapping coverage is refused (422
    ``coverage_overlap``). Filters: ``status``, ``customer``, ``owner``,
    ``installed_product``, ``expiring``, ``end_from``, ``end_to``, ``q``."""

    module = "service_contracts"
    serializer_class = ServiceContractSerializer
    filterset_class = ServiceContractFilter
    ordering_fields = ["id", "code", "start_date", "end_date", "created_at"]
    extra_capabilities = {"activate": "edit", "cancel": "edit", "renew": "edit"}

    def scoped_queryset(self):
        return selectors.with_items(selectors.contract_queryset(employee=self.employee))

    def _data(self, serializer):
        data = dict(serializer.validated_data)
        if "items" in data:
            data["items"] = [
                {k: v for k, v in dict(item).items() if v is not None} for item in data["items"]
            ]
        return data.pop("version", None), data

    def _reloaded(self, contract, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=contract.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED and "id" in response.data:
            return self._reloaded(self.get_queryset().get(pk=response.data["id"]), 201)
        return response

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        for name in ("customer", "title", "start_date", "end_date"):
            data.setdefault(name, None)
        serializer.instance = services.service_contract_create(
            actor=self.employee, **services.fields_of(data)
        )

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.service_contract_update(
            actor=self.employee, contract=serializer.instance, version=version,
            **services.fields_of(data),
        )  # fmt: skip

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            return self._reloaded(self.get_queryset().get(pk=response.data["id"]))
        return response

    def perform_destroy(self, instance):
        services.service_contract_delete(actor=self.employee, contract=instance)

    @extend_schema(request=None, responses=ServiceContractSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """The signed draft becomes active (422 once its period is over, without items,
        or overlapping another contract's coverage)."""
        contract = services.service_contract_activate(
            actor=self.employee, contract=self.get_object()
        )
        return self._reloaded(contract)

    @extend_schema(request=None, responses=ServiceContractSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft or active contract."""
        contract = services.service_contract_cancel(actor=self.employee, contract=self.get_object())
        return self._reloaded(contract)

    @extend_schema(request=None, responses={201: ServiceContractSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """The next period's draft with the same coverage (422 ``already_renewed``)."""
        renewal = services.service_contract_renew(actor=self.employee, contract=self.get_object())
        return self._reloaded(renewal, status.HTTP_201_CREATED)


class EntitlementView(APIView):
    """``GET /api/v1/entitlement?customer=&installed_product=&product=&on=``: what covers
    service on the item — an active service contract, the warranty, an effective sales
    contract, or nothing — whether it is chargeable, the visits left and the response
    promise. Needs ``service_contracts.view`` or ``installed_products.view``; the
    customer and installed product must be visible to the caller (404 otherwise)."""

    permission_classes = [IsEmployee]

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", int, required=True),
            OpenApiParameter("installed_product", int),
            OpenApiParameter("product", int),
            OpenApiParameter("on", str, description="YYYY-MM-DD (default: today)"),
        ],
        responses=EntitlementSerializer,
    )
    def get(self, request):
        employee = request._request.employee
        if not (
            policy.can(employee, "service_contracts.view")
            or policy.can(employee, "installed_products.view")
        ):
            raise ApiPermissionDenied(_("您没有查看服务保障的权限。"))
        query = EntitlementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        customer = (
            customer_selectors.customer_queryset(employee=employee)
            .filter(pk=data["customer"])
            .first()
        )
        if customer is None:
            raise Http404
        item = None
        if data.get("installed_product"):
            item = (
                installed_selectors.installed_queryset(employee=employee)
                .filter(pk=data["installed_product"], customer_id=customer.pk)
                .first()
            )
            if item is None:
                raise Http404
        product = None
        if data.get("product"):
            product = Product.objects.filter(pk=data["product"]).first()
            if product is None:
                raise ApiValidationError({"product": [_("产品不存在。")]})
        result = entitlement.entitlement_for(
            customer=customer, installed_product=item, product=product, on=data.get("on")
        )
        return Response(EntitlementSerializer(result).data)
