"""Every write of installed products (keyword-only, in a transaction, audited).

Permissions are the module ``installed_products`` (``create``, ``edit``, ``delete``,
``import``); nobody owns a record: the actor must see its customer. A serial number is
unique per product among live records (a database constraint; the services say so
first, with the record that has it). The warranty ends ``warranty_months`` after the
install date (the day before the same date that many months later) unless an explicit
``warranty_end`` is given.

Status: in use → retired (停用) or returned (退回); either may go back to in use.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.orgs.numbering import next_code
from guanxi.sales.contracts import documents
from guanxi.sales.orders import selectors as order_selectors
from guanxi.sales.orders.models import Order
from guanxi.search import index
from guanxi.service.installed import selectors
from guanxi.service.installed.models import InstalledProduct

MODULE = "installed_products"
SEARCH_KIND = "installed_product"
DEFAULT_WARRANTY_MONTHS = 12
MAX_WARRANTY_MONTHS = 240
SERIAL_LENGTH = 100
NOTES_LENGTH = 5000
AUDIT_FIELDS = (
    "code", "customer", "contact", "product", "serial_number", "status", "install_date",
    "installed_by", "region", "location", "warranty_end", "order", "sales_contract", "notes",
)  # fmt: skip
FIELDS = (
    "customer", "contact", "product", "serial_number", "install_date", "installed_by",
    "region", "location", "warranty_months", "warranty_end", "notes",
)  # fmt: skip
# a sold item can be registered once its order is confirmed (or later, fulfilled)
ORDER_USABLE = (Order.Status.CONFIRMED, Order.Status.COMPLETED)
Status = InstalledProduct.Status


def _snapshot(item):
    return audit.snapshot(item, AUDIT_FIELDS)


def _index(item):
    index.refresh(SEARCH_KIND, [item.pk])


def _product(value) -> Product:
    if value in (None, ""):
        raise ValidationError({"product": [_("请选择产品。")]}, code="required")
    try:
        return Product.objects.get(pk=int(documents.pk_of(value)))
    except (Product.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"product": [_("产品不存在。")]}, code="invalid") from exc


def _employee(value, field) -> Employee | None:
    if value in (None, ""):
        return None
    try:
        return Employee.objects.get(pk=int(documents.pk_of(value)))
    except (Employee.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({field: [_("员工不存在。")]}, code="invalid") from exc


def _months(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        months = int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            {"warranty_months": [_("保修月数请填写整数。")]}, code="invalid"
        ) from exc
    if not 0 <= months <= MAX_WARRANTY_MONTHS:
        raise ValidationError(
            {
                "warranty_months": [
                    _("保修月数应在 0 到 %(max)d 之间。") % {"max": MAX_WARRANTY_MONTHS}
                ]
            },
            code="invalid",
        )
    return months


def _serial(value) -> str:
    return documents.text(value, "serial_number", SERIAL_LENGTH)


def check_serial_free(*, product, serial_number, exclude_pk=None):
    """Refuse a serial number another live record of ``product`` already has."""
    if not serial_number:
        return
    taken = (
        InstalledProduct.objects.filter(product=product, serial_number=serial_number)
        .exclude(pk=exclude_pk)
        .only("code")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "serial_number": [
                    _("序列号 %(serial)s 已登记在档案 %(code)s，同一产品的序列号不能重复。")
                    % {"serial": serial_number, "code": taken.code}
                ]
            },
            code="serial_taken",
        )


def _save_new(item):
    """Insert ``item``; a serial number taken at the same moment by someone else (the
    constraint) is the same clear error as the check before."""
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        check_serial_free(product=item.product, serial_number=item.serial_number)
        raise ValidationError(
            {"serial_number": [_("序列号已被占用，请刷新后重试。")]}, code="serial_taken"
        ) from exc


def _dates(install_date, warranty_months, warranty_end, *, current_end=None):
    install = documents.date_or_none(install_date, "install_date")
    explicit = documents.date_or_none(warranty_end, "warranty_end")
    months = _months(warranty_months)
    if install is not None and install > timezone.localdate() + datetime.timedelta(days=366):
        raise ValidationError({"install_date": [_("安装日期不能晚于一年以后。")]}, code="invalid")
    if explicit is not None:
        end = explicit
    elif months is not None:
        end = selectors.warranty_end_for(install, months) if install else current_end
    else:
        end = current_end
    if end is not None and install is not None and end < install:
        raise ValidationError(
            {"warranty_end": [_("保修截止日期不能早于安装日期。")]}, code="invalid"
        )
    return install, end


@transaction.atomic
def installed_create(
    *, actor, customer, product, serial_number="", contact=None, install_date=None,
    installed_by=None, region="", location="", warranty_months=DEFAULT_WARRANTY_MONTHS,
    warranty_end=None, notes="", order=None, sales_contract=None,
) -> InstalledProduct:  # fmt: skip
    """A new installed product of a customer the actor may see. The warranty ends
    ``warranty_months`` (default 12) after ``install_date`` unless ``warranty_end`` is
    given. Takes the next ``installed_product`` code."""
    policy.require(actor, f"{MODULE}.create")
    customer = documents.visible_customer(actor, customer)
    product = _product(product)
    serial = _serial(serial_number)
    install, end = _dates(install_date, warranty_months, warranty_end)
    check_serial_free(product=product, serial_number=serial)
    item = InstalledProduct(
        org_id=actor.org_id,
        code=next_code(org_id=actor.org_id, target="installed_product"),
        customer=customer,
        contact=documents.customer_contact(customer, contact),
        product=product,
        serial_number=serial,
        install_date=install,
        installed_by=_employee(installed_by, "installed_by"),
        region=documents.text(region, "region", 100),
        location=documents.text(location, "location", 300),
        warranty_end=end,
        notes=documents.text(notes, "notes", NOTES_LENGTH),
        order=order,
        sales_contract=sales_contract,
        created_by=actor,
    )
    _save_new(item)
    audit.record_change(
        actor=actor, instance=item, action=ChangeRecord.Action.CREATE, after=_snapshot(item)
    )
    _index(item)
    return item


def _locked(actor, item, *, write=True, deleted=False) -> InstalledProduct:
    selectors.access_installed(actor, item.pk, write=write, deleted=deleted)
    return InstalledProduct.with_deleted.select_for_update().get(pk=item.pk)


@transaction.atomic
def installed_update(*, actor, item, version=None, **changes) -> InstalledProduct:
    """Change an installed product (``installed_products.edit``); ``version`` guards
    against stale edits (409). A new customer must be visible to the actor; the contact
    must be the customer's."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    item = _locked(actor, item)
    if item.deleted_at is not None:
        raise BusinessRuleError(_("档案已删除，请先恢复。"), code="installed_deleted")
    if version is not None and int(version) != item.version:
        raise StaleVersion()
    before = _snapshot(item)
    if "customer" in changes and documents.pk_of(changes["customer"]) != item.customer_id:
        item.customer = documents.visible_customer(actor, changes["customer"])
        if "contact" not in changes:
            item.contact = None
    if "contact" in changes:
        item.contact = documents.customer_contact(item.customer, changes["contact"])
    if "product" in changes:
        item.product = _product(changes["product"])
    if "serial_number" in changes:
        item.serial_number = _serial(changes["serial_number"])
    if "installed_by" in changes:
        item.installed_by = _employee(changes["installed_by"], "installed_by")
    for name, limit in (("region", 100), ("location", 300), ("notes", NOTES_LENGTH)):
        if name in changes:
            setattr(item, name, documents.text(changes[name], name, limit))
    if {"install_date", "warranty_months", "warranty_end"} & set(changes):
        item.install_date, item.warranty_end = _dates(
            changes.get("install_date", item.install_date),
            changes.get("warranty_months"),
            changes.get(
                "warranty_end", None if "warranty_months" in changes else item.warranty_end
            ),
            current_end=item.warranty_end,
        )
    check_serial_free(product=item.product, serial_number=item.serial_number, exclude_pk=item.pk)
    audit.save_if_changed(actor=actor, instance=item, before=before, after=_snapshot(item))
    item.refresh_from_db()
    _index(item)
    return item


@transaction.atomic
def installed_set_status(*, actor, item, status) -> InstalledProduct:
    """Retire (停用), mark returned (退回) or put back in use."""
    if status not in Status.values:
        raise ValidationError({"status": [_("状态无效。")]}, code="invalid")
    item = _locked(actor, item)
    if item.deleted_at is not None:
        raise BusinessRuleError(_("档案已删除，请先恢复。"), code="installed_deleted")
    if item.status == status:
        raise BusinessRuleError(
            _("档案已是“%(status)s”状态。") % {"status": item.get_status_display()},
            code="installed_same_status",
        )
    before = _snapshot(item)
    item.status = status
    audit.save_if_changed(actor=actor, instance=item, before=before, after=_snapshot(item))
    item.refresh_from_db()
    return item


@transaction.atomic
def installed_delete(*, actor, item) -> None:
    """Move an installed product to the recycle bin (``installed_products.delete``)."""
    policy.require(actor, f"{MODULE}.delete")
    item = _locked(actor, item, write=False)
    if item.deleted_at is not None:
        return
    item.deleted_at = timezone.now()
    item.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(
        actor=actor, instance=item, action=ChangeRecord.Action.DELETE, before=_snapshot(item)
    )
    index.remove(SEARCH_KIND, [item.pk])


@transaction.atomic
def installed_restore(*, actor, item) -> InstalledProduct:
    """Bring a deleted record back, unless its serial number was given to another live
    record of the product meanwhile."""
    policy.require(actor, f"{MODULE}.delete")
    item = _locked(actor, item, write=False, deleted=True)
    if item.deleted_at is None:
        raise BusinessRuleError(_("该档案不在回收站中。"), code="not_deleted")
    check_serial_free(product=item.product, serial_number=item.serial_number, exclude_pk=item.pk)
    item.deleted_at = None
    item.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=item,
        action=ChangeRecord.Action.UPDATE,
        before={"deleted_at": "deleted"},
        after={"deleted_at": None},
    )
    _index(item)
    return item


def _serial_list(serials, quantity) -> list[str]:
    cleaned = [str(s).strip() for s in (serials or [])]
    if not cleaned or any(not s for s in cleaned):
        raise ValidationError({"serial_numbers": [_("请为每一台填写序列号。")]}, code="required")
    if len(cleaned) != len(set(cleaned)):
        raise ValidationError({"serial_numbers": [_("序列号有重复。")]}, code="invalid")
    if len(cleaned) > quantity:
        raise ValidationError(
            {
                "serial_numbers": [
                    _("该明细只有 %(quantity)d 台，序列号多于数量。") % {"quantity": quantity}
                ]
            },
            code="invalid",
        )
    return cleaned


@transaction.atomic
def installed_create_from_order(
    *, actor, order, line, serial_numbers, install_date=None,
    warranty_months=DEFAULT_WARRANTY_MONTHS, location="", region="", installed_by=None,
) -> list[InstalledProduct]:  # fmt: skip
    """One installed product per unit of a line of a confirmed or completed sales order,
    each with its serial number; the order's customer and contact, the order's sales
    contract into ``sales_contract``. All or nothing."""
    policy.require(actor, f"{MODULE}.create")
    try:
        order = order_selectors.order_queryset(employee=actor).get(pk=int(documents.pk_of(order)))
    except (Order.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"order": [_("销售订单不存在。")]}, code="invalid") from exc
    if order.status not in ORDER_USABLE:
        raise BusinessRuleError(
            _("只能为已确认或已完成的订单登记安装档案（该订单%(status)s）。")
            % {"status": order.get_status_display()},
            code="order_not_confirmed",
        )
    found = order.lines.select_related("product").filter(pk=documents.pk_of(line)).first()
    if found is None:
        raise ValidationError({"line": [_("订单明细不存在。")]}, code="invalid")
    quantity = int(found.quantity)
    if quantity < 1:
        raise ValidationError({"line": [_("该明细数量不足一台。")]}, code="invalid")
    serials = _serial_list(serial_numbers, quantity)
    made = []
    for serial in serials:
        made.append(
            installed_create(
                actor=actor,
                customer=order.customer,
                contact=order.contact_id,
                product=found.product,
                serial_number=serial,
                install_date=install_date,
                warranty_months=warranty_months,
                location=location,
                region=region,
                installed_by=installed_by,
                notes="",
                order=order,
                sales_contract=order.contract,
            )
        )
    return made


def move_customers(*, from_ids, survivor: Customer) -> int:
    """A customer merge: the merged customers' installed products (deleted ones too) go
    to the survivor; their index entries follow the survivor's scope."""
    ids = list(
        InstalledProduct.with_deleted.filter(customer_id__in=list(from_ids)).values_list(
            "pk", flat=True
        )
    )
    moved = InstalledProduct.with_deleted.filter(pk__in=ids).update(customer_id=survivor.pk)
    live = list(InstalledProduct.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if live:
        index.refresh(SEARCH_KIND, live)
    return moved


def fields_of(data: dict[str, Any]) -> dict[str, Any]:
    """The service fields of ``data`` (a form's or serializer's cleaned data)."""
    return {name: value for name, value in data.items() if name in FIELDS}
