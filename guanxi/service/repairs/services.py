"""Every write of repairs, packing lists, service outlets and fee lists (keyword-only,
in a transaction).

Permissions: repairs and packing lists are the owned module ``repairs`` (``create``,
``edit`` — change, move the status, edit parts —, ``delete``); outlets are
``service_outlets``; fee lists are ``service_setup.edit``.

Repair status: received → diagnosing → repairing ↔ waiting_parts → done → returned;
diagnosing may also go to waiting_parts, done back to repairing (the fix did not hold);
any open status may be cancelled. Returned and cancelled are final: their parts, hours
and charges no longer change. Each write that touches a repair locks its row first, so
two people adding parts at once are applied one after the other and the totals always
equal the parts shown.

Packing list status: draft → packed → shipped → delivered (packed may go back to draft);
its lines change only before it ships.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import Product
from guanxi.core import regions
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import lock_for_update
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee, OrgSettings
from guanxi.orgs.numbering import next_code
from guanxi.sales.contracts import documents
from guanxi.sales.lines import MAX_PRICE, MAX_QUANTITY, quantize
from guanxi.search import index
from guanxi.service.contracts.entitlement import entitlement_for
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.repairs import fees, selectors
from guanxi.service.repairs.models import (
    FeeList,
    FeeListItem,
    PackingLine,
    PackingList,
    Repair,
    RepairPart,
    ServiceOutlet,
)
from guanxi.service.tickets import selectors as ticket_selectors
from guanxi.service.tickets.models import Ticket

MODULE = "repairs"
OUTLETS = "service_outlets"
SETUP = "service_setup"
REPAIR_KIND = "repair"
PACKING_KIND = "packing_list"
TEXT_LENGTH = 5000
MAX_PARTS = 200
MAX_HOURS = Decimal("9999")
S = Repair.Status
P = PackingList.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.DIAGNOSING, S.CANCELLED),
    S.DIAGNOSING: (S.REPAIRING, S.WAITING_PARTS, S.CANCELLED),
    S.REPAIRING: (S.WAITING_PARTS, S.DONE, S.CANCELLED),
    S.WAITING_PARTS: (S.REPAIRING, S.CANCELLED),
    S.DONE: (S.RETURNED, S.REPAIRING),
    S.RETURNED: (),
    S.CANCELLED: (),
}
PACKING_TRANSITIONS: dict[str, tuple[str, ...]] = {
    P.DRAFT: (P.PACKED,),
    P.PACKED: (P.SHIPPED, P.DRAFT),
    P.SHIPPED: (P.DELIVERED,),
    P.DELIVERED: (),
}
REPAIR_AUDIT = (
    "code", "customer", "installed_product", "product", "outlet", "owner", "status",
    "fault_description", "diagnosis", "result", "chargeable", "entitlement_note",
    "labour_hours", "call_out", "total",
)  # fmt: skip
REPAIR_FIELDS = (
    "fault_description", "diagnosis", "result", "serial_number", "labour_hours", "call_out",
    "owner", "outlet", "product", "installed_product", "received_on", "parts",
)  # fmt: skip
PACKING_FIELDS = (
    "ship_to_name", "ship_to_phone", "ship_to_address", "carrier", "tracking_number", "notes",
    "lines",
)  # fmt: skip


# ---- input helpers ---------------------------------------------------------------------


def _settings(org_id: int) -> OrgSettings:
    return OrgSettings.objects.get(org_id=org_id)


def _places(settings: OrgSettings) -> int:
    """Repairs are priced at the org's document decimal places (those of orders)."""
    return int(settings.order_decimals)


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    return documents.text(value, field, limit, required=required)


def _decimal(
    value: Any, field: str, *, maximum: Decimal, places: int | None = None, default=None
) -> Decimal:
    """A non-negative number below ``maximum`` (rounded to ``places`` when given)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is not None:
            return Decimal(default)
        raise ValidationError({field: [_("此项必填。")]}, code="required")
    if isinstance(value, bool):
        raise ValidationError({field: [_("请输入数字。")]}, code="invalid")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: [_("请输入数字。")]}, code="invalid")
    if number < 0:
        raise ValidationError({field: [_("不能为负数。")]}, code="min_value")
    if number >= maximum:
        raise ValidationError({field: [_("数值过大。")]}, code="max_value")
    return quantize(number, places) if places is not None else number


def _percent(value: Any, field: str) -> Decimal:
    number = _decimal(value, field, maximum=Decimal("100.01"), places=2, default="0")
    if number > 100:
        raise ValidationError({field: [_("折扣应在 0 到 100 之间。")]}, code="max_value")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _product_ids(rows: Any) -> list[int]:
    ids: list[int] = []
    for row in rows:
        if isinstance(row, dict) and str(documents.pk_of(row.get("product"))).isdigit():
            ids.append(int(documents.pk_of(row.get("product"))))
    return ids


def _product(value: Any, field: str, *, required: bool = True) -> Product | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: [_("请选择产品。")]}, code="required")
        return None
    try:
        return Product.objects.get(pk=int(documents.pk_of(value)))
    except (Product.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({field: [_("产品不存在。")]}, code="invalid") from exc


def _employee(value: Any, field: str) -> Employee | None:
    if value in (None, ""):
        return None
    try:
        return Employee.objects.get(pk=int(documents.pk_of(value)), status=Employee.Status.ACTIVE)
    except (Employee.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({field: [_("请选择在职员工。")]}, code="invalid") from exc


def _outlet(value: Any) -> ServiceOutlet | None:
    if value in (None, ""):
        return None
    try:
        return ServiceOutlet.objects.get(pk=int(documents.pk_of(value)), active=True)
    except (ServiceOutlet.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(
            {"outlet": [_("服务网点不存在或已停用，请重新选择。")]}, code="invalid"
        ) from exc


def _installed(value: Any, customer: Customer) -> InstalledProduct | None:
    if value in (None, ""):
        return None
    found = InstalledProduct.objects.filter(
        pk=documents.pk_of(value) if str(documents.pk_of(value)).isdigit() else 0
    ).first()
    if found is None:
        raise ValidationError({"installed_product": [_("安装档案不存在。")]}, code="invalid")
    if found.customer_id != customer.pk:
        raise ValidationError(
            {"installed_product": [_("安装档案不属于所选客户，请选择该客户的产品。")]},
            code="invalid",
        )
    return found


def _ticket(actor: Employee, value: Any) -> Ticket | None:
    if value in (None, ""):
        return None
    if not policy.can(actor, "tickets.view"):
        raise ValidationError({"ticket": [_("服务工单不存在。")]}, code="invalid")
    try:
        return ticket_selectors.ticket_queryset(employee=actor).get(pk=int(documents.pk_of(value)))
    except (Ticket.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"ticket": [_("服务工单不存在。")]}, code="invalid") from exc


def _snapshot(repair: Repair) -> dict:
    return audit.snapshot(repair, REPAIR_AUDIT)


def _index_repair(repair: Repair) -> None:
    index.refresh(REPAIR_KIND, [repair.pk])


def _index_packing(packing: PackingList) -> None:
    index.refresh(PACKING_KIND, [packing.pk])


# ---- fee lists -------------------------------------------------------------------------


def _clean_items(raw: Any, places: int) -> list[tuple[Product, Decimal]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"items": [_("配件价格格式不正确。")]}, code="invalid")
    cleaned: list[tuple[Product, Decimal]] = []
    seen: set[int] = set()
    errors: list[str] = []
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            errors.append(_("第 %(n)s 行格式不正确。") % {"n": number})
            continue
        try:
            product = _product(row.get("product"), "items")
            price = _decimal(row.get("price"), "items", maximum=MAX_PRICE, places=places)
        except ValidationError as exc:
            errors.append(
                _("第 %(n)s 行：%(error)s") % {"n": number, "error": " ".join(exc.messages)}
            )
            continue
        assert product is not None
        if product.pk in seen:
            errors.append(_("第 %(n)s 行：产品重复。") % {"n": number})
            continue
        seen.add(product.pk)
        cleaned.append((product, price))
    if errors:
        raise ValidationError({"items": errors}, code="invalid")
    return cleaned


def _fee_values(changes: dict, *, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if creating or "name" in changes:
        data["name"] = _text(changes.get("name"), "name", 100, required=True)
    if "currency" in changes and changes["currency"] not in (None, ""):
        currency = str(changes["currency"]).strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationError(
                {"currency": [_("请输入三位大写货币代码，如 CNY。")]}, code="invalid"
            )
        data["currency"] = currency
    for name in ("labour_rate", "call_out_fee"):
        if name in changes:
            data[name] = _decimal(changes[name], name, maximum=MAX_PRICE, default="0")
    if "discount_percent" in changes:
        data["discount_percent"] = _percent(changes["discount_percent"], "discount_percent")
    for name in ("is_default", "active"):
        if name in changes:
            data[name] = _bool(changes[name])
    if "notes" in changes:
        data["notes"] = _text(changes["notes"], "notes", TEXT_LENGTH)
    return data


def _save_fee_list(fee_list: FeeList) -> None:
    if fee_list.is_default:
        FeeList.objects.filter(is_default=True).exclude(pk=fee_list.pk).update(is_default=False)
    try:
        with transaction.atomic():
            fee_list.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"name": [_("已有同名的收费标准，请换一个名称。")]}, code="unique"
        ) from exc


@transaction.atomic
def fee_list_create(*, actor: Employee, items: Any = None, **values: Any) -> FeeList:
    """A fee list (``service_setup.edit``). The first one becomes the default."""
    policy.require(actor, f"{SETUP}.edit")
    unknown = sorted(set(values) - FEE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    settings = _settings(actor.org_id)
    data = _fee_values(values, creating=True)
    data.setdefault("currency", settings.currency)
    cleaned = _clean_items(items, settings.price_decimals)
    fee_list = FeeList(org_id=actor.org_id, **data)
    if not FeeList.objects.filter(is_default=True).exists():
        fee_list.is_default = True
    _save_fee_list(fee_list)
    FeeListItem.objects.bulk_create(
        FeeListItem(org_id=actor.org_id, fee_list=fee_list, product=product, price=price)
        for product, price in cleaned
    )
    return fee_list


@transaction.atomic
def fee_list_update(
    *, actor: Employee, fee_list: FeeList, version: Any = None, items: Any = None, **changes: Any
) -> FeeList:
    """Change a fee list; ``items`` (when given) replace its part prices. Repairs
    already priced keep their rates."""
    policy.require(actor, f"{SETUP}.edit")
    fee_list = lock_for_update(FeeList, fee_list.pk, expected_version=version)
    data = _fee_values(changes, creating=False)
    if data.get("is_default") is False and fee_list.is_default:
        raise BusinessRuleError(
            _("请先把另一份收费标准设为默认。"), code="fee_list_default_required"
        )
    if data.get("active") is False and (data.get("is_default") or fee_list.is_default):
        raise BusinessRuleError(_("默认收费标准不能停用。"), code="fee_list_default_inactive")
    settings = _settings(actor.org_id)
    cleaned = _clean_items(items, settings.price_decimals) if items is not None else None
    for name, value in data.items():
        setattr(fee_list, name, value)
    fee_list.version += 1
    _save_fee_list(fee_list)
    if cleaned is not None:
        FeeListItem.objects.filter(fee_list=fee_list).delete()
        FeeListItem.objects.bulk_create(
            FeeListItem(org_id=actor.org_id, fee_list=fee_list, product=product, price=price)
            for product, price in cleaned
        )
    return fee_list


@transaction.atomic
def fee_list_delete(*, actor: Employee, fee_list: FeeList) -> None:
    """Remove a fee list no outlet uses and that is not the default; repairs priced
    with it keep their rates."""
    policy.require(actor, f"{SETUP}.edit")
    fee_list = lock_for_update(FeeList, fee_list.pk)
    if fee_list.is_default:
        raise BusinessRuleError(
            _("默认收费标准不能删除，请先把另一份设为默认。"), code="fee_list_default"
        )
    if ServiceOutlet.with_deleted.filter(fee_list=fee_list).exists():
        raise BusinessRuleError(
            _("仍有服务网点使用这份收费标准，请先为这些网点换一份。"), code="fee_list_in_use"
        )
    fee_list.delete()


# ---- outlets ---------------------------------------------------------------------------


def clean_coverage(raw: Any) -> list[str]:
    """Coverage entries in canonical region form, without repeats. An entry must start
    with a province ("广东省", "广东 深圳" → "广东省 深圳市")."""
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list | tuple):
        raise ValidationError({"coverage": [_("覆盖地区格式不正确。")]}, code="invalid")
    cleaned: list[str] = []
    bad: list[str] = []
    for entry in raw:
        text = str(entry or "").strip()
        if not text:
            continue
        canonical = regions.canonical(text)
        path = regions.parse(canonical)
        if not path or regions.label(path) != canonical:
            bad.append(text)
            continue
        if canonical not in cleaned:
            cleaned.append(canonical)
    if bad:
        raise ValidationError(
            {
                "coverage": [
                    _("无法识别的地区：%(names)s。请按“省 市 区”填写，如“广东省 深圳市”。")
                    % {"names": "、".join(bad[:5])}
                ]
            },
            code="invalid",
        )
    if len(cleaned) > 500:
        raise ValidationError({"coverage": [_("覆盖地区最多 500 个。")]}, code="max_length")
    return cleaned


def _outlet_values(changes: dict, *, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if creating or "code" in changes:
        data["code"] = _text(changes.get("code"), "code", 40, required=True)
    if creating or "name" in changes:
        data["name"] = _text(changes.get("name"), "name", 100, required=True)
    if "kind" in changes:
        kind = changes["kind"] or ServiceOutlet.Kind.OWN
        if kind not in ServiceOutlet.Kind.values:
            raise ValidationError({"kind": [_("请选择网点类型。")]}, code="invalid")
        data["kind"] = kind
    for name, limit in (("address", 300), ("phone", 40), ("notes", TEXT_LENGTH)):
        if name in changes:
            data[name] = _text(changes[name], name, limit)
    if "manager" in changes:
        data["manager"] = _employee(changes["manager"], "manager")
    if "coverage" in changes:
        data["coverage"] = clean_coverage(changes["coverage"])
    if "fee_list" in changes:
        value = changes["fee_list"]
        if value in (None, ""):
            data["fee_list"] = None
        else:
            found = FeeList.objects.filter(
                pk=documents.pk_of(value) if str(documents.pk_of(value)).isdigit() else 0
            ).first()
            if found is None:
                raise ValidationError({"fee_list": [_("收费标准不存在。")]}, code="invalid")
            data["fee_list"] = found
    if "active" in changes:
        data["active"] = _bool(changes["active"])
    return data


def _technicians(raw: Any) -> list[Employee]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"technicians": [_("请选择在职员工。")]}, code="invalid")
    ids: list[int] = []
    for value in raw:
        try:
            ids.append(int(documents.pk_of(value)))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"technicians": [_("请选择在职员工。")]}, code="invalid") from exc
    found = list(Employee.objects.filter(pk__in=ids, status=Employee.Status.ACTIVE))
    if len(found) != len(set(ids)):
        raise ValidationError({"technicians": [_("请选择在职员工。")]}, code="invalid")
    return found


def _save_outlet(outlet: ServiceOutlet) -> None:
    try:
        with transaction.atomic():
            outlet.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"code": [_("网点编号已被使用，请换一个编号。")]}, code="unique"
        ) from exc


FEE_FIELDS = {
    "name", "currency", "labour_rate", "call_out_fee", "discount_percent", "is_default",
    "active", "notes",
}  # fmt: skip
OUTLET_FIELDS = {
    "code", "name", "kind", "address", "phone", "manager", "coverage", "fee_list", "active",
    "notes",
}  # fmt: skip


@transaction.atomic
def outlet_create(*, actor: Employee, technicians: Any = None, **values: Any) -> ServiceOutlet:
    policy.require(actor, f"{OUTLETS}.create")
    unknown = sorted(set(values) - OUTLET_FIELDS)
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    data = _outlet_values(values, creating=True)
    people = _technicians(technicians)
    outlet = ServiceOutlet(org_id=actor.org_id, **data)
    _save_outlet(outlet)
    outlet.technicians.set(people)
    return outlet


@transaction.atomic
def outlet_update(
    *,
    actor: Employee,
    outlet: ServiceOutlet,
    version: Any = None,
    technicians: Any = None,
    **changes: Any,
) -> ServiceOutlet:
    policy.require(actor, f"{OUTLETS}.edit")
    unknown = sorted(set(changes) - OUTLET_FIELDS)
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    outlet = lock_for_update(ServiceOutlet, outlet.pk, expected_version=version)
    data = _outlet_values(changes, creating=False)
    people = _technicians(technicians) if technicians is not None else None
    for name, value in data.items():
        setattr(outlet, name, value)
    outlet.version += 1
    _save_outlet(outlet)
    if people is not None:
        outlet.technicians.set(people)
    return outlet


@transaction.atomic
def outlet_delete(*, actor: Employee, outlet: ServiceOutlet) -> None:
    """Soft delete; refused while the outlet has open repairs."""
    policy.require(actor, f"{OUTLETS}.delete")
    outlet = lock_for_update(ServiceOutlet, outlet.pk)
    if Repair.objects.filter(outlet=outlet, status__in=Repair.OPEN_STATUSES).exists():
        raise BusinessRuleError(
            _("该网点还有未完成的维修单，请先转给其他网点或完成后再删除。"),
            code="outlet_has_open_repairs",
        )
    outlet.deleted_at = timezone.now()
    outlet.active = False
    outlet.save(update_fields=["deleted_at", "active", "updated_at"])


# ---- repairs ---------------------------------------------------------------------------


def _apply_rates(repair: Repair, outlet: ServiceOutlet | None) -> None:
    fee_list = selectors.fee_list_for(outlet)
    repair.fee_list = fee_list
    if fee_list is None:
        repair.labour_rate = Decimal(0)
        repair.call_out_fee = Decimal(0)
        repair.discount_percent = Decimal(0)
    else:
        repair.labour_rate = fee_list.labour_rate
        repair.call_out_fee = fee_list.call_out_fee
        repair.discount_percent = fee_list.discount_percent
        repair.currency = fee_list.currency


def _recompute(repair: Repair, places: int, part_amounts: list[Decimal] | None = None) -> None:
    if part_amounts is None:
        part_amounts = list(
            RepairPart.objects.filter(repair=repair).values_list("amount", flat=True)
        )
    charges = fees.compute(
        labour_hours=repair.labour_hours,
        labour_rate=repair.labour_rate,
        part_amounts=part_amounts,
        call_out=repair.call_out,
        call_out_fee=repair.call_out_fee,
        discount_percent=repair.discount_percent,
        chargeable=repair.chargeable,
        places=places,
    )
    for name, value in charges.as_fields().items():
        setattr(repair, name, value)


def _clean_parts(raw: Any, *, fee_list: FeeList | None, settings: OrgSettings) -> list[dict]:
    """Part rows ``[{product, quantity, unit_price?, note?}]`` → rows with the price
    and amount; a blank unit price takes the fee list's part price, then the product's."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"parts": [_("配件格式不正确。")]}, code="invalid")
    if len(raw) > MAX_PARTS:
        raise ValidationError(
            {"parts": [_("配件最多 %(n)s 行。") % {"n": MAX_PARTS}]}, code="max_length"
        )
    places = _places(settings)
    rows: list[dict] = []
    errors: list[str] = []
    ids = _product_ids(raw)
    products = selectors.products_by_id(ids)
    prices = selectors.part_prices(fee_list, list(products))
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            errors.append(_("第 %(n)s 行格式不正确。") % {"n": number})
            continue
        try:
            pk = int(documents.pk_of(row.get("product")))
        except (TypeError, ValueError):
            pk = 0
        product = products.get(pk)
        try:
            if product is None:
                raise ValidationError(_("请选择配件。"))
            quantity = _decimal(row.get("quantity"), "quantity", maximum=MAX_QUANTITY, places=4)
            if quantity <= 0:
                raise ValidationError(_("数量必须大于 0。"))
            raw_price = row.get("unit_price")
            if raw_price is None or (isinstance(raw_price, str) and not raw_price.strip()):
                if pk in prices:
                    price, source = prices[pk], RepairPart.PriceSource.FEE_LIST
                else:
                    price, source = product.list_price, RepairPart.PriceSource.PRODUCT
                price = quantize(price, settings.price_decimals)
            else:
                price = _decimal(
                    raw_price, "unit_price", maximum=MAX_PRICE, places=settings.price_decimals
                )
                source = RepairPart.PriceSource.MANUAL
            note = _text(row.get("note"), "note", 200)
        except ValidationError as exc:
            errors.append(
                _("第 %(n)s 行：%(error)s") % {"n": number, "error": " ".join(exc.messages)}
            )
            continue
        rows.append(
            {
                "product": product,
                "quantity": quantity,
                "unit_price": price,
                "price_source": source,
                "amount": fees.part_amount(quantity, price, places),
                "note": note,
            }
        )
    if errors:
        raise ValidationError({"parts": errors}, code="invalid")
    return rows


def _store_parts(repair: Repair, rows: list[dict]) -> None:
    RepairPart.objects.bulk_create(
        RepairPart(org_id=repair.org_id, repair=repair, **row) for row in rows
    )


def _owner(actor: Employee, value: Any) -> Employee:
    owner = _employee(value, "owner")
    return owner or actor


@transaction.atomic
def repair_create(
    *,
    actor: Employee,
    customer: Any = None,
    ticket: Any = None,
    installed_product: Any = None,
    product: Any = None,
    outlet: Any = None,
    owner: Any = None,
    fault_description: str = "",
    serial_number: str = "",
    received_on: Any = None,
    labour_hours: Any = None,
    call_out: Any = False,
    chargeable: bool | None = None,
    entitlement_note: str | None = None,
    parts: Any = None,
) -> Repair:
    """A received repair. From a ``ticket`` it takes the ticket's customer, installed
    product, product and description unless given. Without an ``outlet`` the active
    outlet covering the customer's region is chosen and the reason kept. The rates come
    from the outlet's fee list (or the default one). Unless ``chargeable`` is given, the
    entitlement check decides it (warranty, service contract, sales contract) and its
    explanation becomes the note. Takes the next ``repair`` code."""
    policy.require(actor, f"{MODULE}.create")
    settings = _settings(actor.org_id)
    places = _places(settings)
    source = _ticket(actor, ticket)
    if source is not None:
        customer = customer or source.customer_id
        installed_product = installed_product or source.installed_product_id
        product = product or source.product_id
        fault_description = fault_description or "\n".join(
            part for part in (source.subject, source.description) if part
        )
    client = documents.visible_customer(actor, customer)
    item = _installed(installed_product, client)
    chosen_product = _product(product, "product", required=False)
    if chosen_product is None and item is not None:
        chosen_product = item.product
    data = {
        "fault_description": _text(
            fault_description, "fault_description", TEXT_LENGTH, required=True
        ),
        "serial_number": _text(
            serial_number or (item.serial_number if item else ""), "serial_number", 100
        ),
        "received_on": documents.date_or_none(received_on, "received_on") or timezone.localdate(),
        "labour_hours": _decimal(
            labour_hours, "labour_hours", maximum=MAX_HOURS, places=2, default="0"
        ),
        "call_out": _bool(call_out),
        "owner": _owner(actor, owner),
    }
    chosen_outlet = _outlet(outlet)
    reason = ""
    if chosen_outlet is None:
        match = selectors.outlet_match(region=client.region)
        if match is not None:
            chosen_outlet = match.outlet
            reason = _("按客户所在地区“%(region)s”匹配网点覆盖范围“%(prefix)s”") % {
                "region": client.region,
                "prefix": match.prefix,
            }
        elif client.region:
            reason = _("没有网点覆盖客户所在地区“%(region)s”") % {"region": client.region}
        else:
            reason = _("客户未填写所在地区，未自动分派网点")
    else:
        reason = _("由 %(name)s 指定") % {"name": actor.name}
    if chargeable is None:
        entitled = entitlement_for(customer=client, installed_product=item, product=chosen_product)
        chargeable = entitled.chargeable
        if entitlement_note is None:
            entitlement_note = entitled.explanation
    repair = Repair(
        org_id=actor.org_id,
        code=next_code(org_id=actor.org_id, target="repair"),
        ticket=source,
        customer=client,
        installed_product=item,
        product=chosen_product,
        outlet=chosen_outlet,
        outlet_reason=reason[:300],
        chargeable=bool(chargeable),
        entitlement_note=_text(entitlement_note or "", "entitlement_note", 500),
        currency=settings.currency,
        created_by=actor,
        **data,
    )
    _apply_rates(repair, chosen_outlet)
    rows = _clean_parts(parts, fee_list=repair.fee_list, settings=settings)
    _recompute(repair, places, [row["amount"] for row in rows])
    repair.save()
    _store_parts(repair, rows)
    audit.record_change(
        actor=actor, instance=repair, action=ChangeRecord.Action.CREATE, after=_snapshot(repair)
    )
    _index_repair(repair)
    return repair


def _locked(actor: Employee, repair: Repair, version: Any = None) -> Repair:
    selectors.access_repair(actor, repair.pk, write=True)
    locked = lock_for_update(Repair, repair.pk, expected_version=version)
    return locked


def _refuse_closed(repair: Repair) -> None:
    if not repair.parts_editable:
        raise BusinessRuleError(
            _("维修单%(status)s，配件、工时和费用不能再修改。")
            % {"status": repair.get_status_display()},
            code="repair_closed",
        )


def _finish(actor: Employee, repair: Repair, before: dict) -> Repair:
    repair.version += 1
    repair.save()
    audit.record_change(
        actor=actor,
        instance=repair,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(repair),
    )
    _index_repair(repair)
    return repair


def _changes_charges(repair: Repair, changes: dict) -> bool:
    """Whether ``changes`` would move the repair's charges (a form posts every field,
    so a returned repair's unchanged hours are no change)."""
    if "parts" in changes:
        return True
    if "labour_hours" in changes:
        hours = _decimal(
            changes["labour_hours"], "labour_hours", maximum=MAX_HOURS, places=2, default="0"
        )
        if hours != repair.labour_hours:
            return True
    if "call_out" in changes and _bool(changes["call_out"]) != repair.call_out:
        return True
    return "outlet" in changes and _pk_or_none(changes["outlet"]) != repair.outlet_id


def _pk_or_none(value: Any) -> Any:
    if value in (None, ""):
        return None
    pk = documents.pk_of(value)
    return int(pk) if str(pk).isdigit() else pk


@transaction.atomic
def repair_update(
    *, actor: Employee, repair: Repair, version: Any = None, **changes: Any
) -> Repair:
    """Change a repair (``repairs.edit``); ``version`` guards against stale edits (409).
    Hours, call-out, outlet and parts are refused once returned or cancelled (422).
    ``parts`` replaces every part. A new outlet re-prices the repair with its fee list."""
    unknown = sorted(set(changes) - set(REPAIR_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    repair = _locked(actor, repair, version)
    if not repair.parts_editable and _changes_charges(repair, changes):
        _refuse_closed(repair)
    settings = _settings(actor.org_id)
    places = _places(settings)
    before = _snapshot(repair)
    for name in ("fault_description", "diagnosis", "result"):
        if name in changes:
            repair_text = _text(
                changes[name], name, TEXT_LENGTH, required=name == "fault_description"
            )
            setattr(repair, name, repair_text)
    if "serial_number" in changes:
        repair.serial_number = _text(changes["serial_number"], "serial_number", 100)
    if "received_on" in changes:
        repair.received_on = (
            documents.date_or_none(changes["received_on"], "received_on") or repair.received_on
        )
    if "labour_hours" in changes:
        repair.labour_hours = _decimal(
            changes["labour_hours"], "labour_hours", maximum=MAX_HOURS, places=2, default="0"
        )
    if "call_out" in changes:
        repair.call_out = _bool(changes["call_out"])
    if "owner" in changes:
        repair.owner = _owner(actor, changes["owner"])
        repair.owner_department_id = repair.owner.department_id
    if "installed_product" in changes:
        repair.installed_product = _installed(changes["installed_product"], repair.customer)
    if "product" in changes:
        repair.product = _product(changes["product"], "product", required=False)
    if "outlet" in changes and _pk_or_none(changes["outlet"]) != repair.outlet_id:
        new_outlet = _outlet(changes["outlet"])
        if (new_outlet.pk if new_outlet else None) != repair.outlet_id:
            repair.outlet = new_outlet
            repair.outlet_reason = (
                _("由 %(name)s 指定") % {"name": actor.name} if new_outlet else ""
            )[:300]
            _apply_rates(repair, new_outlet)
    if "parts" in changes:
        rows = _clean_parts(changes["parts"], fee_list=repair.fee_list, settings=settings)
        RepairPart.objects.filter(repair=repair).delete()
        _store_parts(repair, rows)
    _recompute(repair, places)
    return _finish(actor, repair, before)


@transaction.atomic
def repair_set_entitlement(
    *, actor: Employee, repair: Repair, chargeable: bool, entitlement_note: str = ""
) -> Repair:
    """Whether the customer pays (warranty, service contract, sales contract): the
    entitlement check calls this; the charges are recomputed."""
    repair = _locked(actor, repair)
    _refuse_closed(repair)
    before = _snapshot(repair)
    repair.chargeable = bool(chargeable)
    repair.entitlement_note = _text(entitlement_note, "entitlement_note", 500)
    _recompute(repair, _places(_settings(actor.org_id)))
    return _finish(actor, repair, before)


@transaction.atomic
def repair_transition(
    *, actor: Employee, repair: Repair, status: str, version: Any = None
) -> Repair:
    """Move the repair to ``status`` if the workflow allows it (422 otherwise)."""
    if status not in S.values:
        raise ValidationError({"status": [_("未知的维修状态。")]}, code="invalid")
    repair = _locked(actor, repair, version)
    if status not in TRANSITIONS[repair.status]:
        raise BusinessRuleError(
            _("维修单%(current)s，不能改为“%(target)s”。")
            % {"current": repair.get_status_display(), "target": S(status).label},
            code="repair_bad_transition",
        )
    before = _snapshot(repair)
    today = timezone.localdate()
    if status == S.DONE:
        repair.done_on = today
    elif status == S.REPAIRING and repair.status == S.DONE:
        repair.done_on = None
    elif status == S.RETURNED:
        repair.returned_on = today
    repair.status = status
    return _finish(actor, repair, before)


@transaction.atomic
def repair_add_part(
    *,
    actor: Employee,
    repair: Repair,
    product: Any,
    quantity: Any,
    unit_price: Any = None,
    note: str = "",
) -> RepairPart:
    """Add one part; refused once returned or cancelled. Totals follow."""
    repair = _locked(actor, repair)
    _refuse_closed(repair)
    if RepairPart.objects.filter(repair=repair).count() >= MAX_PARTS:
        raise BusinessRuleError(
            _("配件最多 %(n)s 行。") % {"n": MAX_PARTS}, code="repair_too_many_parts"
        )
    settings = _settings(actor.org_id)
    rows = _clean_parts(
        [{"product": product, "quantity": quantity, "unit_price": unit_price, "note": note}],
        fee_list=repair.fee_list,
        settings=settings,
    )
    before = _snapshot(repair)
    part = RepairPart.objects.create(org_id=repair.org_id, repair=repair, **rows[0])
    _recompute(repair, _places(settings))
    _finish(actor, repair, before)
    return part


@transaction.atomic
def repair_remove_part(*, actor: Employee, part: RepairPart) -> Repair:
    repair = _locked(actor, part.repair)
    _refuse_closed(repair)
    before = _snapshot(repair)
    RepairPart.objects.filter(pk=part.pk, repair=repair).delete()
    _recompute(repair, _places(_settings(actor.org_id)))
    return _finish(actor, repair, before)


@transaction.atomic
def repair_delete(*, actor: Employee, repair: Repair) -> None:
    """To the recycle bin (``repairs.delete``); refused once returned."""
    policy.require(actor, f"{MODULE}.delete")
    repair = _locked(actor, repair)
    if repair.status == S.RETURNED:
        raise BusinessRuleError(_("已交付的维修单不能删除。"), code="repair_returned")
    repair.deleted_at = timezone.now()
    repair.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(actor=actor, instance=repair, action=ChangeRecord.Action.DELETE)
    index.remove(REPAIR_KIND, [repair.pk])


# ---- packing lists ---------------------------------------------------------------------


def _clean_packing_lines(raw: Any) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"lines": [_("装箱明细格式不正确。")]}, code="invalid")
    if len(raw) > MAX_PARTS:
        raise ValidationError(
            {"lines": [_("装箱明细最多 %(n)s 行。") % {"n": MAX_PARTS}]}, code="max_length"
        )
    ids = _product_ids(raw)
    products = selectors.products_by_id(ids)
    rows: list[dict] = []
    errors: list[str] = []
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            errors.append(_("第 %(n)s 行格式不正确。") % {"n": number})
            continue
        try:
            pk = int(documents.pk_of(row.get("product")))
        except (TypeError, ValueError):
            pk = 0
        try:
            product = products.get(pk)
            if product is None:
                raise ValidationError(_("请选择产品。"))
            quantity = _decimal(row.get("quantity"), "quantity", maximum=MAX_QUANTITY, places=4)
            if quantity <= 0:
                raise ValidationError(_("数量必须大于 0。"))
            serials = _text(row.get("serial_numbers"), "serial_numbers", 2000)
            note = _text(row.get("note"), "note", 200)
        except ValidationError as exc:
            errors.append(
                _("第 %(n)s 行：%(error)s") % {"n": number, "error": " ".join(exc.messages)}
            )
            continue
        rows.append(
            {"product": product, "quantity": quantity, "serial_numbers": serials, "note": note}
        )
    if errors:
        raise ValidationError({"lines": errors}, code="invalid")
    return rows


def _store_lines(packing: PackingList, rows: list[dict]) -> None:
    PackingLine.objects.bulk_create(
        PackingLine(org_id=packing.org_id, packing_list=packing, **row) for row in rows
    )


@transaction.atomic
def packing_list_create(
    *,
    actor: Employee,
    customer: Any = None,
    repair: Any = None,
    ship_to_name: str = "",
    ship_to_phone: str = "",
    ship_to_address: str = "",
    carrier: str = "",
    tracking_number: str = "",
    notes: str = "",
    lines: Any = None,
) -> PackingList:
    """A draft packing list. From a ``repair`` (生成装箱单): its customer, and its parts
    as lines unless ``lines`` are given. The ship-to defaults to the customer's name,
    phone and address. Takes the next ``packing_list`` code."""
    policy.require(actor, f"{MODULE}.create")
    source = None
    if repair not in (None, ""):
        try:
            source = selectors.repair_queryset(employee=actor).get(pk=int(documents.pk_of(repair)))
        except (Repair.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
            raise ValidationError({"repair": [_("维修单不存在。")]}, code="invalid") from exc
        customer = source.customer_id
        if lines is None:
            lines = [
                {
                    "product": part.product_id,
                    "quantity": part.quantity,
                    "serial_numbers": "",
                    "note": part.note,
                }
                for part in source.parts.all()
            ]
    client = documents.visible_customer(actor, customer)
    rows = _clean_packing_lines(lines)
    packing = PackingList(
        org_id=actor.org_id,
        code=next_code(org_id=actor.org_id, target="packing_list"),
        repair=source,
        customer=client,
        ship_to_name=_text(ship_to_name or client.name, "ship_to_name", 100, required=True),
        ship_to_phone=_text(ship_to_phone or client.phone, "ship_to_phone", 40),
        ship_to_address=_text(
            ship_to_address or " ".join(p for p in (client.region, client.address) if p),
            "ship_to_address",
            300,
            required=True,
        ),
        carrier=_text(carrier, "carrier", 100),
        tracking_number=_text(tracking_number, "tracking_number", 100),
        notes=_text(notes, "notes", TEXT_LENGTH),
        owner=actor,
    )
    packing.save()
    _store_lines(packing, rows)
    _index_packing(packing)
    return packing


def _locked_packing(actor: Employee, packing: PackingList, version: Any = None) -> PackingList:
    selectors.access_packing_list(actor, packing.pk, write=True)
    return lock_for_update(PackingList, packing.pk, expected_version=version)


@transaction.atomic
def packing_list_update(
    *, actor: Employee, packing_list: PackingList, version: Any = None, **changes: Any
) -> PackingList:
    """Change the ship-to, carrier, tracking number, notes or ``lines`` (replaced; only
    before it ships)."""
    unknown = sorted(set(changes) - set(PACKING_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    packing = _locked_packing(actor, packing_list, version)
    limits = {
        "ship_to_name": 100, "ship_to_phone": 40, "ship_to_address": 300, "carrier": 100,
        "tracking_number": 100, "notes": TEXT_LENGTH,
    }  # fmt: skip
    for name, limit in limits.items():
        if name in changes:
            required = name in ("ship_to_name", "ship_to_address")
            setattr(packing, name, _text(changes[name], name, limit, required=required))
    if "lines" in changes:
        _refuse_shipped(packing)
        rows = _clean_packing_lines(changes["lines"])
        PackingLine.objects.filter(packing_list=packing).delete()
        _store_lines(packing, rows)
    packing.version += 1
    packing.save()
    _index_packing(packing)
    return packing


@transaction.atomic
def packing_list_transition(
    *, actor: Employee, packing_list: PackingList, status: str, version: Any = None
) -> PackingList:
    if status not in P.values:
        raise ValidationError({"status": [_("未知的装箱单状态。")]}, code="invalid")
    packing = _locked_packing(actor, packing_list, version)
    if status not in PACKING_TRANSITIONS[packing.status]:
        raise BusinessRuleError(
            _("装箱单%(current)s，不能改为“%(target)s”。")
            % {"current": packing.get_status_display(), "target": P(status).label},
            code="packing_list_bad_transition",
        )
    if status == P.PACKED and not PackingLine.objects.filter(packing_list=packing).exists():
        raise BusinessRuleError(
            _("装箱单还没有明细，请先添加要装箱的产品。"), code="packing_list_empty"
        )
    today = timezone.localdate()
    if status == P.SHIPPED:
        packing.shipped_on = today
    elif status == P.DELIVERED:
        packing.delivered_on = today
    packing.status = status
    packing.version += 1
    packing.save()
    return packing


@transaction.atomic
def packing_list_delete(*, actor: Employee, packing_list: PackingList) -> None:
    """To the recycle bin; refused once shipped."""
    policy.require(actor, f"{MODULE}.delete")
    packing = _locked_packing(actor, packing_list)
    if not packing.lines_editable:
        raise BusinessRuleError(_("已发货的装箱单不能删除。"), code="packing_list_shipped")
    packing.deleted_at = timezone.now()
    packing.save(update_fields=["deleted_at", "updated_at"])
    index.remove(PACKING_KIND, [packing.pk])


@transaction.atomic
def packing_list_add_line(
    *,
    actor: Employee,
    packing_list: PackingList,
    product: Any,
    quantity: Any,
    serial_numbers: str = "",
    note: str = "",
) -> PackingLine:
    """Add one line before the packing list ships."""
    packing = _locked_packing(actor, packing_list)
    _refuse_shipped(packing)
    rows = _clean_packing_lines(
        [{"product": product, "quantity": quantity, "serial_numbers": serial_numbers, "note": note}]
    )
    line = PackingLine.objects.create(org_id=packing.org_id, packing_list=packing, **rows[0])
    packing.version += 1
    packing.save(update_fields=["version", "updated_at"])
    return line


@transaction.atomic
def packing_list_remove_line(*, actor: Employee, line: PackingLine) -> PackingList:
    packing = _locked_packing(actor, line.packing_list)
    _refuse_shipped(packing)
    PackingLine.objects.filter(pk=line.pk, packing_list=packing).delete()
    packing.version += 1
    packing.save(update_fields=["version", "updated_at"])
    return packing


def _refuse_shipped(packing: PackingList) -> None:
    if not packing.lines_editable:
        raise BusinessRuleError(
            _("装箱单%(status)s，明细不能再修改。") % {"status": packing.get_status_display()},
            code="packing_list_closed",
        )


@transaction.atomic
def fee_list_set_item(
    *, actor: Employee, fee_list: FeeList, product: Any, price: Any
) -> FeeListItem:
    """Set the part price of one product in a fee list (added or replaced)."""
    policy.require(actor, f"{SETUP}.edit")
    fee_list = lock_for_update(FeeList, fee_list.pk)
    settings = _settings(actor.org_id)
    found = _product(product, "product")
    assert found is not None
    amount = _decimal(price, "price", maximum=MAX_PRICE, places=settings.price_decimals)
    item, _created = FeeListItem.objects.update_or_create(
        fee_list=fee_list,
        product=found,
        defaults={"price": amount, "org_id": actor.org_id},
    )
    fee_list.version += 1
    fee_list.save(update_fields=["version", "updated_at"])
    return item


@transaction.atomic
def fee_list_remove_item(*, actor: Employee, item: FeeListItem) -> FeeList:
    policy.require(actor, f"{SETUP}.edit")
    fee_list = lock_for_update(FeeList, item.fee_list_id)
    FeeListItem.objects.filter(pk=item.pk, fee_list=fee_list).delete()
    fee_list.version += 1
    fee_list.save(update_fields=["version", "updated_at"])
    return fee_list
