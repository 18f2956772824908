"""Installed product resources. Writes pass plain values to the services, which
validate them (visible customer, contact of the customer, free serial number)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.sales.contracts.api.serializers import RelatedId
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.installed.selectors import warranty_state


class InstalledProductSerializer(serializers.ModelSerializer):
    customer = RelatedId(required=False)
    contact = RelatedId(required=False, allow_null=True)
    product = RelatedId(required=False)
    installed_by = RelatedId(required=False, allow_null=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    warranty = serializers.SerializerMethodField(
        help_text=_("保修状态：in（在保）、expiring（即将过保）、out（过保）、none（无保修信息）")
    )
    warranty_months = serializers.IntegerField(
        required=False,
        allow_null=True,
        write_only=True,
        min_value=0,
        help_text=_("保修月数：保修截止日期 = 安装日期 + 月数（新建默认 12）"),
    )
    version = serializers.IntegerField(required=False)

    class Meta:
        model = InstalledProduct
        fields = [
            "id", "code", "customer", "customer_name", "contact", "product", "product_name",
            "serial_number", "status", "status_label", "install_date", "installed_by",
            "region", "location", "warranty_months", "warranty_end", "warranty", "order",
            "sales_contract", "notes", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "order", "sales_contract", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "install_date": {"input_formats": ["%Y-%m-%d"]},
            "warranty_end": {"input_formats": ["%Y-%m-%d"]},
            "serial_number": {"validators": []},
        }
        validators: list = []

    def get_warranty(self, item) -> str:
        return warranty_state(item.warranty_end)


class InstalledStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InstalledProduct.Status.choices)


class FromOrderSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    line = serializers.IntegerField()
    serial_numbers = serializers.ListField(child=serializers.CharField(), min_length=1)
    install_date = serializers.DateField(required=False, allow_null=True)
    warranty_months = serializers.IntegerField(required=False, min_value=0)
    location = serializers.CharField(required=False, allow_blank=True)
