"""Input rules shared by contracts and orders (orders import them; never the reverse)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.core.errors import BusinessRuleError
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact, Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee, OrgSettings
from guanxi.sales.opportunities import selectors as opportunity_selectors
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.quotes import selectors as quote_selectors
from guanxi.sales.quotes.models import Quote

TITLE_LENGTH = 200
TERMS_LENGTH = 20000


def org_settings(org_id) -> OrgSettings:
    return OrgSettings.objects.get(org_id=org_id)


def pk_of(value):
    return getattr(value, "pk", value)


def visible_customer(actor, value) -> Customer:
    """The customer (object or id) if ``actor`` may see it; else a field error."""
    if value in (None, ""):
        raise ValidationError({"customer": [_("请选择客户。")]}, code="required")
    try:
        return customer_selectors.customer_queryset(employee=actor).get(pk=int(pk_of(value)))
    except (Customer.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"customer": [_("客户不存在。")]}, code="invalid") from exc


def customer_contact(customer, value) -> Contact | None:
    """The contact (object or id) when it is one of ``customer``'s; None for none."""
    if value in (None, ""):
        return None
    contact = Contact.objects.filter(pk=pk_of(value), customer_id=customer.pk).first()
    if contact is None:
        raise ValidationError({"contact": [_("联系人不属于所选客户。")]}, code="invalid")
    return contact


def owner_for(actor, value, *, module, current=None) -> Employee:
    """The owner to set: the actor by default; an active colleague needs
    ``<module>.transfer`` unless it stays the current owner."""
    if value in (None, ""):
        return current or actor
    try:
        owner = Employee.objects.get(pk=int(pk_of(value)), status=Employee.Status.ACTIVE)
    except (Employee.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"owner": [_("请选择在职员工。")]}, code="invalid") from exc
    keeps = owner.pk == actor.pk or (current is not None and owner.pk == current.pk)
    if not keeps and not policy.can(actor, f"{module}.transfer"):
        raise PermissionDenied(_("把单据交给其他负责人需要“转移”权限。"))
    return owner


# a quote that was approved (or needed no approval), sent or accepted may become a contract
# or an order; a draft, one under approval, refused by the customer or expired may not
QUOTE_USABLE = (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED)


def source_quote(actor, value) -> Quote | None:
    """The quote (id or object) a contract or order is made from, with its lines, if
    ``actor`` may see it and it is usable; None for none."""
    if value in (None, ""):
        return None
    try:
        quote = quote_selectors.with_lines(quote_selectors.quote_queryset(employee=actor)).get(
            pk=int(pk_of(value))
        )
    except (Quote.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"quote": [_("报价单不存在。")]}, code="invalid") from exc
    if quote.superseded_at is not None:
        raise BusinessRuleError(
            _("报价单 %(code)s 已有新版本，请据最新版本签合同或下订单。") % {"code": quote.code},
            code="quote_superseded",
        )
    if quote.status not in QUOTE_USABLE:
        raise BusinessRuleError(
            _("报价单%(status)s，不能据此签合同或下订单。")
            % {"status": quote.get_status_display()},
            code="quote_not_usable",
        )
    return quote


def visible_opportunity(actor, value, customer) -> Opportunity | None:
    """The opportunity (id or object) if ``actor`` may see it and it is ``customer``'s."""
    if value in (None, ""):
        return None
    try:
        opportunity = opportunity_selectors.opportunity_queryset(employee=actor).get(
            pk=int(pk_of(value))
        )
    except (Opportunity.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"opportunity": [_("商机不存在。")]}, code="invalid") from exc
    if opportunity.customer_id != customer.pk:
        raise ValidationError({"opportunity": [_("商机不属于所选客户。")]}, code="invalid")
    return opportunity


def text(value, field, limit, *, required=False):
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationError({field: [_("此项必填。")]}, code="required")
    if len(value) > limit:
        raise ValidationError(
            {field: [_("最多 %(limit)s 个字。") % {"limit": limit}]}, code="max_length"
        )
    return value


def date_or_none(value, field) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        day = parse_date(str(value).strip())
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({field: [_("请输入有效的日期（如 2026-12-31）。")]}, code="invalid")
    return day


def money_text(value, places):
    """``1,234.50`` at ``places`` decimals (for messages)."""
    return f"{value:,.{int(places)}f}"
