"""Product defect resources. Writes pass the raw values to the services, which validate
them."""

from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.sales.contracts.api.serializers import RelatedId
from guanxi.service.defects.models import Defect, DefectTicket


class DefectSerializer(serializers.ModelSerializer):
    product = RelatedId(required=False, help_text="required unless ``ticket`` is given")
    product_name = serializers.CharField(source="product.name", read_only=True)
    ticket = RecordId(
        required=False,
        write_only=True,
        help_text="create only: a ticket to record the defect from (prefills and links it)",
    )
    owner = RelatedId(required=False, allow_null=True, help_text="the R&D contact")
    owner_name = serializers.CharField(source="owner.name", read_only=True, default="")
    reported_by = RelatedId(read_only=True)
    reported_by_name = serializers.CharField(source="reported_by.name", read_only=True, default="")
    duplicate_of = RelatedId(read_only=True)
    severity = serializers.CharField(required=False)
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    ticket_count = serializers.IntegerField(read_only=True, default=0)
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Defect
        fields = [
            "id", "code", "product", "product_name", "ticket", "title", "description",
            "severity", "severity_label", "status", "status_label", "duplicate_of",
            "found_version", "fixed_version", "resolution", "reported_by",
            "reported_by_name", "owner", "owner_name", "ticket_count", "fixed_at",
            "closed_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "fixed_at", "closed_at", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"title": {"required": False}}


class TransitionSerializer(serializers.Serializer):
    status = serializers.CharField()
    version = serializers.IntegerField(required=False, min_value=1)
    duplicate_of = RecordId(
        required=False, allow_null=True, help_text="the original, when status is duplicate"
    )
    fixed_version = serializers.CharField(required=False, allow_blank=True, max_length=100)
    resolution = serializers.CharField(required=False, allow_blank=True)


class LinkSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="the ticket's id or code (e.g. GD-20260301-0001)")


class DefectTicketSerializer(serializers.ModelSerializer):
    ticket_code = serializers.CharField(source="ticket.code", read_only=True)
    subject = serializers.CharField(source="ticket.subject", read_only=True)
    customer_name = serializers.CharField(source="ticket.customer.name", read_only=True)
    ticket_status = serializers.CharField(source="ticket.status", read_only=True)
    linked_by_name = serializers.CharField(source="linked_by.name", read_only=True, default="")

    class Meta:
        model = DefectTicket
        fields = [
            "ticket", "ticket_code", "subject", "customer_name", "ticket_status",
            "linked_by", "linked_by_name", "linked_at",
        ]  # fmt: skip
        read_only_fields = fields


class ProductCountSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    product_name = serializers.CharField()
    product_code = serializers.CharField()
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    critical = serializers.IntegerField()
    tickets = serializers.IntegerField()


class TrendSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    defects = serializers.IntegerField()
    tickets = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    critical = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    totals = TotalsSerializer()
    products = ProductCountSerializer(many=True)
    trend = TrendSerializer(many=True)
