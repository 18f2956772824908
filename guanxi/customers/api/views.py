"""``/api/v1/customers`` and ``/api/v1/contacts``."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.viewsets import OrgViewSet
from guanxi.customers import selectors, services
from guanxi.customers.api.serializers import ContactSerializer, CustomerSerializer
from guanxi.customers.filters import ContactFilter, CustomerFilter


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
    extra_capabilities = {"restore": "delete"}

    def scoped_queryset(self):
        deleted = self.action == "restore"
        return selectors.customer_queryset(employee=self.employee, deleted=deleted)

    def perform_create(self, serializer):
        _version, data = self._data(serializer)
        serializer.instance = services.customer_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = self._data(serializer)
        serializer.instance = services.customer_update(
            actor=self.employee, customer=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.customer_delete(actor=self.employee, customer=instance)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        customer = services.customer_restore(actor=self.employee, customer=self.get_object())
        return Response(self.get_serializer(customer).data)


class ContactViewSet(_ScopedViewSet):
    """Contacts in the caller's data scope (their own owner and owning department)."""

    module = "contacts"
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["id", "name", "created_at"]

    def scoped_queryset(self):
        return selectors.contact_queryset(employee=self.employee)

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
