"""``/api/v1/activities`` (跟进记录) and ``/api/v1/attachments`` (客户附件)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace import selectors, services
from guanxi.workspace.activity_views import attachment_response
from guanxi.workspace.api.serializers import (
    ActivitySerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
)
from guanxi.workspace.filters import ActivityFilter, AttachmentFilter

# the services' field names that the API spells differently
API_NAMES = {"kind": "type", "next_followup_on": "next_follow_up",
             "next_followup_note": "next_follow_up_note"}  # fmt: skip


@contextmanager
def api_names():
    """Field errors of the services under the API's names of the fields."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {API_NAMES.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc


def _records(model, ids, field, message):
    """The org's records of ``ids`` (the org scope is open), in order; 400 if one is not."""
    if ids is None:
        return None
    found = {record.pk: record for record in model.objects.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({field: [message % {"ids": ", ".join(map(str, missing))}]})
    return [found[pk] for pk in ids]


class ActivityViewSet(OrgViewSet):
    """Follow-up records (跟进记录) on records the caller may see: a customer, a contact,
    or any registered record type (``target``: ``{"type": "customer", "id": 42}``). The
    owner is whoever records it; each write recomputes the customer's last and next
    follow-up. Edits and deletions need the follow-up in the caller's activities data
    scope. DELETE moves to the recycle bin. ``?owner=me&due=open`` lists my planned
    follow-ups; ``?overdue=true`` those past their date with no later follow-up."""

    module = "activities"
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["id", "occurred_at", "next_follow_up"]

    def scoped_queryset(self):
        return selectors.activity_queryset(employee=self.employee).annotate(
            next_follow_up=F("next_followup_on")
        )

    def _data(self, serializer):
        data = dict(serializer.validated_data)
        if "target_type" in data or "target_id" in data:
            data["target"] = (data.pop("target_type", None), data.pop("target_id", None))
        employees = _records(
            Employee, data.pop("participant_ids", None), "participants",
            _("员工 %(ids)s 不存在。"),
        )  # fmt: skip
        contacts = _records(
            Contact, data.pop("participant_contact_ids", None), "participant_contacts",
            _("联系人 %(ids)s 不存在。"),
        )  # fmt: skip
        if employees is not None:
            data["participants"] = employees
        if contacts is not None:
            data["participant_contacts"] = contacts
        return data.pop("version", None), data

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        with api_names():
            serializer.instance = services.activity_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        with api_names():
            serializer.instance = services.activity_update(
                actor=self.employee, activity=serializer.instance, version=version, **data
            )

    def perform_destroy(self, instance):
        services.activity_delete(actor=self.employee, activity=instance)


class CustomerAccess(BasePermission):
    """Files follow their customer: reading needs customers.view, changing customers.edit."""

    READ = {"list", "retrieve", "download"}

    def has_permission(self, request, view):
        code = "customers.view" if view.action in self.READ else "customers.edit"
        employee = request._request.employee
        if policy.can(employee, code):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {"perm": policy.perms.label(code)}
        return False


class AttachmentViewSet(OrgViewSet):
    """Files of the customers the caller may see. Upload with ``multipart/form-data``
    (``customer``, ``file``, optional ``name``; at most 20 MB, not empty); PATCH renames;
    DELETE moves to the recycle bin; ``GET …/{id}/download`` returns the file."""

    module = "customers"
    permission_classes = [IsEmployee, CustomerAccess]
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilter
    ordering_fields = ["id", "created_at", "size"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def scoped_queryset(self):
        return selectors.attachment_queryset(employee=self.employee)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = customer_selectors.access_customer(
            self.employee, body.validated_data["customer"], write=True
        )
        attachment = services.attachment_upload(
            actor=self.employee,
            customer=customer,
            upload=body.validated_data["file"],
            name=body.validated_data.get("name"),
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.attachment_rename(
            actor=self.employee,
            attachment=serializer.instance,
            name=serializer.validated_data.get("original_name", serializer.instance.original_name),
        )

    def perform_destroy(self, instance):
        services.attachment_delete(actor=self.employee, attachment=instance)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file itself, as an attachment under its original name."""
        return attachment_response(self.get_object())
