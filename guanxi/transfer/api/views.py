"""``/api/v1/imports``: upload a file, set the mapping, validate, run, get the report."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.orgs import policy
from guanxi.transfer import selectors, services
from guanxi.transfer.models import ImportBatch
from guanxi.transfer.views import error_report_response


class CanImport(BasePermission):
    """Every import call needs ``customers.import``."""

    def has_permission(self, request, view):
        if policy.can(request._request.employee, services.PERMISSION):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {
            "perm": policy.perms.label(services.PERMISSION)
        }
        return False


class ImportBatchSerializer(serializers.ModelSerializer):
    mapping = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=60),
        required=False,
        help_text=_("每列一个目标字段（与 header 对应），空字符串表示忽略该列。"),
    )
    job = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id", "entity", "original_name", "file_type", "encoding", "header", "mapping",
            "duplicate_mode", "valid_only", "status", "row_count", "created_count",
            "updated_count", "skipped_count", "error_count", "first_errors", "message", "job",
            "finished_at", "undo_result", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "entity", "original_name", "file_type", "encoding", "header", "status", "row_count",
            "created_count", "updated_count", "skipped_count", "error_count", "first_errors",
            "message", "job", "finished_at", "undo_result", "created_at", "updated_at",
        ]  # fmt: skip


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    entity = serializers.ChoiceField(
        choices=ImportBatch.Entity.choices, default=ImportBatch.Entity.CUSTOMER
    )


JOB_ANSWER = inline_serializer(
    "ImportJob",
    {
        "job": serializers.IntegerField(),
        "status": serializers.CharField(),
        "url": serializers.CharField(),
    },
)


class ImportViewSet(OrgViewSet):
    """Imports of customers from CSV (UTF-8 or GBK) or Excel .xlsx files: upload
    (the answer has the header and a guessed mapping), PATCH the mapping, the
    duplicate handling and ``valid_only``, then ``validate`` and ``run`` (both
    background jobs); ``errors`` is the CSV report of the rows with problems; ``undo``
    takes a finished import back (a background job as well)."""

    module = "customers"
    permission_classes = [IsEmployee, CanImport]
    serializer_class = ImportBatchSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["id", "created_at"]

    def scoped_queryset(self):
        return selectors.batch_queryset(employee=self.employee)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: ImportBatchSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Upload a file (multipart ``file``, ``entity=customer``)."""
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = services.import_upload(
            actor=self.employee,
            upload=body.validated_data["file"],
            entity=body.validated_data["entity"],
        )
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.import_configure(
            actor=self.employee,
            batch=serializer.instance,
            mapping=data.get("mapping"),
            duplicate_mode=data.get("duplicate_mode"),
            valid_only=data.get("valid_only"),
        )

    def perform_destroy(self, instance):
        services.import_delete(actor=self.employee, batch=instance)

    def _job_answer(self, job):
        return Response(
            {"job": job.pk, "status": job.status, "url": reverse("jobs:job_detail", args=[job.pk])},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=None, responses={202: JOB_ANSWER})
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        """Check every row in the background; nothing is written."""
        return self._job_answer(
            services.import_validate(actor=self.employee, batch=self.get_object())
        )

    @extend_schema(request=None, responses={202: JOB_ANSWER})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Import in the background (all or nothing unless ``valid_only``)."""
        return self._job_answer(services.import_start(actor=self.employee, batch=self.get_object()))

    @extend_schema(request=None, responses={202: JOB_ANSWER})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo a finished import in the background (within 7 days): the customers and
        contacts it created go to the recycle bin, the records it changed get back what
        they held, except those someone saved since."""
        return self._job_answer(services.import_undo(actor=self.employee, batch=self.get_object()))

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(description="row, column, value, problem")}
    )
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """The rows with problems as CSV (UTF-8 with BOM): row number, column, value, problem."""
        return error_report_response(self.get_object())
