"""``/api/v1/work-reports`` and ``/api/v1/work-report-templates`` (工作报告)."""

from django.db.models import Avg, Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.workspace.reports import selectors, services
from guanxi.workspace.reports.api.serializers import (
    CommentSerializer,
    ReadResultSerializer,
    ReportTemplateSerializer,
    RevisionSerializer,
    ScoreResultSerializer,
    ScoreSerializer,
    VersionSerializer,
    WorkReportSerializer,
)
from guanxi.workspace.reports.filters import ReportTemplateFilter, WorkReportFilter
from guanxi.workspace.reports.models import (
    ReportComment,
    ReportRevision,
    ReportScore,
    ReportTemplate,
)


class ReportTemplateViewSet(OrgViewSet):
    """Report templates (setup): ``work_report_templates.*`` permissions. A template with
    reports cannot be deleted (422): deactivate it."""

    module = "work_report_templates"
    serializer_class = ReportTemplateSerializer
    filterset_class = ReportTemplateFilter
    ordering_fields = ["id", "name"]

    def scoped_queryset(self):
        return selectors.template_queryset(employee=self.employee)

    def _data(self, serializer):
        data = dict(serializer.validated_data)
        if "fields" in data:
            data["fields"] = [dict(item) for item in data["fields"]]
        return data.pop("version", None), data

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        serializer.instance = services.template_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.template_update(
            actor=self.employee, template=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.template_delete(actor=self.employee, template=instance)


class WorkReportViewSet(OrgViewSet):
    """Work reports the caller may see: their own (drafts only to them), and submitted
    reports of those below them in the manager chain, of their data scope, or naming them
    as a reader. Only the author changes a report. ``?author= ?template= ?period_start=
    ?status=`` filter the list."""

    module = "work_reports"
    serializer_class = WorkReportSerializer
    filterset_class = WorkReportFilter
    ordering_fields = ["id", "period_start", "submitted_at"]
    extra_capabilities = {
        "submit": "edit",
        "comments": "view",
        "score": "edit",
        "read": "view",
        "history": "view",
    }

    def scoped_queryset(self):
        return selectors.report_queryset(employee=self.employee).prefetch_related("readers")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        template_id = data.pop("template", None)
        template = ReportTemplate.objects.filter(pk=template_id).first() if template_id else None
        if template is None:
            raise ApiValidationError({"template": [_("报告模板不存在。")]})
        report = services.report_create(actor=self.employee, template=template, **data)
        serializer.instance = self._fresh(report.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        data.pop("date", None)
        template = data.pop("template", None)
        if template is not None and template != serializer.instance.template_id:
            raise ApiValidationError({"template": [_("报告的模板不能更改。")]})
        report = services.report_update(
            actor=self.employee, report=serializer.instance, version=version, **data
        )
        serializer.instance = self._fresh(report.pk)

    def perform_destroy(self, instance):
        services.report_delete(actor=self.employee, report=instance)

    def _fresh(self, pk):
        return self.scoped_queryset().get(pk=pk)

    @extend_schema(request=VersionSerializer, responses={200: WorkReportSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft (its author); required fields must be filled."""
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.report_submit(
            actor=self.employee,
            report=self.get_object(),
            version=body.validated_data.get("version"),
        )
        return Response(self.get_serializer(self._fresh(report.pk)).data)

    @extend_schema(methods=["get"], responses={200: CommentSerializer(many=True)})
    @extend_schema(methods=["post"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """The report's comments (GET), or add one (POST ``{"body"}``) as a reader."""
        report = self.get_object()
        if request.method == "POST":
            body = CommentSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            comment = services.report_comment(
                actor=self.employee, report=report, body=body.validated_data["body"]
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        comments = ReportComment.objects.filter(report=report).select_related("author")
        return Response(CommentSerializer(comments, many=True).data)

    @extend_schema(request=ScoreSerializer, responses={200: ScoreResultSerializer})
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        """Score the report 1–5 (the author's managers, or those with them in scope)."""
        report = self.get_object()
        body = ScoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        score = services.report_score(actor=self.employee, report=report, **body.validated_data)
        stats = ReportScore.objects.filter(report=report).aggregate(
            average=Avg("score"), count=Count("id")
        )
        return Response(
            {
                "score": score.score,
                "note": score.note,
                "average": round(float(stats["average"] or 0), 2),
                "count": stats["count"],
            }
        )

    @extend_schema(request=None, responses={200: ReadResultSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the report as read (查阅) by the caller."""
        first = services.report_mark_read(actor=self.employee, report=self.get_object())
        return Response({"read": True, "first_time": first})

    @extend_schema(responses={200: RevisionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Earlier values of the submitted report, newest first (who saved over them)."""
        report = self.get_object()
        revisions = ReportRevision.objects.filter(report=report).select_related("editor")
        return Response(RevisionSerializer(revisions.order_by("-id"), many=True).data)
