"""``/api/v1/tickets`` (service tickets in the caller's data scope) and
``/api/v1/service/call`` (who is calling)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet, idempotent_answer
from guanxi.orgs import policy
from guanxi.service.tickets import selectors, services
from guanxi.service.tickets.api.serializers import (
    AssignSerializer,
    AttachmentSerializer,
    CallQuerySerializer,
    MessageSerializer,
    ReopenSerializer,
    SurveySerializer,
    TicketSerializer,
    TransitionSerializer,
)
from guanxi.service.tickets.filters import TicketFilter
from guanxi.service.tickets.models import Ticket
from guanxi.workspace.activity_views import attachment_response

WRITABLE_AT_CREATE = ("assignee", "team")


def _listing(items):
    return {"items": items, "count": len(items), "next": None}


class TicketViewSet(OrgViewSet):
    """Service tickets (服务工单). ``category`` is a code of the dictionary
    ``ticket_category``; ``channel`` phone | email | web | walk_in; ``priority`` low |
    normal | high | urgent. The status moves only through the actions (``transition``,
    ``assign``, ``reopen``); PATCH changes the facts, with ``version`` (409 when stale).
    List filters: ``q``, ``status`` (or ``open``), ``category``, ``priority``,
    ``channel``, ``assignee`` (id, ``me``, ``unassigned``), ``team``, ``customer``,
    ``created_from``/``created_to``."""

    module = "tickets"
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    ordering_fields = ["id", "code", "priority", "created_at", "updated_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    extra_capabilities = {
        "assign": "edit",
        "transition": "edit",
        "reopen": "edit",
        "restore": "delete",
        "survey_link": "edit",
    }

    def scoped_queryset(self):
        return selectors.with_detail(selectors.ticket_queryset(employee=self.employee))

    def _reloaded(self, ticket, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=ticket.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.ticket_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        moved = sorted(name for name in WRITABLE_AT_CREATE if name in data)
        if moved:
            raise ValidationError(
                {name: [_("请用分配操作更换处理人和服务团队。")] for name in moved},
                code="invalid",
            )
        serializer.instance = services.ticket_update(
            actor=self.employee, ticket=serializer.instance, version=version, **data
        )

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            return self._reloaded(Ticket(pk=response.data["id"]))
        return response

    def perform_destroy(self, instance):
        services.ticket_delete(actor=self.employee, ticket=instance)

    @extend_schema(request=AssignSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the ticket to ``assignee`` by hand (``tickets.transfer`` unless taking an
        unassigned ticket oneself); ``reason`` goes into ``assignment_reason``."""
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = services.ticket_assign(
            actor=self.employee, ticket=self.get_object(), **body.validated_data
        )
        return self._reloaded(ticket)

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: TicketSerializer,
            422: OpenApiResponse(description="ticket_bad_transition | ticket_not_resolved"),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the status: new → in_progress → waiting → resolved (needs
        ``resolution``) → closed; waiting → in_progress."""
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = services.ticket_transition(
            actor=self.employee, ticket=self.get_object(), **body.validated_data
        )
        return self._reloaded(ticket)

    @extend_schema(request=ReopenSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open a resolved or closed ticket again (``reopen_count`` + 1)."""
        body = ReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = services.ticket_reopen(
            actor=self.employee, ticket=self.get_object(), **body.validated_data
        )
        return self._reloaded(ticket)

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring a deleted ticket back from the recycle bin (``tickets.delete``)."""
        ticket = services.ticket_restore(actor=self.employee, ticket=Ticket(pk=pk))
        return self._reloaded(ticket)

    @extend_schema(methods=["GET"], request=None, responses=MessageSerializer(many=True))
    @extend_schema(methods=["POST"], request=MessageSerializer, responses=MessageSerializer)
    @action(detail=True, methods=["get", "post"])
    def replies(self, request, pk=None):
        """GET: the conversation (replies, internal notes, customer messages), oldest
        first. POST ``{body, public}``: a reply to the customer, or an internal note
        with ``public: false`` (``tickets.edit``); as multipart, ``files`` (repeated) are
        attached to it and go out with the reply's e-mail."""
        ticket = self.get_object()
        if request.method == "GET":
            rows = selectors.ticket_messages(ticket=ticket)
            return Response(_listing(MessageSerializer(rows, many=True).data))

        def answer():
            body = MessageSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            message = services.ticket_reply(
                actor=self.employee,
                ticket=ticket,
                body=body.validated_data["body"],
                public=body.validated_data["public"],
                files=request.FILES.getlist("files"),
            )
            return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

        return idempotent_answer(request, self.employee, answer)

    @extend_schema(methods=["GET"], request=None, responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentSerializer},
        responses=AttachmentSerializer,
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        """GET: the ticket's files. POST (multipart, ``file``): attach a file (at most
        20 MB; images, PDF, Office, text, archives, audio/video)."""
        ticket = self.get_object()
        if request.method == "GET":
            rows = selectors.ticket_attachments(ticket=ticket)
            return Response(_listing(AttachmentSerializer(rows, many=True).data))
        attachment = services.ticket_attachment_upload(
            actor=self.employee, ticket=ticket, upload=request.FILES.get("file")
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"], request=None, responses={(200, "application/octet-stream"): bytes}
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """GET: download the file. DELETE: move it to the recycle bin."""
        self.get_object()
        write = request.method == "DELETE"
        attachment = selectors.access_attachment(self.employee, attachment_id, write=write)
        if str(attachment.ticket_id) != str(pk):
            raise Http404
        if write:
            services.ticket_attachment_delete(actor=self.employee, attachment=attachment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return attachment_response(attachment)

    @extend_schema(methods=["GET"], request=None, responses=SurveySerializer)
    @extend_schema(methods=["POST"], request=SurveySerializer, responses=SurveySerializer)
    @action(detail=True, methods=["get", "post"])
    def survey(self, request, pk=None):
        """GET: the satisfaction survey of the current closure (404 before closing).
        POST ``{score 1–5, comment}``: the agent records what the customer said (once
        per closure; 422 ``survey_answered`` / ``ticket_not_closed``)."""
        ticket = self.get_object()
        if request.method == "GET":
            survey = selectors.current_survey(ticket)
            if survey is None:
                raise Http404
            return Response(SurveySerializer(survey).data)
        policy.require(self.employee, "tickets.edit")
        body = SurveySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        survey = services.ticket_survey_record(
            actor=self.employee, ticket=ticket, **body.validated_data
        )
        return Response(SurveySerializer(survey).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: OpenApiResponse(description="{token, url}")})
    @action(detail=True, methods=["post"], url_path="survey-link")
    def survey_link(self, request, pk=None):
        """A new secret survey link for the customer (valid 14 days; replaces the
        previous one). The token is returned once."""
        token = services.ticket_survey_link(actor=self.employee, ticket=self.get_object())
        url = request.build_absolute_uri(reverse("tickets:survey_public", args=[token]))
        return Response({"token": token, "url": url}, status=status.HTTP_201_CREATED)


class MayTakeCalls(BasePermission):
    def has_permission(self, request, view):
        return policy.can(request._request.employee, "tickets.view")


class CallLookupView(APIView):
    """``GET /api/v1/service/call?number=``: the customers and contacts whose phone is
    the caller's number (``+86``, spaces and dashes ignored), each with open tickets,
    installed products and recent follow-ups, as far as the caller may see them; phone
    numbers masked unless the caller may see full numbers."""

    permission_classes = [IsEmployee, MayTakeCalls]

    @extend_schema(
        parameters=[OpenApiParameter("number", str, required=True)],
        responses=OpenApiResponse(description='{"number", "matches": [...]}'),
    )
    def get(self, request):
        query = CallQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        employee = request._request.employee
        number = selectors.normalise_number(query.validated_data["number"])
        if len(number) < selectors.MIN_CALL_DIGITS:
            raise ValidationError({"number": [_("请输入至少 5 位号码。")]}, code="invalid")
        matches = selectors.call_lookup(employee=employee, number=number)
        return Response({"number": number, "matches": [_match(employee, m) for m in matches]})


def _match(employee, match):
    customer, contact = match["customer"], match["contact"]
    mask = policy.mask_phone
    return {
        "customer": {
            "id": customer.pk,
            "code": customer.code,
            "name": customer.name,
            "phone": mask(employee, customer.phone),
            "owner": customer.owner.name if customer.owner_id else None,
            "url": reverse("customers:customer_detail", args=[customer.pk]),
        },
        "contact": None
        if contact is None
        else {
            "id": contact.pk,
            "name": contact.name,
            "title": contact.title,
            "mobile": mask(employee, contact.mobile),
            "office_phone": mask(employee, contact.office_phone),
        },
        "open_tickets": [
            {
                "id": t.pk,
                "code": t.code,
                "subject": t.subject,
                "status": t.status,
                "status_label": t.get_status_display(),
                "priority": t.priority,
                "assignee": t.assignee.name if t.assignee_id else None,
                "created_at": t.created_at,
            }
            for t in match["open_tickets"]
        ],
        "installed_products": [
            {
                "id": item.pk,
                "code": item.code,
                "product": item.product.name,
                "serial_number": item.serial_number,
                "warranty_end": item.warranty_end,
            }
            for item in match["installed_products"]
        ],
        "recent_activities": [
            {
                "id": a.pk,
                "kind": a.kind,
                "subject": a.subject,
                "content": a.content[:200],
                "occurred_at": a.occurred_at,
                "owner": a.owner.name if a.owner_id else None,
            }
            for a in match["recent_activities"]
        ],
    }
