"""Input rules shared by contracts and orders (orders import them; never the reverse)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact, Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee, OrgSettings

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
