"""``/api/v1/receivables``, ``/api/v1/payments`` and ``/api/v1/invoices`` (应收/回款/发票).

Permission module ``payments`` for all three (data scope by owner / owner department).
``DELETE`` cancels a receivable (nothing paid) or voids a payment or an invoice and takes
"payments.delete"; the ``cancel`` / ``void`` actions do the same with "payments.edit".
"""

import datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.customers.models import Customer
from guanxi.sales.receivables import selectors, services
from guanxi.sales.receivables.api.serializers import (
    AgeingSerializer,
    AllocateSerializer,
    InvoiceSerializer,
    PaymentSerializer,
    ReceivableSerializer,
    StatementSerializer,
    VersionSerializer,
    VoidSerializer,
)
from guanxi.sales.receivables.filters import InvoiceFilter, PaymentFilter, ReceivableFilter
from guanxi.sales.receivables.models import PaymentAllocation


class _MoneyViewSet(OrgViewSet):
    module = "payments"

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            if not hasattr(self, "_places"):
                self._places = services.money_places(self.employee.org_id)
            context["places"] = self._places[0]
        return context

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)


def _plain(data):
    data = dict(data)
    data.pop("version", None)
    return data


class ReceivableViewSet(_MoneyViewSet):
    """Receivables (应收款). Creating one here makes a manual receivable; those of
    contracts and orders are made by them. ``?status= ?overdue= ?due_from= ?due_to=
    ?customer= ?owner= ?q=`` filter the list."""

    serializer_class = ReceivableSerializer
    filterset_class = ReceivableFilter
    ordering_fields = ["id", "due_date", "amount", "booked_on"]
    extra_capabilities = {"cancel": "edit", "ageing": "view", "statement": "view"}

    def scoped_queryset(self):
        return selectors.receivable_queryset(employee=self.employee)

    def perform_create(self, serializer):
        data = _plain(serializer.validated_data)
        receivable = services.receivable_create_manual(
            actor=self.employee,
            customer=data["customer"],
            amount=data["amount"],
            due_date=data.get("due_date"),
            title=data.get("title", ""),
            owner=data.get("owner"),
        )
        serializer.instance = self._fresh(receivable.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if "customer" in data and data.pop("customer") != serializer.instance.customer_id:
            raise ApiValidationError({"customer": [_("客户不能更改。")]})
        receivable = services.receivable_update(
            actor=self.employee, receivable=serializer.instance, version=version, **data
        )
        serializer.instance = self._fresh(receivable.pk)

    def perform_destroy(self, instance):
        services.receivable_cancel(actor=self.employee, receivable=instance)

    @extend_schema(request=VersionSerializer, responses={200: ReceivableSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a receivable nothing has been paid of (422 ``receivable_paid`` otherwise)."""
        body = self._body(VersionSerializer)
        receivable = services.receivable_cancel(
            actor=self.employee, receivable=self.get_object(), version=body.get("version")
        )
        return Response(self.get_serializer(self._fresh(receivable.pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", OpenApiTypes.INT, description=_("只看该客户")),
            OpenApiParameter("owner", OpenApiTypes.INT, description=_("只看该负责人")),
        ],
        responses={200: AgeingSerializer},
    )
    @action(detail=False, methods=["get"])
    def ageing(self, request):
        """Open amounts by overdue age (not due, 1–30, 31–60, 61–90, 90+ days) per
        customer and in total, with each customer's DSO; within the caller's data scope."""
        result = selectors.ageing(
            employee=self.employee,
            customer_id=_int_param(request, "customer"),
            owner_id=_int_param(request, "owner"),
        )
        return Response(AgeingSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", OpenApiTypes.INT, required=True),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses={200: StatementSerializer},
    )
    @action(detail=False, methods=["get"])
    def statement(self, request):
        """A customer's statement of account (对账单) for ``start``..``end`` (default: this
        year up to today)."""
        customer_id = _int_param(request, "customer")
        customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
        if customer is None:
            raise ApiValidationError({"customer": [_("请选择本组织的客户。")]})
        start, end = period_params(request.query_params)
        result = selectors.statement(
            employee=self.employee,
            customer=customer,
            start=start,
            end=end,
            currency=services.money_places(self.employee.org_id)[1],
        )
        return Response(StatementSerializer(result, context=self.get_serializer_context()).data)


def _int_param(request, name):
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise ApiValidationError({name: [_("请输入有效的 id。")]}) from None
    if not 0 < number < 2**63:
        raise ApiValidationError({name: [_("请输入有效的 id。")]})
    return number


def period_params(params):
    """``(start, end)`` from ``start``/``end`` query values; default: this year to today.
    A field error (400) when a date is invalid or ``start`` is after ``end``."""
    today = timezone.localdate()
    result = []
    for name, default in (("start", today.replace(month=1, day=1)), ("end", today)):
        value = params.get(name)
        if not value:
            result.append(default)
            continue
        try:
            result.append(datetime.date.fromisoformat(value))
        except ValueError:
            raise ApiValidationError({name: [_("请填写有效的日期（如 2026-12-31）。")]}) from None
    if result[0] > result[1]:
        raise ApiValidationError({"start": [_("开始日期不能晚于结束日期。")]})
    return result[0], result[1]


class PaymentViewSet(_MoneyViewSet):
    """Payments (回款): ``{customer, amount, received_at, allocations: [{receivable,
    amount}]}`` plus ``method``, ``reference``, ``notes``. An allocation over the
    receivable's open amount answers 422 ``allocation_exceeds_open``; a receivable of
    another customer or org, or allocations over the payment, answer 400 on
    ``allocations``; nothing is written then. ``POST .../allocate`` matches the unallocated
    rest later; ``POST .../void`` (or ``DELETE``) reverses the payment."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["id", "received_at", "amount"]
    extra_capabilities = {"allocate": "edit", "void": "edit"}

    def scoped_queryset(self):
        allocations = PaymentAllocation.objects.select_related("receivable").order_by("pk")
        return selectors.payment_queryset(employee=self.employee).prefetch_related(
            Prefetch("allocations", queryset=allocations)
        )

    def perform_create(self, serializer):
        data = _plain(serializer.validated_data)
        payment = services.payment_create(
            actor=self.employee,
            customer=data["customer"],
            amount=data["amount"],
            received_at=data["received_at"],
            allocations=[dict(item) for item in data.get("allocations", [])],
            method=data.get("method", "transfer"),
            reference=data.get("reference", ""),
            notes=data.get("notes", ""),
            owner=data.get("owner"),
        )
        serializer.instance = self._fresh(payment.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        payment = services.payment_update(
            actor=self.employee, payment=serializer.instance, version=version, **data
        )
        serializer.instance = self._fresh(payment.pk)

    def perform_destroy(self, instance):
        services.payment_void(actor=self.employee, payment=instance)

    @extend_schema(request=AllocateSerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """Match the payment's unallocated amount to (more) receivables of its customer."""
        body = self._body(AllocateSerializer)
        payment = services.payment_allocate(
            actor=self.employee,
            payment=self.get_object(),
            allocations=[dict(item) for item in body["allocations"]],
        )
        return Response(self.get_serializer(self._fresh(payment.pk)).data)

    @extend_schema(request=VoidSerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void (reverse) the payment: its allocations are released."""
        body = self._body(VoidSerializer)
        payment = services.payment_void(
            actor=self.employee,
            payment=self.get_object(),
            reason=body.get("reason", ""),
            version=body.get("version"),
        )
        return Response(self.get_serializer(self._fresh(payment.pk)).data)


class InvoiceViewSet(_MoneyViewSet):
    """Invoices (发票) issued to customers, with the official number (unique in the org),
    type (VAT special / ordinary), amount including tax, tax, date and linked receivables.
    ``POST .../void`` (or ``DELETE``) voids one."""

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    ordering_fields = ["id", "issued_on", "amount"]
    extra_capabilities = {"void": "edit"}

    def scoped_queryset(self):
        return selectors.invoice_queryset(employee=self.employee).prefetch_related("receivables")

    def perform_create(self, serializer):
        data = _plain(serializer.validated_data)
        invoice = services.invoice_create(actor=self.employee, **data)
        serializer.instance = self._fresh(invoice.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        invoice = services.invoice_update(
            actor=self.employee, invoice=serializer.instance, version=version, **data
        )
        serializer.instance = self._fresh(invoice.pk)

    def perform_destroy(self, instance):
        services.invoice_void(actor=self.employee, invoice=instance)

    @extend_schema(request=VersionSerializer, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void (作废) the invoice; its number stays taken."""
        body = self._body(VersionSerializer)
        invoice = services.invoice_void(
            actor=self.employee, invoice=self.get_object(), version=body.get("version")
        )
        return Response(self.get_serializer(self._fresh(invoice.pk)).data)
