"""``/api/v1/contracts``: contracts in the caller's data scope, their approval, their
files, and a helper that splits a total into even instalments."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from guanxi.sales.contracts import documents, selectors, services
from guanxi.sales.contracts import payment_plan as plans
from guanxi.sales.contracts.api.serializers import (
    ContractAttachmentSerializer,
    ContractCommentSerializer,
    ContractSerializer,
    ContractUploadSerializer,
    InstalmentSerializer,
    SplitPlanSerializer,
    money,
)
from guanxi.sales.contracts.filters import ContractFilter
from guanxi.sales.viewsets import DocumentViewSet


class ContractViewSet(DocumentViewSet):
    """Contracts (销售合同). ``lines`` are ``[{product, quantity, unit_price, discount,
    tax_rate}]``; ``payment_plan`` is ``[{amount, due_date}]`` and must sum exactly to
    the total. Only drafts and rejected contracts can be changed (422 otherwise); PATCH
    with ``version`` (409 when stale). ``POST …/{id}/submit`` sends one for approval; it
    becomes effective when approved (or at once without a flow) and then has one
    receivable per instalment."""

    module = "contracts"
    places_setting = "contract_decimals"
    nested = ("lines", "payment_plan")
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["id", "code", "total", "signed_on", "created_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    extra_capabilities = {
        "submit": "edit",
        "complete": "edit",
        "terminate": "edit",
        "attachments": "view",
        "split_plan": "view",
    }

    def scoped_queryset(self):
        return selectors.with_details(selectors.contract_queryset(employee=self.employee))

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        if data.get("quote") is None:
            data.pop("quote", None)
            data.setdefault("lines", [])
        serializer.instance = services.contract_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        data.pop("quote", None)
        serializer.instance = services.contract_update(
            actor=self.employee, contract=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.contract_delete(actor=self.employee, contract=instance)

    @extend_schema(request=ContractCommentSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the contract for approval (effective at once when no flow applies)."""
        contract = self.get_object()
        body = ContractCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.contract_submit(
            actor=self.employee, contract=contract, comment=body.validated_data.get("comment", "")
        )
        return self._reloaded(contract)

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """An effective contract is fulfilled."""
        contract = services.contract_complete(actor=self.employee, contract=self.get_object())
        return self._reloaded(contract)

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """An effective contract ends early (its receivables stay)."""
        contract = services.contract_terminate(actor=self.employee, contract=self.get_object())
        return self._reloaded(contract)

    @extend_schema(
        request={"multipart/form-data": ContractUploadSerializer},
        responses=ContractAttachmentSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        """The contract's files; POST (multipart ``file``, at most 20 MB, PDF, images,
        Office documents, text, archives) adds one (needs ``contracts.edit``)."""
        contract = self.get_object()
        if request.method == "POST":
            body = ContractUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            attachment = services.attachment_upload(
                actor=self.employee, contract=contract, upload=body.validated_data["file"]
            )
            return Response(
                ContractAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED
            )
        return Response(ContractAttachmentSerializer(contract.attachments.all(), many=True).data)

    @extend_schema(request=SplitPlanSerializer, responses=InstalmentSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="split-plan")
    def split_plan(self, request):
        """Even instalments summing exactly to ``total`` (the last takes the rounding
        remainder), due ``first_due_date`` and every ``months_between`` months after;
        nothing is stored."""
        body = SplitPlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        places = documents.org_settings(self.employee.org_id).contract_decimals
        values = body.validated_data
        planned = plans.split_evenly(
            values["total"],
            values["count"],
            values["first_due_date"],
            places=places,
            months_between=values["months_between"],
        )
        return Response(
            [
                {"amount": money(p.amount, places), "due_date": p.due_date.isoformat()}
                for p in planned
            ]
        )
