"""What the API viewsets of the sales documents with lines (contracts, orders) share:
amounts rounded at the org's places for that document, nested rows handed to the
services as plain dicts, and a write answered with the record read again through the
scoped queryset (its lines, totals and version as the services left them)."""

from rest_framework import status
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.sales.contracts import documents


class DocumentViewSet(OrgViewSet):
    """An ``OrgViewSet`` of a sales document. Subclasses name ``places_setting`` (the
    ``OrgSettings`` field with the document's decimal places) and ``nested`` (the
    serializer's list fields, e.g. ``("lines", "payment_plan")``), and write through
    their services in ``perform_create`` / ``perform_update``."""

    places_setting = ""
    nested: tuple[str, ...] = ("lines",)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            settings = documents.org_settings(self.employee.org_id)
            context["places"] = getattr(settings, self.places_setting)
        return context

    def _reloaded(self, record, code=status.HTTP_200_OK):
        """The record as the list and detail show it, after a write."""
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _data(self, serializer):
        """``(version, data)``: the validated data for a service call, nested rows as
        plain dicts and the optimistic-lock ``version`` apart."""
        data = dict(serializer.validated_data)
        for name in self.nested:
            if name in data:
                data[name] = [dict(item) for item in data[name]]
        return data.pop("version", None), data

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
