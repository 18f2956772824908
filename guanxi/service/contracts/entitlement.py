"""The entitlement check (校验销售合同/保修/服务合同): before service on an item, what
covers it and what that means for fees.

Order of precedence, first match wins:

1. an active service contract whose period includes the day and whose coverage names
   the installed product, or its product (for this customer), or the product asked
   about — the contract's promise applies; free unless its included on-site visits
   are used up;
2. the installed product's warranty (``warranty_end`` on or after the day) — free
   labour and parts;
3. the effective sales contract behind the installed product (``sales_contract``):
   an effective (or completed) contract whose period includes the day (without an end
   date: while it is effective) — service per the contract's terms, no charge;
4. nothing — chargeable at the service outlet's price list.

A pure read: no writes, a fixed small number of queries (one for the contract, one per
visit source, none for the warranty, one for the sales contract when it is reached).
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.sales.contracts.models import Contract
from guanxi.service.contracts import selectors
from guanxi.service.contracts.models import ServiceContract

SERVICE_CONTRACT = "service_contract"
WARRANTY = "warranty"
SALES_CONTRACT = "sales_contract"
NONE = "none"
SALES_COVERING = (Contract.Status.EFFECTIVE, Contract.Status.COMPLETED)


class Promise(NamedTuple):
    first_response_minutes: int | None
    resolution_minutes: int | None
    label: str


@dataclass(frozen=True)
class Entitlement:
    kind: str  # service_contract / warranty / sales_contract / none
    record_id: int | None
    code: str
    until: datetime.date | None
    chargeable: bool
    visits_left: int | None
    promise: Promise | None
    explanation: str

    @property
    def label(self) -> str:
        return {
            SERVICE_CONTRACT: _("服务合同"),
            WARRANTY: _("保修期内"),
            SALES_CONTRACT: _("销售合同"),
            NONE: _("无保障"),
        }[self.kind]


def _promise_label(contract) -> str:
    parts = []
    if contract.first_response_minutes is not None:
        parts.append(_("首次响应 %(n)d 分钟内") % {"n": contract.first_response_minutes})
    if contract.resolution_minutes is not None:
        parts.append(_("%(n)d 分钟内解决") % {"n": contract.resolution_minutes})
    if contract.onsite_response_hours is not None:
        parts.append(_("%(n)d 小时内上门") % {"n": contract.onsite_response_hours})
    return "，".join(parts)


def _covering_contract(*, customer_id, installed_product, product_id, on):
    installed_ids = [installed_product.pk] if installed_product is not None else []
    product_ids = {installed_product.product_id} if installed_product is not None else set()
    if product_id:
        product_ids.add(int(product_id))
    if not installed_ids and not product_ids:
        return None
    return (
        selectors.contracts_covering(
            installed_ids=installed_ids, product_ids=product_ids, customer_id=customer_id
        )
        .filter(
            customer_id=customer_id,
            status=ServiceContract.Status.ACTIVE,
            start_date__lte=on,
            end_date__gte=on,
        )
        .prefetch_related("items")
        .order_by("-end_date", "-id")
        .first()
    )


def _from_contract(contract) -> Entitlement:
    left = selectors.visits_left(contract)
    promise = Promise(
        contract.first_response_minutes, contract.resolution_minutes, _promise_label(contract)
    )
    values = {"code": contract.code, "date": contract.end_date.isoformat()}
    if left == 0:
        explanation = (
            _(
                "服务合同 %(code)s 有效（至%(date)s），但本期包含的上门次数已用完："
                "上门服务按价目表收费。"
            )
            % values
        )
    elif left is None:
        explanation = _("服务合同 %(code)s 有效（至%(date)s）：合同范围内的服务免费。") % values
    else:
        explanation = _(
            "服务合同 %(code)s 有效（至%(date)s）：合同范围内的服务免费，本期还可上门 %(left)d 次。"
        ) % {**values, "left": left}
    if promise.label:
        explanation = f"{explanation} {_('服务承诺：')}{promise.label}。"
    return Entitlement(
        kind=SERVICE_CONTRACT,
        record_id=contract.pk,
        code=contract.code,
        until=contract.end_date,
        chargeable=left == 0,
        visits_left=left,
        promise=promise,
        explanation=explanation,
    )


def _sales_contract_covers(contract, on) -> bool:
    if contract is None or contract.deleted_at is not None:
        return False
    if contract.status not in SALES_COVERING:
        return False
    if contract.start_date is not None and on < contract.start_date:
        return False
    if contract.end_date is None:
        return contract.status == Contract.Status.EFFECTIVE
    return on <= contract.end_date


def entitlement_for(*, customer, installed_product=None, product=None, on=None) -> Entitlement:
    """What covers service for ``customer`` on ``installed_product`` (or on ``product``
    when no installed product is known) on day ``on`` (today by default). The caller has
    checked that the employee may see the customer and the installed product."""
    on = on or timezone.localdate()
    customer_id = getattr(customer, "pk", customer)
    product_id = getattr(product, "pk", product)
    contract = _covering_contract(
        customer_id=customer_id, installed_product=installed_product, product_id=product_id, on=on
    )
    if contract is not None:
        return _from_contract(contract)
    if installed_product is not None and installed_product.under_warranty(on):
        end = installed_product.warranty_end
        return Entitlement(
            kind=WARRANTY,
            record_id=installed_product.pk,
            code=installed_product.code,
            until=end,
            chargeable=False,
            visits_left=None,
            promise=None,
            explanation=_("保修期内（至%(date)s）：免收人工与配件费。") % {"date": end.isoformat()},
        )
    if installed_product is not None and installed_product.sales_contract_id:
        sales = Contract.with_deleted.filter(pk=installed_product.sales_contract_id).first()
        if sales is not None and _sales_contract_covers(sales, on):
            until = sales.end_date
            values = {"code": sales.code, "date": until.isoformat() if until else _("长期")}
            return Entitlement(
                kind=SALES_CONTRACT,
                record_id=sales.pk,
                code=sales.code,
                until=until,
                chargeable=False,
                visits_left=None,
                promise=None,
                explanation=_(
                    "销售合同 %(code)s 有效（至%(date)s）：按合同约定的服务条款提供服务，不另收费。"
                )
                % values,
            )
    if installed_product is not None and installed_product.warranty_end is not None:
        explanation = _(
            "已过保（保修于 %(date)s 到期），也没有有效的服务合同：按服务网点价目表收费。"
        ) % {"date": installed_product.warranty_end.isoformat()}
    else:
        explanation = _("没有保修、服务合同或销售合同保障：按服务网点价目表收费。")
    return Entitlement(
        kind=NONE,
        record_id=None,
        code="",
        until=None,
        chargeable=True,
        visits_left=None,
        promise=None,
        explanation=explanation,
    )
