"""``/api/v1/conversations`` and ``/api/v1/messages`` (消息): the caller's own
conversations only (another's, or another org's, is a 404). Every active employee may
use them; there is no function permission to grant."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.pagination import CursorPagination
from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import idempotent_answer
from guanxi.workspace.messages import selectors, services
from guanxi.workspace.messages.api.serializers import (
    ConversationSerializer,
    MembersSerializer,
    MessageSerializer,
    ReadResultSerializer,
    ReadSerializer,
    UnreadTotalSerializer,
)
from guanxi.workspace.messages.models import Conversation, Message


def _target(data):
    key, pk = data.pop("target_type", ""), data.pop("target_id", None)
    if key or pk:
        return (key, pk)
    return None


class _Mine(viewsets.GenericViewSet):
    permission_classes = [IsEmployee]
    lookup_value_regex = "[0-9]{1,18}"

    @property
    def employee(self):
        return self.request._request.employee

    def idempotent(self, request, answer):
        """``answer()`` once per ``Idempotency-Key``, as every POST of the API: a retried
        send replays the first answer instead of posting the message twice."""
        return idempotent_answer(request, self.employee, answer)


class ConversationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _Mine
):
    """Your conversations, newest first (``?ordering=-last_message_at``: the latest
    message first, as the inbox shows them), each with your ``unread`` count and its
    last message. POST makes a group (``kind=group``, ``name``, ``members``) or
    finds/makes the direct conversation with ``recipient``. PATCH renames a group.
    ``…/{id}/messages`` lists (newest first, cursor pages) and POST sends;
    ``…/{id}/read`` moves your read position; ``…/{id}/members`` adds colleagues."""

    serializer_class = ConversationSerializer
    ordering_fields = ["last_message_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        return selectors.with_members(selectors.conversation_queryset(employee=self.employee))

    def _fresh(self, conversation):
        return self.get_queryset().get(pk=conversation.pk)

    def create(self, request, *args, **kwargs):
        return self.idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kind = data.get("kind") or (
            Conversation.Kind.GROUP if "members" in data else Conversation.Kind.DIRECT
        )
        if kind == Conversation.Kind.GROUP:
            conversation = services.group_create(
                actor=self.employee, name=data.get("name", ""), members=data.get("members", [])
            )
            created = True
        else:
            conversation, created = services.direct_get_or_create(
                actor=self.employee, other=data.get("recipient")
            )
        return Response(
            self.get_serializer(self._fresh(conversation)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def partial_update(self, request, *args, **kwargs):
        conversation = self.get_object()
        serializer = self.get_serializer(conversation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "name" in serializer.validated_data:
            services.group_rename(
                actor=self.employee,
                conversation=conversation,
                name=serializer.validated_data["name"],
            )
        return Response(self.get_serializer(self._fresh(conversation)).data)

    @extend_schema(
        methods=["get"],
        responses={200: MessageSerializer(many=True)},
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
    )
    @extend_schema(methods=["post"], request=MessageSerializer, responses={201: MessageSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=MessageSerializer,
    )
    def messages(self, request, pk=None):
        """GET: the conversation's messages, newest first (cursor pages). POST: send one."""
        conversation = selectors.access_conversation(self.employee, pk)
        if request.method == "POST":
            return self.idempotent(request, lambda: self._send(request, conversation))
        rows = Message.objects.filter(conversation_id=conversation.pk).select_related("sender")
        paginator = CursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)

    def _send(self, request, conversation):
        body = MessageSerializer(
            data=request.data,
            context={**self.get_serializer_context(), "in_conversation": True},
        )
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        message = services.message_send(
            actor=self.employee,
            conversation=conversation,
            body=data.get("body", ""),
            target=_target(data),
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReadSerializer, responses={200: ReadResultSerializer})
    @action(detail=True, methods=["post"], serializer_class=ReadSerializer)
    def read(self, request, pk=None):
        """You have read this conversation (up to ``up_to``, default: everything)."""
        conversation = selectors.access_conversation(self.employee, pk)
        body = ReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        position = services.conversation_mark_read(
            actor=self.employee, conversation=conversation, up_to=body.validated_data.get("up_to")
        )
        unread = selectors.access_conversation(self.employee, pk).unread
        return Response({"last_read_id": position, "unread": unread})

    @extend_schema(request=MembersSerializer, responses={200: ConversationSerializer})
    @action(detail=True, methods=["post"], serializer_class=MembersSerializer)
    def members(self, request, pk=None):
        """Add colleagues to a group you are in."""
        conversation = selectors.access_conversation(self.employee, pk)
        body = MembersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.group_add_members(
            actor=self.employee, conversation=conversation, members=body.validated_data["members"]
        )
        return Response(
            ConversationSerializer(
                self._fresh(conversation), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(responses={200: UnreadTotalSerializer})
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        pagination_class=None,
    )
    def unread_count(self, request):
        """Your unread messages over every conversation."""
        return Response({"unread": selectors.unread_total(employee=self.employee)})


class MessageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _Mine
):
    """Messages of your conversations, newest first (``?conversation=`` keeps one).
    POST sends: to a ``conversation`` you are in, or to a colleague (``recipient``: your
    direct conversation with them, made if new). Plain text, at most 2000 characters."""

    serializer_class = MessageSerializer
    ordering_fields = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        rows = selectors.message_queryset(employee=self.employee)
        conversation = self.request.query_params.get("conversation")
        if conversation is not None and self.action == "list":
            if not conversation.isdigit() or len(conversation) > 18:
                return rows.none()
            rows = rows.filter(conversation_id=int(conversation))
        return rows

    @extend_schema(
        parameters=[OpenApiParameter("conversation", int, description="会话编号")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        return self.idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        target = _target(data)
        with transaction.atomic():
            if data.get("conversation_id"):
                conversation = selectors.access_conversation(self.employee, data["conversation_id"])
                message = services.message_send(
                    actor=self.employee, conversation=conversation, body=data["body"], target=target
                )
            else:
                message = services.message_send_to(
                    actor=self.employee,
                    recipient=data["recipient"],
                    body=data["body"],
                    target=target,
                )
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)
