"""``/api/v1/defects``: a thin viewset over the defects services and selectors, with the
status move, the linked tickets and the statistics."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.service.defects import selectors, services
from guanxi.service.defects.api.serializers import (
    DefectSerializer,
    DefectTicketSerializer,
    LinkSerializer,
    StatsSerializer,
    TransitionSerializer,
)
from guanxi.service.defects.filters import DefectFilter

REFUSED = OpenApiResponse(
    description="Refused by a business rule: ``code`` says which (e.g. defect_bad_transition, "
    "defect_ticket_linked, defect_duplicate_product)"
)


class DefectViewSet(OrgViewSet):
    """Product defects (产品缺陷): every defect of the org for those with
    ``defects.view``. Create with ``ticket`` to record one from a ticket (product, title
    and description prefilled, the ticket linked). PATCH with ``version``: a stale edit
    is a 409."""

    module = "defects"
    serializer_class = DefectSerializer
    filterset_class = DefectFilter
    ordering_fields = ["id", "code", "severity", "status", "created_at"]
    extra_capabilities = {
        "transition": "edit",
        "tickets": "view",
        "unlink": "edit",
        "stats": "view",
    }

    def scoped_queryset(self):
        return selectors.defect_queryset(employee=self.employee)

    def _reloaded(self, defect, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=defect.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED and "id" in response.data:
            return self._reloaded(self.get_queryset().get(pk=response.data["id"]), 201)
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            return self._reloaded(self.get_queryset().get(pk=response.data["id"]))
        return response

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.defect_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        data.pop("ticket", None)
        serializer.instance = services.defect_update(
            actor=self.employee, defect=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.defect_delete(actor=self.employee, defect=instance)

    @extend_schema(request=TransitionSerializer, responses={200: DefectSerializer, 422: REFUSED})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the status: open → confirmed → in_fix → fixed → closed; open or confirmed
        → rejected or duplicate (with ``duplicate_of``); fixed → in_fix; closed, rejected
        or duplicate → open. Anything else is a 422 ``defect_bad_transition``."""
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        defect = services.defect_transition(
            actor=self.employee, defect=self.get_object(), **body.validated_data
        )
        return self._reloaded(defect)

    @extend_schema(
        methods=["GET"], request=None, responses={200: DefectTicketSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=LinkSerializer,
        responses={201: DefectTicketSerializer, 422: REFUSED},
    )
    @action(detail=True, methods=["get", "post"])
    def tickets(self, request, pk=None):
        """GET: the linked tickets (all of them, newest link first). POST ``{"ticket"}``
        (id or code of a ticket you may see; needs ``defects.edit``): link it."""
        defect = self.get_object()
        if request.method == "POST":
            body = LinkSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            link = services.defect_link_ticket(
                actor=self.employee, defect=defect, ticket=body.validated_data["ticket"]
            )
            fresh = selectors.defect_tickets(defect=defect).get(pk=link.pk)
            return Response(DefectTicketSerializer(fresh).data, status=status.HTTP_201_CREATED)
        rows = selectors.defect_tickets(defect=defect)
        return Response(DefectTicketSerializer(rows, many=True).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"tickets/(?P<ticket_id>\d+)")
    def unlink(self, request, pk=None, ticket_id=None):
        """Remove the link to ticket ``ticket_id``."""
        services.defect_unlink_ticket(
            actor=self.employee, defect=self.get_object(), ticket=ticket_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("product", int, description="the trend of one product")],
        responses={200: StatsSerializer},
    )
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Counts per product (all, open, critical open, linked tickets; most open first)
        and the monthly trend of the last 12 months (defects reported, tickets linked)."""
        product = request.query_params.get("product") or None
        data = selectors.stats(employee=self.employee, product=product)
        return Response(StatsSerializer(data).data)
