"""Service contract resources and the entitlement answer."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.sales.contracts.api.serializers import RelatedId
from guanxi.service.contracts.models import ServiceContract, ServiceContractItem


class CoverageSerializer(serializers.Serializer):
    """One covered item: ``installed_product`` (an installed product of the customer)
    or ``product`` (every unit of it the customer has)."""

    installed_product = serializers.IntegerField(required=False, allow_null=True)
    product = serializers.IntegerField(required=False, allow_null=True)


class CoverageReadSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = ServiceContractItem
        fields = ["id", "installed_product", "product", "label"]

    def get_label(self, item) -> str:
        return str(item)


class ServiceContractSerializer(serializers.ModelSerializer):
    customer = RelatedId(required=False)
    contact = RelatedId(required=False, allow_null=True)
    owner = RelatedId(required=False, allow_null=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    items = CoverageSerializer(
        many=True, required=False, write_only=True, help_text=_("覆盖范围：安装档案或产品")
    )
    coverage = CoverageReadSerializer(source="items", many=True, read_only=True)
    price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = ServiceContract
        fields = [
            "id", "code", "title", "customer", "customer_name", "contact", "status",
            "status_label", "start_date", "end_date", "signed_on", "first_response_minutes",
            "resolution_minutes", "onsite_response_hours", "visits_included", "price",
            "currency", "billing_notes", "renewal_of", "owner", "owner_department", "items",
            "coverage", "activated_at", "cancelled_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "signed_on", "currency", "renewal_of", "owner_department",
            "activated_at", "cancelled_at", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "start_date": {"input_formats": ["%Y-%m-%d"], "required": False},
            "end_date": {"input_formats": ["%Y-%m-%d"], "required": False},
            "title": {"required": False},
        }


class PromiseSerializer(serializers.Serializer):
    first_response_minutes = serializers.IntegerField(allow_null=True)
    resolution_minutes = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class EntitlementSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["service_contract", "warranty", "sales_contract", "none"]
    )
    label = serializers.CharField()
    record_id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    until = serializers.DateField(allow_null=True)
    chargeable = serializers.BooleanField()
    visits_left = serializers.IntegerField(allow_null=True)
    promise = PromiseSerializer(allow_null=True)
    explanation = serializers.CharField()


class EntitlementQuerySerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**62)
    installed_product = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, allow_null=True
    )
    product = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, allow_null=True
    )
    on = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
