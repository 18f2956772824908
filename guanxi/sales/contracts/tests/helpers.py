"""Builders shared by the contract and order tests."""

from decimal import Decimal

from guanxi.catalog.models import Product
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.orgs.models import OrgSettings
from guanxi.sales.contracts import services
from guanxi.workspace.approvals import services as approvals


def customer(world, name="华光科技有限公司", owner=None, **fields):
    with org_scope(world.org):
        return customer_services.customer_create(
            actor=world.admin, name=name, owner=owner or world.rep_a, **fields
        )


def product(world, name="工业网关", price="1000", tax_rate="13", code=None):
    with org_scope(world.org):
        count = Product.objects.count()
        return Product.objects.create(
            org=world.org,
            code=code or f"P{count + 1:04d}",
            name=name,
            list_price=Decimal(price),
            tax_rate=Decimal(tax_rate),
        )


def settings(world, **fields):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(**fields)
        return OrgSettings.objects.get(org=world.org)


def line(item, quantity="1", price=None, discount="0", tax_rate="0"):
    return {
        "product": item.pk,
        "quantity": quantity,
        "unit_price": price if price is not None else str(item.list_price),
        "discount": discount,
        "tax_rate": tax_rate,
    }


def contract(world, actor=None, *, client=None, item=None, quantity="1", price="1000",
             plan=None, **fields):  # fmt: skip
    """A draft contract of ``actor`` (rep_a) for a new customer: one line of ``price``
    without tax, paid in one instalment unless ``plan`` says otherwise."""
    actor = actor or world.rep_a
    client = client or customer(world, owner=actor)
    item = item or product(world)
    total = Decimal(quantity) * Decimal(price)
    with org_scope(world.org):
        return services.contract_create(
            actor=actor,
            customer=client,
            title=fields.pop("title", "年度采购合同"),
            lines=[line(item, quantity, price)],
            payment_plan=plan
            if plan is not None
            else [{"amount": str(total), "due_date": "2027-01-31"}],
            **fields,
        )


def flow(world, document, steps=None, conditions=None):
    """An approval flow of ``document``: the submitter's manager approves."""
    with org_scope(world.org):
        return approvals.flow_create(
            actor=world.admin,
            document=document,
            name="销售审批",
            conditions=conditions or [],
            steps=steps or [{"kind": "manager"}],
        )


def pending_request(world, record):
    with org_scope(world.org):
        return approvals.latest_request(record)
