"""``/api/v1/expenses`` (费用): list, create, read, change, delete, and the actions
submit (approval), reimburse (已报销 mark) and receipts (upload)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.sales.expenses import selectors, services
from guanxi.sales.expenses.api.serializers import (
    ExpenseListSerializer,
    ExpenseSerializer,
    ReceiptSerializer,
    ReceiptUploadSerializer,
    ReimburseSerializer,
    SubmitSerializer,
)
from guanxi.sales.expenses.filters import ExpenseFilter


class ExpenseViewSet(OrgViewSet):
    """Expenses the caller may see (data scope of ``expenses`` by owner and department).
    The list takes ``q``, ``status``, ``category``, ``owner``, ``customer``,
    ``opportunity``, ``date_from``, ``date_to`` and ``reimbursed``."""

    module = "expenses"
    serializer_class = ExpenseSerializer
    filterset_class = ExpenseFilter
    ordering_fields = ["id", "incurred_on", "amount"]
    extra_capabilities = {"submit": "edit", "reimburse": "approve", "receipts": "edit"}
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_serializer_class(self):
        return ExpenseListSerializer if self.action == "list" else ExpenseSerializer

    def scoped_queryset(self):
        queryset = selectors.expense_queryset(employee=self.employee)
        if self.action == "list":
            return queryset.order_by("-incurred_on", "-id")
        return queryset.prefetch_related("receipts")

    def _fresh(self, pk):
        return (
            selectors.expense_queryset(employee=self.employee)
            .prefetch_related("receipts")
            .get(pk=pk)
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        expense = services.expense_create(actor=self.employee, **data)
        serializer.instance = self._fresh(expense.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        expense = services.expense_update(
            actor=self.employee, expense=serializer.instance, version=version, **data
        )
        serializer.instance = self._fresh(expense.pk)

    def perform_destroy(self, instance):
        services.expense_delete(actor=self.employee, expense=instance)

    def _answer(self, pk, code=status.HTTP_200_OK):
        return Response(ExpenseSerializer(self._fresh(pk)).data, status=code)

    @extend_schema(request=SubmitSerializer, responses={200: ExpenseSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft or rejected expense for approval: pending (``submitted``) while
        a flow of the org applies, else approved at once."""
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expense = self.get_object()
        services.expense_submit(
            actor=self.employee, expense=expense, comment=body.validated_data["comment"]
        )
        return self._answer(expense.pk)

    @extend_schema(request=ReimburseSerializer, responses={200: ExpenseSerializer})
    @action(detail=True, methods=["post"])
    def reimburse(self, request, pk=None):
        """Mark an approved expense reimbursed (``reimbursed: false`` takes the mark
        back); needs ``expenses.approve``."""
        body = ReimburseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expense = self.get_object()
        services.expense_reimburse(actor=self.employee, expense=expense, **body.validated_data)
        return self._answer(expense.pk)

    @extend_schema(request=ReceiptUploadSerializer, responses={201: ReceiptSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def receipts(self, request, pk=None):
        """Upload a receipt (multipart ``file``: an image, PDF or OFD of at most 20 MB) to
        a draft or rejected expense."""
        body = ReceiptUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        added = services.receipt_add(
            actor=self.employee, expense=self.get_object(), uploads=[body.validated_data["file"]]
        )
        return Response(ReceiptSerializer(added, many=True).data, status=status.HTTP_201_CREATED)
