"""``/api/v1/mailboxes`` (the org's service mailbox: ``service_setup``),
``/api/v1/inbound-mails`` (received mails, read-only, and ``create-ticket`` for an
unmatched one) and ``/api/v1/outbound-mails`` (replies sent, read-only)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet
from guanxi.jobs import services as job_services
from guanxi.orgs import policy
from guanxi.service.mail import jobs, selectors, services
from guanxi.service.mail.api.serializers import (
    ConnectionCheckSerializer,
    CreateTicketSerializer,
    InboundMailDetailSerializer,
    InboundMailSerializer,
    MailboxSerializer,
    OutboundMailSerializer,
)
from guanxi.service.mail.filters import InboundMailFilter, OutboundMailFilter
from guanxi.service.mail.models import InboundMail, OutboundMail

READS = {"list", "retrieve"}


class SetupPermission(BasePermission):
    """Reading the mailbox needs ``service_setup.view``; anything else ``.edit``."""

    def has_permission(self, request, view):
        code = services.SETUP_VIEW if view.action in READS else services.SETUP_EDIT
        if policy.can(request._request.employee, code):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {"perm": policy.perms.label(code)}
        return False


class MailboxViewSet(OrgViewSet):
    """The org's service mailbox (one per org): IMAP to receive, SMTP to answer.
    Passwords are write-only (``has_*_password`` says whether one is stored; a blank
    one keeps it). PATCH with ``version`` (409 when stale). A second mailbox is a 422
    ``mailbox_exists``."""

    module = "service_setup"
    permission_classes = [IsEmployee, SetupPermission]
    serializer_class = MailboxSerializer
    ordering_fields = ["id"]

    def scoped_queryset(self):
        return selectors.mailbox_queryset(employee=self.employee)

    def _values(self, serializer):
        data = dict(serializer.validated_data)
        return data.pop("version", None), data

    def perform_create(self, serializer):
        _version, data = self._values(serializer)
        serializer.instance = services.mailbox_save(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._values(serializer)
        serializer.instance = services.mailbox_save(
            actor=self.employee, mailbox=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.mailbox_delete(actor=self.employee, mailbox=instance)

    @extend_schema(request=None, responses=ConnectionCheckSerializer)
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request, pk=None):
        """Connect to the IMAP and SMTP servers with the saved settings and say how it
        went (nothing is written)."""
        check = services.mailbox_test_connection(actor=self.employee, mailbox=self.get_object())
        return Response(
            {
                "ok": check.ok,
                "imap_ok": check.imap_ok,
                "imap_message": check.imap_message,
                "smtp_ok": check.smtp_ok,
                "smtp_message": check.smtp_message,
            }
        )

    @extend_schema(
        request=None,
        responses={202: OpenApiResponse(description="The job: {id, kind, status}")},
    )
    @action(detail=True, methods=["post"])
    def poll(self, request, pk=None):
        """Poll the mailbox now, as a background job (``/api/v1/jobs/{id}``)."""
        self.get_object()
        job = job_services.job_start(actor=self.employee, kind=jobs.POLL_KIND)
        return Response(
            {"id": job.pk, "kind": job.kind, "status": job.status},
            status=status.HTTP_202_ACCEPTED,
        )


class MailReadPermission(BasePermission):
    def has_permission(self, request, view):
        if selectors.can_read_mail(request._request.employee):
            return True
        self.message = _("您没有查看服务邮件的权限。")
        return False


class InboundMailViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Mails the service mailbox received and what became of each (``status``):
    ``ticket_created``, ``appended``, ``unmatched`` (waiting for someone to pick the
    customer), ``ignored_loop``, ``rejected_too_large``, ``failed``, ``dismissed``.
    Readable with ``service_setup.view`` (all) or ``tickets.view`` (those without a
    ticket and those of tickets in your data scope)."""

    permission_classes = [IsEmployee, MailReadPermission]
    serializer_class = InboundMailSerializer
    filterset_class = InboundMailFilter
    ordering_fields = ["id", "received_at"]

    @property
    def employee(self):
        return self.request._request.employee

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InboundMail.objects.none()
        return selectors.inbound_queryset(employee=self.employee)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return InboundMailDetailSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        mail = selectors.access_inbound(self.employee, kwargs.get("pk"))
        return Response(InboundMailDetailSerializer(mail).data)

    @extend_schema(
        request=CreateTicketSerializer,
        responses={
            201: InboundMailDetailSerializer,
            422: OpenApiResponse(description="code mail_already_handled"),
        },
    )
    @action(detail=True, methods=["post"], url_path="create-ticket", filterset_class=None)
    def create_ticket(self, request, pk=None):
        """Open the ticket of an unmatched mail for ``customer`` (and optionally
        ``contact``, one of its contacts; ``tickets.create``)."""
        body = CreateTicketSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mail = selectors.access_inbound(self.employee, pk, write=True)
        data = body.validated_data
        handled = services.inbound_create_ticket(
            actor=self.employee,
            inbound=mail,
            customer=data["customer"],
            contact=data.get("contact"),
            subject=data.get("subject") or "",
            category=data.get("category") or services.DEFAULT_CATEGORY,
        )
        fresh = selectors.access_inbound(self.employee, handled.pk)
        return Response(InboundMailDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InboundMailDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def dismiss(self, request, pk=None):
        """Set an unmatched mail aside (``tickets.create``)."""
        mail = selectors.access_inbound(self.employee, pk, write=True)
        services.inbound_dismiss(actor=self.employee, inbound=mail)
        return Response(
            InboundMailDetailSerializer(selectors.access_inbound(self.employee, pk)).data
        )


class OutboundMailViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Agents' replies sent by e-mail: ``queued`` (with ``next_attempt_at`` after a
    failure), ``sent``, ``failed`` (after the last attempt; ``POST {id}/retry`` sends it
    again with ``tickets.edit``)."""

    permission_classes = [IsEmployee, MailReadPermission]
    serializer_class = OutboundMailSerializer
    filterset_class = OutboundMailFilter
    ordering_fields = ["id", "sent_at"]

    @property
    def employee(self):
        return self.request._request.employee

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutboundMail.objects.none()
        return selectors.outbound_queryset(employee=self.employee)

    @extend_schema(request=None, responses=OutboundMailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def retry(self, request, pk=None):
        """Send a failed reply again."""
        outbound = selectors.access_outbound(self.employee, pk, write=True)
        services.outbound_retry(actor=self.employee, outbound=outbound)
        return Response(self.get_serializer(selectors.access_outbound(self.employee, pk)).data)
