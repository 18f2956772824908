"""``/api/v1/repairs``, ``/api/v1/packing-lists``, ``/api/v1/service-outlets`` and
``/api/v1/fee-lists``: thin viewsets over the repairs services and selectors."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import ModulePermission, OrgViewSet
from guanxi.orgs import policy
from guanxi.service.repairs import selectors, services
from guanxi.service.repairs.api.serializers import (
    EntitlementSerializer,
    FeeListSerializer,
    OutletSerializer,
    PackingListSerializer,
    RepairSerializer,
    TransitionSerializer,
)
from guanxi.service.repairs.filters import OutletFilter, PackingListFilter, RepairFilter

REFUSED = OpenApiResponse(
    description="Refused by a business rule: ``code`` says which (e.g. repair_bad_transition, "
    "repair_closed, packing_list_closed)"
)


class _ServiceViewSet(OrgViewSet):
    nested: tuple[str, ...] = ()

    def _data(self, serializer):
        data = dict(serializer.validated_data)
        for name in self.nested:
            if name in data:
                data[name] = [dict(row) for row in data[name]]
        return data.pop("version", None), data

    def _reloaded(self, record, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED and "id" in response.data:
            return self._reloaded(self.get_queryset().get(pk=response.data["id"]), 201)
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            return self._reloaded(self.get_queryset().get(pk=response.data["id"]))
        return response


class RepairViewSet(_ServiceViewSet):
    """Repairs (产品维修), in the caller's ``repairs`` data scope (the technician is the
    owner). ``parts`` are ``[{product, quantity, unit_price?, note?}]``; a blank price
    takes the fee list's part price, then the product's. PATCH with ``parts`` replaces
    them; with ``version`` a stale edit is a 409. Amounts are rounded to the org's
    decimal places; a repair that is not ``chargeable`` has ``total`` 0 and keeps its
    ``value``."""

    module = "repairs"
    serializer_class = RepairSerializer
    filterset_class = RepairFilter
    ordering_fields = ["id", "code", "received_on", "total", "created_at"]
    nested = ("parts",)
    extra_capabilities = {"transition": "edit", "entitlement": "edit", "packing_list": "create"}

    def scoped_queryset(self):
        return selectors.with_parts(selectors.repair_queryset(employee=self.employee))

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        # a diagnosis or result known at intake is written right after, in one transaction
        later = {name: data.pop(name) for name in ("diagnosis", "result") if name in data}
        with transaction.atomic():
            repair = services.repair_create(actor=self.employee, **data)
            if any(later.values()):
                repair = services.repair_update(actor=self.employee, repair=repair, **later)
        serializer.instance = repair

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        data.pop("customer", None)
        data.pop("ticket", None)
        serializer.instance = services.repair_update(
            actor=self.employee, repair=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.repair_delete(actor=self.employee, repair=instance)

    @extend_schema(request=TransitionSerializer, responses={200: RepairSerializer, 422: REFUSED})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the status: received → diagnosing → repairing ↔ waiting_parts → done →
        returned, or cancelled; anything else is a 422 ``repair_bad_transition``."""
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        repair = services.repair_transition(
            actor=self.employee, repair=self.get_object(), **body.validated_data
        )
        return self._reloaded(repair)

    @extend_schema(request=EntitlementSerializer, responses={200: RepairSerializer, 422: REFUSED})
    @action(detail=True, methods=["post"])
    def entitlement(self, request, pk=None):
        """Whether the customer pays (warranty, contract) and why; charges follow."""
        body = EntitlementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        repair = services.repair_set_entitlement(
            actor=self.employee, repair=self.get_object(), **body.validated_data
        )
        return self._reloaded(repair)

    @extend_schema(request=None, responses={201: PackingListSerializer})
    @action(detail=True, methods=["post"], url_path="packing-list")
    def packing_list(self, request, pk=None):
        """生成装箱单: a draft packing list with the repair's parts."""
        packing = services.packing_list_create(actor=self.employee, repair=self.get_object().pk)
        fresh = selectors.with_lines(selectors.packing_list_queryset(employee=self.employee)).get(
            pk=packing.pk
        )
        return Response(PackingListSerializer(fresh).data, status=status.HTTP_201_CREATED)


class PackingListViewSet(_ServiceViewSet):
    """Packing lists (装箱单), module ``repairs``. From a ``repair`` its customer and parts
    are taken; the ship-to defaults to the customer's name, phone and address. ``lines``
    (``[{product, quantity, serial_numbers, note}]``) change only before shipping."""

    module = "repairs"
    serializer_class = PackingListSerializer
    filterset_class = PackingListFilter
    ordering_fields = ["id", "code", "created_at"]
    nested = ("lines",)
    extra_capabilities = {"transition": "edit"}

    def scoped_queryset(self):
        return selectors.with_lines(selectors.packing_list_queryset(employee=self.employee))

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        if data.get("repair") is None:
            data.pop("repair", None)
        serializer.instance = services.packing_list_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        data.pop("customer", None)
        data.pop("repair", None)
        serializer.instance = services.packing_list_update(
            actor=self.employee, packing_list=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.packing_list_delete(actor=self.employee, packing_list=instance)

    @extend_schema(
        request=TransitionSerializer, responses={200: PackingListSerializer, 422: REFUSED}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """draft → packed → shipped → delivered (packed may go back to draft)."""
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        packing = services.packing_list_transition(
            actor=self.employee, packing_list=self.get_object(), **body.validated_data
        )
        return self._reloaded(packing)


class OutletViewSet(_ServiceViewSet):
    """Service outlets (服务网点), module ``service_outlets``. ``coverage`` lists region
    prefixes; a new repair goes to the active outlet whose prefix matches the customer's
    region the longest."""

    module = "service_outlets"
    serializer_class = OutletSerializer
    filterset_class = OutletFilter
    ordering_fields = ["id", "code", "name"]

    def scoped_queryset(self):
        return selectors.outlet_queryset(employee=self.employee).prefetch_related("technicians")

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        serializer.instance = services.outlet_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.outlet_update(
            actor=self.employee, outlet=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.outlet_delete(actor=self.employee, outlet=instance)


class SetupPermission(ModulePermission):
    """Fee lists are service setup: reading needs ``service_setup.view``, every write
    (deleting too) ``service_setup.edit``."""

    def has_permission(self, request, view):
        needed = "view" if view.action in ("list", "retrieve") else "edit"
        if view.action is None or policy.can(request._request.employee, f"service_setup.{needed}"):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {
            "perm": policy.perms.label(f"service_setup.{needed}")
        }
        return False


class FeeListViewSet(_ServiceViewSet):
    """Service fee lists (服务收费标准): labour rate per hour, call-out fee, discount and
    per-product part prices (``items``: ``[{product, price}]``, replaced when given).
    One is the default (used by outlets without their own)."""

    module = "service_setup"
    permission_classes = [*OrgViewSet.permission_classes[:1], SetupPermission]
    serializer_class = FeeListSerializer
    ordering_fields = ["id", "name"]
    nested = ("items",)

    def scoped_queryset(self):
        return selectors.with_items(selectors.fee_list_queryset(employee=self.employee))

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        serializer.instance = services.fee_list_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.fee_list_update(
            actor=self.employee, fee_list=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.fee_list_delete(actor=self.employee, fee_list=instance)
