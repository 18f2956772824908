"""``/api/v1/service-queues``, ``/api/v1/sla-policies``, ``/api/v1/work-calendar`` (service
setup: reading takes ``service_setup.view``, any change ``service_setup.edit``), the agent board
``/api/v1/service/agents``, the caller's own status switch ``/api/v1/service/status`` and
the SLA of listed tickets ``/api/v1/tickets-sla?ids=``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import OrgViewSet, idempotent_answer
from guanxi.orgs import policy
from guanxi.service.routing import selectors, services
from guanxi.service.routing.api.serializers import (
    BoardSerializer,
    CalendarDaySerializer,
    CalendarImportAnswerSerializer,
    CalendarImportSerializer,
    ServiceQueueSerializer,
    SlaPolicySerializer,
    StatusSerializer,
    TicketSlaSerializer,
)
from guanxi.service.routing.filters import CalendarDayFilter

MAX_IDS = 100


class SetupPermission(BasePermission):
    """``service_setup`` offers view and edit only: reading takes view, any change edit."""

    def has_permission(self, request, view):
        capability = "view" if request.method in SAFE_METHODS else "edit"
        code = f"{view.module}.{capability}"
        if policy.can(request._request.employee, code):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {"perm": policy.perms.label(code)}
        return False


def _fields(validated):
    data = dict(validated)
    version = data.pop("version", None)
    return version, data


class ServiceQueueViewSet(OrgViewSet):
    """Routing queues (服务队列): which tickets (category codes, products, product
    categories) go to which team, in ``position`` order; the ``is_default`` queue takes
    the rest. ``skills`` are skill codes that count as a match besides the ticket's
    category. PATCH with ``version`` (409 when stale)."""

    module = "service_setup"
    permission_classes = [IsEmployee, SetupPermission]
    serializer_class = ServiceQueueSerializer
    ordering_fields = ["id", "name", "position"]

    def scoped_queryset(self):
        return selectors.queue_queryset()

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        _version, data = _fields(serializer.validated_data)
        queue = services.queue_create(actor=self.employee, **data)
        serializer.instance = self._fresh(queue.pk)

    def perform_update(self, serializer):
        version, data = _fields(serializer.validated_data)
        queue = services.queue_update(
            actor=self.employee, queue=serializer.instance, version=version, **data
        )
        serializer.instance = self._fresh(queue.pk)

    def perform_destroy(self, instance):
        services.queue_delete(actor=self.employee, queue=instance)


class SlaPolicyViewSet(OrgViewSet):
    """SLA policies (SLA 策略): first response and resolution minutes for a priority
    and/or a customer level (blank = any; the most specific active match applies),
    counted in working hours unless ``business_hours`` is false; a warning when
    ``warn_value`` percent or minutes (``warn_unit``) are left; a breach is escalated to
    the assignee's manager or ``escalate_employee``. PATCH with ``version``."""

    module = "service_setup"
    permission_classes = [IsEmployee, SetupPermission]
    serializer_class = SlaPolicySerializer
    ordering_fields = ["id", "name"]

    def scoped_queryset(self):
        return selectors.sla_policy_queryset()

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        _version, data = _fields(serializer.validated_data)
        sla = services.sla_policy_create(actor=self.employee, **data)
        serializer.instance = self._fresh(sla.pk)

    def perform_update(self, serializer):
        version, data = _fields(serializer.validated_data)
        sla = services.sla_policy_update(
            actor=self.employee, sla=serializer.instance, version=version, **data
        )
        serializer.instance = self._fresh(sla.pk)

    def perform_destroy(self, instance):
        services.sla_policy_delete(actor=self.employee, sla=instance)


class CalendarDayViewSet(OrgViewSet):
    """The work calendar (工作日历): dates that break the weekly working pattern — a
    ``holiday`` (法定节假日: no working hours) or a ``workday`` (调休上班: the normal
    working hours on a weekend). SLA clocks in working hours count with them. List with
    ``?year=2026`` (and ``kind``); POST one ``date``; ``POST /import`` takes pasted lines
    ``YYYY-MM-DD[,YYYY-MM-DD] 名称 [休|班]`` (nothing written on any error; the errors
    name their lines); PATCH changes ``name`` / ``kind`` (not the date)."""

    module = "service_setup"
    permission_classes = [IsEmployee, SetupPermission]
    serializer_class = CalendarDaySerializer
    filterset_class = CalendarDayFilter
    ordering_fields = ["id", "date"]

    def scoped_queryset(self):
        return selectors.calendar_day_queryset()

    def perform_create(self, serializer):
        data = serializer.validated_data
        made = services.calendar_days_add(
            actor=self.employee,
            start=data["date"],
            kind=data.get("kind", "holiday"),
            name=data.get("name", ""),
        )
        serializer.instance = made[0]

    def perform_update(self, serializer):
        serializer.instance = services.calendar_day_update(
            actor=self.employee, day=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.calendar_day_delete(actor=self.employee, day=instance)

    @extend_schema(
        request=CalendarImportSerializer, responses={201: CalendarImportAnswerSerializer}
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_days(self, request):
        """Pasted lines, all or nothing (``Idempotency-Key`` honoured)."""
        body = CalendarImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)

        def answer():
            made = services.calendar_days_import(
                actor=self.employee, text=body.validated_data["text"]
            )
            items = CalendarDaySerializer(made, many=True).data
            return Response(
                {"items": items, "count": len(items), "next": None},
                status=status.HTTP_201_CREATED,
            )

        return idempotent_answer(request, self.employee, answer)


def board_answer(employee):
    agents = selectors.agent_rows(root_path=selectors.board_root(employee))
    queues = selectors.board_queues(employee=employee)
    return BoardSerializer(
        {"items": agents, "count": len(agents), "next": None, "queues": queues}
    ).data


class AgentBoardView(APIView):
    """The agent board of the caller's department subtree: agents who may work tickets
    with their status, skills, open load and idle seconds (online only); the queues of
    those teams with how many tickets wait and the first waiting ones. Needs
    ``tickets.view``."""

    permission_classes = [IsEmployee]

    @extend_schema(responses=BoardSerializer)
    def get(self, request):
        employee = request._request.employee
        policy.require(employee, "tickets.view")
        return Response(board_answer(employee))


class AgentStatusView(APIView):
    """The caller's own status (在线 / 忙碌 / 离线). Coming online routes the waiting
    tickets at once; the answer is the board as it is then."""

    permission_classes = [IsEmployee]

    @extend_schema(request=StatusSerializer, responses=BoardSerializer)
    def post(self, request):
        employee = request._request.employee
        policy.require(employee, "tickets.view")
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.agent_set_status(
            actor=employee, service_status=body.validated_data["service_status"]
        )
        return Response(board_answer(employee))


class TicketSlaView(APIView):
    """The SLA of up to 100 tickets the caller may see: ``?ids=1,2,3``. Tickets without a
    clock, unknown or not visible are left out."""

    permission_classes = [IsEmployee]

    @extend_schema(
        parameters=[OpenApiParameter("ids", OpenApiTypes.STR, description="1,2,3 (≤ 100)")],
        responses=TicketSlaSerializer(many=True),
    )
    def get(self, request):
        employee = request._request.employee
        policy.require(employee, "tickets.view")
        raw = [part for part in request.query_params.get("ids", "").split(",") if part.strip()]
        try:
            ids = sorted({int(part) for part in raw})
        except ValueError:
            raise ApiValidationError({"ids": [_("请用逗号分隔的工单编号（数字 id）。")]}) from None
        if len(ids) > MAX_IDS:
            raise ApiValidationError({"ids": [_("一次最多查询 100 张工单。")]})
        tickets = (
            selectors.ticket_queryset(employee=employee)
            .filter(pk__in=ids, sla__isnull=False)
            .select_related("sla")
        )
        items = []
        for ticket in tickets:
            shown = selectors.sla_for_ticket(ticket)
            if shown is not None:
                items.append({"ticket": ticket.pk, **shown})
        data = TicketSlaSerializer(items, many=True).data
        return Response({"items": data, "count": len(data), "next": None})
