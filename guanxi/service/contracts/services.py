"""Every write of service contracts (keyword-only, in a transaction, audited).

Permissions are the owned module ``service_contracts``: ``create``, ``edit`` (change a
draft or active contract, activate, cancel, renew), ``delete`` (a draft or cancelled one
to the recycle bin), ``transfer`` (another owner); the data scope decides which
contracts one reaches.

Status: draft → (activate) active → expired (the daily job, after the end date) ; a
draft or active contract can be cancelled. Renewing an active or expired contract makes
the next period's draft with the same coverage, promise and price (one live renewal per
contract).

Coverage: an installed product of the contract's customer, or a product (every unit of
it the customer has). Two live contracts (draft or active) of a customer may not cover
the same item in overlapping periods: a product line overlaps the installed products of
that product. The check reads the other contracts of the customer after locking the
customer's row, so two saves at the same moment run one after the other.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee, OrgSettings
from guanxi.orgs.numbering import next_code
from guanxi.sales.contracts import documents
from guanxi.service.contracts import selectors
from guanxi.service.contracts.models import ServiceContract, ServiceContractItem
from guanxi.service.installed.models import InstalledProduct
from guanxi.workspace.notifications import kinds
from guanxi.workspace.notifications.services import lazy_text, notify

MODULE = "service_contracts"
NOTIFY_KIND = "service_contract_renewal"
TITLE_LENGTH = 200
NOTES_LENGTH = 5000
MAX_PRICE = Decimal("9999999999999")
AUDIT_FIELDS = (
    "code", "title", "customer", "contact", "status", "start_date", "end_date", "signed_on",
    "first_response_minutes", "resolution_minutes", "onsite_response_hours",
    "visits_included", "price", "billing_notes", "owner",
)  # fmt: skip
FIELDS = (
    "title", "customer", "contact", "start_date", "end_date", "first_response_minutes",
    "resolution_minutes", "onsite_response_hours", "visits_included", "price",
    "billing_notes", "owner", "items",
)  # fmt: skip
PROMISE_FIELDS = (
    "first_response_minutes", "resolution_minutes", "onsite_response_hours", "visits_included",
)  # fmt: skip
Status = ServiceContract.Status
LIVE = (Status.DRAFT, Status.ACTIVE)


def _snapshot(contract):
    return audit.snapshot(contract, AUDIT_FIELDS)


def _whole(value, field) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError({field: [_("请填写不小于 0 的整数。")]}, code="invalid") from exc
    if not 0 <= number <= 10_000_000:
        raise ValidationError({field: [_("请填写不小于 0 的整数。")]}, code="invalid")
    return number


def _price(value, places) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        price = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValidationError({"price": [_("请输入有效的金额。")]}, code="invalid") from exc
    if not price.is_finite():
        raise ValidationError({"price": [_("请输入有效的金额。")]}, code="invalid")
    if price < 0:
        raise ValidationError({"price": [_("合同金额不能为负数。")]}, code="invalid")
    if price > MAX_PRICE:
        raise ValidationError({"price": [_("合同金额过大。")]}, code="invalid")
    return price.quantize(Decimal(1).scaleb(-int(places)))


def _period(start, end) -> tuple[datetime.date, datetime.date]:
    start_date = documents.date_or_none(start, "start_date")
    end_date = documents.date_or_none(end, "end_date")
    errors = {}
    if start_date is None:
        errors["start_date"] = [_("请填写开始日期。")]
    if end_date is None:
        errors["end_date"] = [_("请填写结束日期。")]
    if errors:
        raise ValidationError(errors, code="required")
    assert start_date is not None and end_date is not None
    if end_date < start_date:
        raise ValidationError({"end_date": [_("结束日期不能早于开始日期。")]}, code="invalid")
    return start_date, end_date


def _items(customer, raw) -> list[tuple[str, Any]]:
    """``[("installed", InstalledProduct) | ("product", Product)]`` from
    ``[{"installed_product": id} | {"product": id}]``: the customer's live installed
    products, products of the org; duplicates dropped."""
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        raise ValidationError({"items": [_("覆盖范围格式不正确。")]}, code="invalid")
    installed_ids, product_ids = [], []
    try:
        for entry in raw:
            if not isinstance(entry, dict):
                raise TypeError
            if entry.get("installed_product") not in (None, ""):
                installed_ids.append(int(documents.pk_of(entry["installed_product"])))
            elif entry.get("product") not in (None, ""):
                product_ids.append(int(documents.pk_of(entry["product"])))
            else:
                raise TypeError
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(
            {"items": [_("每个覆盖项须为一条安装档案或一个产品。")]}, code="invalid"
        ) from exc
    installed = {
        item.pk: item
        for item in InstalledProduct.objects.filter(pk__in=set(installed_ids)).select_related(
            "product"
        )
    }
    if any(
        installed.get(pk) is None or installed[pk].customer_id != customer.pk
        for pk in installed_ids
    ):
        raise ValidationError({"items": [_("所选安装档案不存在或不属于该客户。")]}, code="invalid")
    products = {p.pk: p for p in Product.objects.filter(pk__in=set(product_ids))}
    if len(products) != len(set(product_ids)):
        raise ValidationError({"items": [_("所选产品不存在。")]}, code="invalid")
    rows: list[tuple[str, Any]] = [
        ("installed", installed[pk]) for pk in dict.fromkeys(installed_ids)
    ]
    rows += [("product", products[pk]) for pk in dict.fromkeys(product_ids)]
    return rows


def _check_overlap(*, customer, start, end, items, exclude_pk=None):
    """Refuse coverage another live contract of the customer already gives in an
    overlapping period."""
    if not items:
        return
    installed_ids = {obj.pk for kind, obj in items if kind == "installed"}
    product_ids = {obj.pk for kind, obj in items if kind == "product"}
    products_of_installed = {obj.product_id for kind, obj in items if kind == "installed"}
    clash = (
        Q(installed_product_id__in=installed_ids)
        | Q(product_id__in=product_ids | products_of_installed)
        | Q(installed_product__product_id__in=product_ids)
    )
    found = (
        ServiceContractItem.objects.filter(
            clash,
            contract__customer_id=customer.pk,
            contract__status__in=LIVE,
            contract__deleted_at__isnull=True,
            contract__start_date__lte=end,
            contract__end_date__gte=start,
        )
        .exclude(contract_id=exclude_pk)
        .select_related("contract", "installed_product", "installed_product__product", "product")
        .first()
    )
    if found is not None:
        raise BusinessRuleError(
            _(
                "%(item)s 已由服务合同 %(code)s 覆盖（%(start)s 至 %(end)s），"
                "同一设备的服务期不能重叠：请调整服务期或覆盖范围。"
            )
            % {
                "item": str(found),
                "code": found.contract.code,
                "start": found.contract.start_date.isoformat(),
                "end": found.contract.end_date.isoformat(),
            },
            code="coverage_overlap",
        )


def _replace_items(contract, items):
    ServiceContractItem.objects.filter(contract=contract).delete()
    ServiceContractItem.objects.bulk_create(
        [
            ServiceContractItem(
                org_id=contract.org_id,
                contract=contract,
                installed_product=obj if kind == "installed" else None,
                product=obj if kind == "product" else None,
            )
            for kind, obj in items
        ]
    )


def _lock_customer(customer):
    Customer.objects.select_for_update().filter(pk=customer.pk).first()


@transaction.atomic
def service_contract_create(
    *, actor, customer, title, start_date, end_date, contact=None, items=None, price=None,
    first_response_minutes=None, resolution_minutes=None, onsite_response_hours=None,
    visits_included=None, billing_notes="", owner=None, renewal_of=None,
) -> ServiceContract:  # fmt: skip
    """A draft service contract of a customer the actor may see, with its coverage
    ``items`` (``[{"installed_product": id} | {"product": id}]``). Takes the next
    ``service_contract`` code."""
    policy.require(actor, f"{MODULE}.create")
    settings = documents.org_settings(actor.org_id)
    customer = documents.visible_customer(actor, customer)
    start, end = _period(start_date, end_date)
    contract = ServiceContract(
        org_id=actor.org_id,
        customer=customer,
        contact=documents.customer_contact(customer, contact),
        title=documents.text(title, "title", TITLE_LENGTH, required=True),
        start_date=start,
        end_date=end,
        price=_price(price, settings.order_decimals),
        currency=settings.currency,
        billing_notes=documents.text(billing_notes, "billing_notes", NOTES_LENGTH),
        owner=documents.owner_for(actor, owner, module=MODULE),
        renewal_of=renewal_of,
        **{name: _whole(value, name) for name, value in (
            ("first_response_minutes", first_response_minutes),
            ("resolution_minutes", resolution_minutes),
            ("onsite_response_hours", onsite_response_hours),
            ("visits_included", visits_included),
        )},
    )  # fmt: skip
    rows = _items(customer, items)
    _lock_customer(customer)
    _check_overlap(customer=customer, start=start, end=end, items=rows)
    contract.code = next_code(org_id=actor.org_id, target="service_contract")
    contract.save()
    _replace_items(contract, rows)
    audit.record_change(
        actor=actor, instance=contract, action=ChangeRecord.Action.CREATE, after=_snapshot(contract)
    )
    return contract


def _locked(actor, contract, *, write=True) -> ServiceContract:
    selectors.access_contract(actor, contract.pk, write=write)
    return ServiceContract.objects.select_for_update().get(pk=contract.pk)


def _refuse_unless(contract, statuses, verb):
    if contract.status not in statuses:
        raise BusinessRuleError(
            _("服务合同%(status)s，不能%(verb)s。")
            % {"status": contract.get_status_display(), "verb": verb},
            code="contract_status",
        )


@transaction.atomic
def service_contract_update(*, actor, contract, version=None, **changes) -> ServiceContract:
    """Change a draft or active contract (``service_contracts.edit``); ``version``
    guards against stale edits (409). The customer of an active contract is fixed."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    contract = _locked(actor, contract)
    _refuse_unless(contract, LIVE, _("修改"))
    if version is not None and int(version) != contract.version:
        raise StaleVersion()
    before = _snapshot(contract)
    customer = contract.customer
    if "customer" in changes and documents.pk_of(changes["customer"]) != contract.customer_id:
        if contract.status != Status.DRAFT:
            raise BusinessRuleError(
                _("生效中的服务合同不能更换客户。"), code="contract_customer_fixed"
            )
        customer = documents.visible_customer(actor, changes["customer"])
        contract.customer = customer
        if "contact" not in changes:
            contract.contact = None
        if "items" not in changes:
            changes["items"] = []
    if "contact" in changes:
        contract.contact = documents.customer_contact(customer, changes["contact"])
    if "title" in changes:
        contract.title = documents.text(changes["title"], "title", TITLE_LENGTH, required=True)
    if "billing_notes" in changes:
        contract.billing_notes = documents.text(
            changes["billing_notes"], "billing_notes", NOTES_LENGTH
        )
    if "price" in changes:
        settings = documents.org_settings(actor.org_id)
        contract.price = _price(changes["price"], settings.order_decimals)
    for name in PROMISE_FIELDS:
        if name in changes:
            setattr(contract, name, _whole(changes[name], name))
    if "start_date" in changes or "end_date" in changes:
        contract.start_date, contract.end_date = _period(
            changes.get("start_date", contract.start_date),
            changes.get("end_date", contract.end_date),
        )
    if "owner" in changes:
        contract.owner = documents.owner_for(
            actor, changes["owner"], module=MODULE, current=contract.owner
        )
        contract.owner_department_id = contract.owner.department_id
    if "items" in changes:
        rows = _items(customer, changes["items"])
    else:
        rows = [
            ("installed", item.installed_product)
            if item.installed_product_id
            else ("product", item.product)
            for item in contract.items.select_related("installed_product", "product")
        ]
    _lock_customer(customer)
    _check_overlap(
        customer=customer, start=contract.start_date, end=contract.end_date, items=rows,
        exclude_pk=contract.pk,
    )  # fmt: skip
    if "items" in changes:
        _replace_items(contract, rows)
    after = _snapshot(contract)
    if after == before and "items" in changes:
        contract.version += 1
        contract.save()
    else:
        audit.save_if_changed(actor=actor, instance=contract, before=before, after=after)
    contract.refresh_from_db()
    return contract


@transaction.atomic
def service_contract_activate(*, actor, contract, signed_on=None) -> ServiceContract:
    """A signed draft becomes active (``signed_on`` defaults to today). Refused once its
    end date has passed or without any covered item."""
    contract = _locked(actor, contract)
    _refuse_unless(contract, (Status.DRAFT,), _("生效"))
    today = timezone.localdate()
    if contract.end_date < today:
        raise BusinessRuleError(
            _("服务期已于 %(date)s 结束，不能生效：请修改服务期。")
            % {"date": contract.end_date.isoformat()},
            code="contract_period_over",
        )
    rows = [
        ("installed", item.installed_product)
        if item.installed_product_id
        else ("product", item.product)
        for item in contract.items.select_related("installed_product", "product")
    ]
    if not rows:
        raise BusinessRuleError(
            _("服务合同还没有覆盖任何设备或产品，请先选择覆盖范围。"), code="contract_no_items"
        )
    _lock_customer(contract.customer)
    _check_overlap(
        customer=contract.customer, start=contract.start_date, end=contract.end_date,
        items=rows, exclude_pk=contract.pk,
    )  # fmt: skip
    before = _snapshot(contract)
    contract.status = Status.ACTIVE
    contract.signed_on = documents.date_or_none(signed_on, "signed_on") or today
    contract.activated_at = timezone.now()
    audit.save_if_changed(actor=actor, instance=contract, before=before, after=_snapshot(contract))
    contract.refresh_from_db()
    return contract


@transaction.atomic
def service_contract_cancel(*, actor, contract) -> ServiceContract:
    """Cancel a draft or active contract: it no longer covers anything."""
    contract = _locked(actor, contract)
    _refuse_unless(contract, LIVE, _("取消"))
    before = _snapshot(contract)
    contract.status = Status.CANCELLED
    contract.cancelled_at = timezone.now()
    audit.save_if_changed(actor=actor, instance=contract, before=before, after=_snapshot(contract))
    contract.refresh_from_db()
    return contract


@transaction.atomic
def service_contract_renew(*, actor, contract) -> ServiceContract:
    """The next period's draft of an active or expired contract: it starts the day
    after this one ends and runs as long, with the same coverage (the items still
    live), promise and price. One live renewal per contract."""
    policy.require(actor, f"{MODULE}.create")
    contract = _locked(actor, contract)
    _refuse_unless(contract, (Status.ACTIVE, Status.EXPIRED), _("续签"))
    existing = (
        ServiceContract.objects.filter(renewal_of=contract)
        .exclude(status=Status.CANCELLED)
        .only("code")
        .first()
    )
    if existing is not None:
        raise BusinessRuleError(
            _("该合同已续签为 %(code)s。") % {"code": existing.code}, code="already_renewed"
        )
    start = contract.end_date + datetime.timedelta(days=1)
    end = start + (contract.end_date - contract.start_date)
    items = [
        {"installed_product": item.installed_product_id}
        if item.installed_product_id
        else {"product": item.product_id}
        for item in contract.items.filter(
            Q(installed_product__isnull=True) | Q(installed_product__deleted_at__isnull=True)
        )
    ]
    renewal = service_contract_create(
        actor=actor,
        customer=contract.customer,
        title=contract.title,
        start_date=start,
        end_date=end,
        contact=contract.contact_id,
        items=items,
        price=contract.price,
        billing_notes=contract.billing_notes,
        renewal_of=contract,
        **{name: getattr(contract, name) for name in PROMISE_FIELDS},
    )
    owner = contract.owner
    if owner is not None and owner.pk != actor.pk and owner.status == Employee.Status.ACTIVE:
        # the renewal stays with the contract's owner: not a transfer
        renewal.owner = owner
        renewal.owner_department_id = owner.department_id
        renewal.save(update_fields=["owner", "owner_department", "updated_at"])
    return renewal


@transaction.atomic
def service_contract_delete(*, actor, contract) -> None:
    """Move a draft or cancelled contract to the recycle bin (``service_contracts.delete``)."""
    policy.require(actor, f"{MODULE}.delete")
    contract = _locked(actor, contract, write=False)
    _refuse_unless(contract, (Status.DRAFT, Status.CANCELLED), _("删除"))
    contract.deleted_at = timezone.now()
    contract.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=contract,
        action=ChangeRecord.Action.DELETE,
        before=_snapshot(contract),
    )


# ---- daily jobs ------------------------------------------------------------------------


def service_contracts_expire(*, org, today=None) -> int:
    """Active contracts whose end date has passed become expired (one org); returns
    how many."""
    today = today or timezone.localdate()
    with org_scope(org), transaction.atomic():
        rows = list(
            ServiceContract.objects.filter(status=Status.ACTIVE, end_date__lt=today).only(
                "id", "org_id", "code", "title", "status"
            )
        )
        if not rows:
            return 0
        ServiceContract.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=Status.EXPIRED, updated_at=timezone.now()
        )
        audit.record_changes(
            actor=None,
            model=ServiceContract,
            rows=[
                (
                    row.org_id,
                    row.pk,
                    str(row),
                    {"status": Status.ACTIVE},
                    {"status": Status.EXPIRED},
                )
                for row in rows
            ],
        )
        return len(rows)


def renewals_due(*, today, days):
    """Active contracts ending from ``today`` to ``days`` ahead, not yet renewed, whose
    owner is still here."""
    renewed = ServiceContract.objects.filter(renewal_of_id__isnull=False).exclude(
        status=Status.CANCELLED
    )
    return (
        ServiceContract.objects.filter(
            status=Status.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=days),
            owner__status=Employee.Status.ACTIVE,
        )
        .exclude(pk__in=renewed.values("renewal_of_id"))
        .select_related("customer")
        .only("id", "code", "title", "end_date", "owner_id", "customer__id", "customer__name")
        .order_by("end_date", "id")
    )


def service_contracts_remind_renewals(*, org, today=None) -> int:
    """Tell each owner about their contracts ending within the org's
    ``renewal_reminder_days``, once per contract and end date (``notify``'s event key);
    returns how many reminders were new."""
    today = today or timezone.localdate()
    created = 0
    with org_scope(org):
        days = OrgSettings.objects.values_list("renewal_reminder_days", flat=True).first()
        days = 30 if days is None else days
        for contract in renewals_due(today=today, days=days):
            created += len(
                notify(
                    recipients=[contract.owner_id],
                    kind=NOTIFY_KIND,
                    title=lazy_text(
                        gettext_lazy(
                            "服务合同 %(code)s（%(customer)s）将于 %(date)s 到期，请安排续签"
                        ),
                        code=contract.code,
                        customer=contract.customer.name,
                        date=contract.end_date.isoformat(),
                    ),
                    body=contract.title,
                    link=reverse("service_contracts:contract_detail", args=[contract.pk]),
                    target=contract,
                    event_key=f"service_renewal:{contract.pk}:{contract.end_date.isoformat()}",
                )
            )
    return created


def register() -> None:
    """Called once at start-up: the notification kind of renewal reminders."""
    kinds.register(NOTIFY_KIND, gettext_lazy("服务合同续签提醒"), default_channels=(kinds.APP,))


# ---- other modules ---------------------------------------------------------------------


def move_customers(*, from_ids, survivor) -> int:
    """A customer merge: the merged customers' service contracts go to the survivor."""
    return ServiceContract.with_deleted.filter(customer_id__in=list(from_ids)).update(
        customer_id=survivor.pk
    )


def fields_of(data: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name in FIELDS}
