"""Builders shared by the quote tests: customers, products, lines, quotes, flows."""

from decimal import Decimal

from guanxi.catalog import services as catalog
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.orgs.models import OrgSettings
from guanxi.sales.quotes import services
from guanxi.workspace.approvals import services as approvals


def customer(world, name="华光科技有限公司", owner=None, **fields):
    with org_scope(world.org):
        return customer_services.customer_create(
            actor=world.admin, name=name, owner=owner or world.rep_a, **fields
        )


def contact(world, client, name="王经理", **fields):
    with org_scope(world.org):
        return customer_services.contact_create(
            actor=world.admin, customer=client, name=name, **fields
        )


def product(world, name="工业网关", price="1000", tax_rate="13", **fields):
    with org_scope(world.org):
        return catalog.product_create(
            actor=world.admin,
            name=name,
            list_price=Decimal(price),
            tax_rate=Decimal(tax_rate),
            **fields,
        )


def settings(world, **fields):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(**fields)
        return OrgSettings.objects.get(org=world.org)


def line(item, quantity="1", price=None, discount="0", tax_rate=None):
    row = {"product": item.pk, "quantity": str(quantity), "discount": str(discount)}
    if price is not None:
        row["unit_price"] = str(price)
    if tax_rate is not None:
        row["tax_rate"] = str(tax_rate)
    return row


def quote(world, actor=None, *, client=None, lines=None, **fields):
    """A draft quote of ``actor`` (rep_a) for a new customer owned by them: one line of
    2 × 1000 at 13% tax unless ``lines`` says otherwise."""
    actor = actor or world.rep_a
    client = client or customer(world, owner=actor)
    if lines is None:
        lines = [line(product(world), quantity="2")]
    with org_scope(world.org):
        return services.quote_create(actor=actor, customer=client, lines=lines, **fields)


def flow(world, conditions=None, steps=None):
    """An approval flow of quotes: the submitter's manager approves."""
    with org_scope(world.org):
        return approvals.flow_create(
            actor=world.admin,
            document="quote",
            name="报价折扣审批",
            conditions=conditions or [],
            steps=steps or [{"kind": "manager"}],
        )


def refresh(world, record):
    with org_scope(world.org):
        return type(record).with_deleted.get(pk=record.pk)
