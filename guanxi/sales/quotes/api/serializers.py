"""Serializers of ``/api/v1/quotes``: thin, the services validate."""

from rest_framework import serializers

from guanxi.customers.models import Contact, Customer
from guanxi.orgs.models import Employee
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.quotes.models import Quote, QuoteDelivery
from guanxi.sales.serializers import LineSerializer
from guanxi.workspace.approvals import services as approvals

HEADER = [
    "title", "customer", "contact", "owner", "quote_date", "valid_until", "terms", "notes",
    "language", "opportunity",
]  # fmt: skip
READ_ONLY = [
    "id", "code", "revision", "label", "status", "status_label", "currency", "decimals",
    "subtotal", "discount_amount", "amount", "tax", "total", "max_discount", "previous",
    "superseded", "superseded_at", "sent_at", "decided_at", "customer_name", "owner_name",
    "contact_name", "created_at", "updated_at",
]  # fmt: skip


class QuoteListSerializer(serializers.ModelSerializer):
    """A quote in a list (without its lines)."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects, required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects, required=False, allow_null=True
    )
    opportunity = serializers.PrimaryKeyRelatedField(
        queryset=Opportunity.objects, required=False, allow_null=True
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, default="")
    owner_name = serializers.CharField(source="owner.name", read_only=True, default="")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    label = serializers.CharField(read_only=True)
    superseded = serializers.BooleanField(read_only=True)
    # the optimistic lock: send back the version you loaded with a PATCH (stale: 409).
    # Not the quote's revision number (``revision``).
    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Quote
        fields = [*READ_ONLY, *HEADER, "version"]
        read_only_fields = READ_ONLY


class QuoteSerializer(QuoteListSerializer):
    """A quote with its ``lines: [{product, quantity, unit_price, discount, tax_rate,
    description}]`` (amount, tax and total computed) and its approval status."""

    lines = LineSerializer(many=True, required=False)
    approval_status = serializers.SerializerMethodField()
    needs_approval = serializers.SerializerMethodField()

    class Meta(QuoteListSerializer.Meta):
        fields = [*QuoteListSerializer.Meta.fields, "lines", "approval_status", "needs_approval"]

    def get_approval_status(self, quote) -> str | None:
        return approvals.status_of(quote)

    def get_needs_approval(self, quote) -> bool:
        from guanxi.sales.quotes.services import needs_approval

        return needs_approval(quote)


class SubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SendSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=1000)
    cc = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Quote.Language.choices, required=False)


class MarkSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=(("accepted", "accepted"), ("rejected", "rejected")))


class DeliverySerializer(serializers.ModelSerializer):
    sent_by_name = serializers.CharField(source="sent_by.name", read_only=True, default="")

    class Meta:
        model = QuoteDelivery
        fields = ["id", "sent_at", "sent_by", "sent_by_name", "to", "cc", "subject", "language"]
        read_only_fields = fields
