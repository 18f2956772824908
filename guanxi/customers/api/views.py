"""``/api/v1/customers`` and ``/api/v1/contacts``."""

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.audit import services as audit
from guanxi.customers import jobs, selectors, services, vcard
from guanxi.customers.api.serializers import (
    BulkUpdateSerializer,
    ContactSerializer,
    CustomerCreatedSerializer,
    CustomerSerializer,
    HandoverSerializer,
    LifecycleChangeSerializer,
    MergeSerializer,
    TransferSerializer,
)
from guanxi.customers.filters import ContactFilter, CustomerFilter
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee


def _employee_or_none(pk):
    return Employee.objects.filter(pk=pk).first()


class _ScopedViewSet(OrgViewSet):
    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["employee"] = self.employee
        return context

    def _data(self, serializer):
        data = dict(serializer.validated_data)
        return data.pop("version", None), data


class CustomerViewSet(_ScopedViewSet):
    """Customers in the caller's data scope. ``q`` matches name, code, mnemonic,
    pinyin, e-mail or 4+ digits of a phone; ``cf_<code>`` filters custom fields.
    DELETE moves to the recycle bin; ``POST …/{id}/restore`` brings it back."""

    module = "customers"
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["id", "name", "code", "created_at"]
    extra_capabilities = {
        "restore": "delete",
        "duplicates": "view",
        "export": "export",
        "copy": "create",
        "transfer": "transfer",
        "handover": "transfer",
        "lifecycle_counts": "view",
        "lifecycle": "view",
        "bulk_update": "edit",
        "merge_preview": "edit",
        "merge": "edit",
    }

    def scoped_queryset(self):
        deleted = self.action == "restore"
        queryset = selectors.customer_queryset(employee=self.employee, deleted=deleted)
        if self.action == "list":
            # the list answers ids for owner, department and parent (no joins) and not
            # the columns kept for searching and matching
            queryset = queryset.select_related(None).defer(*selectors.MATCHING_COLUMNS)
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return CustomerCreatedSerializer
        return super().get_serializer_class()

    @extend_schema(request=CustomerSerializer, responses={201: CustomerCreatedSerializer})
    def create(self, request, *args, **kwargs):
        """Create a customer. The answer adds ``possible_duplicates``: the customers it
        may duplicate (same phone, e-mail or name, or a very similar name), ``items``
        (id, name, reason) for those in the caller's data scope and ``hidden_count`` for
        the others. The customer is saved either way."""
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        customer = services.customer_create(actor=self.employee, **data)
        visible, hidden = selectors.duplicate_matches(
            employee=self.employee,
            name=customer.name,
            phone=customer.phone,
            email=customer.email,
            exclude=customer.pk,
        )
        customer.possible_duplicates = {
            "items": [
                {"id": c.pk, "name": c.name, "reason": str(c.duplicate_reason)} for c in visible
            ],
            "hidden_count": hidden,
        }
        serializer.instance = customer

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.customer_update(
            actor=self.employee, customer=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.customer_delete(actor=self.employee, customer=instance)

    def retrieve(self, request, *args, **kwargs):
        """A customer that was merged away answers 308 with the survivor's address."""
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            survivor = selectors.merged_survivor(self.employee, kwargs.get("pk"))
            if survivor is None:
                raise
        location = reverse("api:customer-detail", args=[survivor.pk])
        return Response(
            {
                "detail": _("该客户已合并到 %(code)s %(name)s。")
                % {"code": survivor.code, "name": survivor.name},
                "code": "merged",
                "merged_into": survivor.pk,
            },
            status=status.HTTP_308_PERMANENT_REDIRECT,
            headers={"Location": location},
        )

    @extend_schema(
        request=BulkUpdateSerializer,
        responses=inline_serializer("BulkUpdated", {"updated": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="bulk-update")
    def bulk_update(self, request):
        """Set the same picklist values, region, stage or credit limit on many customers and
        add or remove tags; every change is validated and audited; all or nothing."""
        body = BulkUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        count = services.customers_bulk_update(
            actor=self.employee,
            customer_ids=data["customers"],
            changes=data.get("changes") or {},
            add_tags=data.get("add_tags") or [],
            remove_tags=data.get("remove_tags") or [],
        )
        return Response({"updated": count})

    @extend_schema(
        request=MergeSerializer,
        responses=inline_serializer(
            "MergePreview",
            {
                "survivor": CustomerSerializer(),
                "merged": CustomerSerializer(many=True),
                "fields": serializers.JSONField(),
                "related": serializers.JSONField(),
                "tags": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    @action(detail=False, methods=["post"], url_path="merge-preview")
    def merge_preview(self, request):
        """What merging ``merged`` into ``survivor`` would do: each field whose values
        differ (with the proposed source), and how many related records would move."""
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        preview = services.customers_merge_preview(
            actor=self.employee,
            survivor_id=body.validated_data["survivor"],
            merged_ids=body.validated_data["merged"],
        )
        return Response(
            {
                **preview,
                "survivor": self.get_serializer(preview["survivor"]).data,
                "merged": self.get_serializer(preview["merged"], many=True).data,
            }
        )

    @extend_schema(
        request=MergeSerializer,
        responses=inline_serializer(
            "Merged",
            {
                "merge": serializers.IntegerField(),
                "survivor": CustomerSerializer(),
                "moved": serializers.DictField(child=serializers.IntegerField()),
                "fields": serializers.JSONField(),
            },
        ),
    )
    @action(detail=False, methods=["post"])
    def merge(self, request):
        """Merge ``merged`` into ``survivor``: related records move, fields take the value
        of the customer ``choices`` names, the merged-away customers resolve to the
        survivor (308). All or nothing; logged."""
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        merge = services.customers_merge(
            actor=self.employee,
            survivor_id=data["survivor"],
            merged_ids=data["merged"],
            choices=data.get("choices") or {},
            version=data.get("version"),
        )
        survivor = selectors.customer_queryset(employee=self.employee).get(pk=merge.survivor_id)
        return Response(
            {
                "merge": merge.pk,
                "survivor": self.get_serializer(survivor).data,
                "moved": merge.moved,
                "fields": merge.fields,
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str),
            OpenApiParameter("phone", str),
            OpenApiParameter("email", str),
            OpenApiParameter("exclude", int, description="the customer being edited"),
        ],
        responses=inline_serializer(
            "CustomerDuplicates",
            {
                "items": CustomerSerializer(many=True),
                "count": serializers.IntegerField(),
                "next": serializers.CharField(allow_null=True),
                "hidden_count": serializers.IntegerField(),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def duplicates(self, request):
        """Possible duplicates of a customer being entered: same phone, same e-mail
        or the same distinctive name. ``hidden_count`` counts matches outside the
        caller's data scope (not shown)."""
        params = request.query_params
        try:
            exclude = int(params["exclude"]) if params.get("exclude") else None
        except ValueError:
            exclude = None
        visible, hidden = selectors.duplicate_candidates(
            employee=self.employee,
            name=params.get("name", ""),
            phone=params.get("phone", ""),
            email=params.get("email", ""),
            exclude=exclude,
        )
        items = self.get_serializer(visible, many=True).data
        return Response({"items": items, "count": len(items), "next": None, "hidden_count": hidden})

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "file_format", str, enum=list(jobs.FORMATS), description="csv (default) or xlsx"
            )
        ],
        responses={202: inline_serializer("ExportStarted", {
            "job": serializers.IntegerField(), "status": serializers.CharField(),
            "url": serializers.CharField()})},
    )  # fmt: skip
    @action(detail=False, methods=["post"])
    def export(self, request):
        """Export the customers matching the list filters (given as query
        parameters) to CSV or Excel (``file_format``) in the background; the answer names
        the job."""
        job = jobs.customers_export_start(actor=self.employee, data=request.query_params)
        return Response(
            {"job": job.pk, "status": job.status, "url": reverse("jobs:job_detail", args=[job.pk])},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=None, responses={201: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """A copy of the customer (details and custom fields, not contacts), owned by you."""
        customer = services.customer_copy(actor=self.employee, customer=self.get_object())
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TransferSerializer,
        responses=inline_serializer("Transferred", {"transferred": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"])
    def transfer(self, request):
        """Give the listed customers (and their contacts held by the previous owner)
        to another employee; all or nothing."""
        body = TransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.customers_transfer(
            actor=self.employee,
            customer_ids=body.validated_data["customers"],
            owner=_employee_or_none(body.validated_data["owner"]),
            with_contacts=body.validated_data["with_contacts"],
        )
        return Response({"transferred": count})

    @extend_schema(
        request=HandoverSerializer,
        responses=inline_serializer(
            "HandedOver",
            {
                "transferred": serializers.IntegerField(),
                "moved": serializers.DictField(child=serializers.IntegerField()),
            },
        ),
    )
    @action(detail=False, methods=["post"])
    def handover(self, request):
        """Move the customers of one employee (e.g. who is leaving) to another — all of
        them or the ``customers`` listed — with their open items; ``moved`` counts each kind."""
        body = HandoverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        source = _employee_or_none(body.validated_data["source"])
        if source is None:
            raise Http404
        moved = services.customers_handover(
            actor=self.employee,
            from_employee=source,
            to_employee=_employee_or_none(body.validated_data["target"]),
            customer_ids=body.validated_data.get("customers"),
        )
        return Response({"transferred": moved["customers"], "moved": moved})

    @extend_schema(responses=inline_serializer("LifecycleCounts", {
        stage: serializers.IntegerField() for stage in Customer.Lifecycle.values}))  # fmt: skip
    @action(detail=False, methods=["get"], url_path="lifecycle-counts")
    def lifecycle_counts(self, request):
        """How many of the customers you may see are in each lifecycle stage."""
        return Response(selectors.lifecycle_counts(employee=self.employee))

    @extend_schema(responses=LifecycleChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def lifecycle(self, request, pk=None):
        """The customer's lifecycle history, newest first."""
        history = selectors.lifecycle_history(customer=self.get_object())
        return Response(LifecycleChangeSerializer(history, many=True).data)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        customer = services.customer_restore(actor=self.employee, customer=self.get_object())
        return Response(self.get_serializer(customer).data)


class ContactViewSet(_ScopedViewSet):
    """Contacts in the caller's data scope (their own owner and owning department).
    DELETE moves to the recycle bin; ``POST …/{id}/restore`` brings it back."""

    module = "contacts"
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["id", "name", "created_at"]
    extra_capabilities = {"vcard": "export", "export": "export", "restore": "delete"}
    VCARD_LIMIT = 5000

    @extend_schema(
        request=None,
        filters=True,
        parameters=[
            OpenApiParameter("ordering", exclude=True),
            OpenApiParameter(
                "file_format", str, enum=list(jobs.FORMATS), description="csv (default) or xlsx"
            ),
        ],
        responses={202: inline_serializer("ContactExportStarted", {
            "job": serializers.IntegerField(), "status": serializers.CharField(),
            "url": serializers.CharField()})},
    )  # fmt: skip
    @action(detail=False, methods=["post"])
    def export(self, request):
        """Export the contacts matching the list filters (given as query parameters) to
        CSV or Excel (``file_format``) in the background; the answer names the job."""
        job = jobs.contacts_export_start(actor=self.employee, data=request.query_params)
        return Response(
            {"job": job.pk, "status": job.status, "url": reverse("jobs:job_detail", args=[job.pk])},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        # every condition of the contact list (the filter class), not its paging or order
        filters=True,
        parameters=[OpenApiParameter("ordering", exclude=True)],
        responses={(200, "text/vcard"): str},
    )
    @action(detail=False, methods=["get"])
    def vcard(self, request):
        """The contacts you may see (filtered like the list, at most 5,000) as one
        vCard 3.0 file. Phones are masked without "see full phone numbers";
        the export is recorded in the audit log."""
        contacts = self.filter_queryset(self.get_queryset()).order_by("customer_id", "id")
        contacts = list(contacts[: self.VCARD_LIMIT])
        employee = self.employee
        body = "".join(
            vcard.card(c, phone=lambda value: policy.mask_phone(employee, value)) for c in contacts
        )
        audit.record_export(
            actor=employee,
            entity="customers.contact",
            row_count=len(contacts),
            file_format="vcf",
            filters={  # every list condition the export applied, as the audit's record
                k: v
                for k, v in request.query_params.items()
                if v and (k in ContactFilter.base_filters or k.startswith("cf_"))
            },
        )
        response = HttpResponse(body, content_type="text/vcard; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
        return response

    def scoped_queryset(self):
        deleted = self.action == "restore"
        return selectors.contact_queryset(employee=self.employee, deleted=deleted)

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        serializer.instance = services.contact_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.contact_update(
            actor=self.employee, contact=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.contact_delete(actor=self.employee, contact=instance)

    @extend_schema(request=None, responses=ContactSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring a contact back from the recycle bin. One whose customer is in the recycle
        bin answers 422 (``customer_deleted``): restore the customer, and the contacts
        deleted with it come back too."""
        contact = services.contact_restore(actor=self.employee, contact=self.get_object())
        return Response(self.get_serializer(contact).data)
