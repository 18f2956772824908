"""Builders of the defect tests: a product, a ticket (of a visible customer), defects."""

from decimal import Decimal

from guanxi.catalog.models import Product
from guanxi.core.tenancy import org_scope
from guanxi.service.defects import services
from guanxi.service.tickets.tests import helpers as ticket_helpers


def product(world, name="商用净水器", code=None):
    with org_scope(world.org):
        count = Product.objects.count()
        return Product.objects.create(
            org=world.org,
            code=code or f"DF{count + 1:04d}",
            name=name,
            list_price=Decimal("100"),
            tax_rate=Decimal("0"),
        )


def ticket(world, actor=None, **fields):
    """A ticket taken by ``actor`` (the agent)."""
    return ticket_helpers.ticket(world, actor, **fields)


def defect(world, actor=None, *, item=None, title="滤芯接口渗水", **fields):
    """A defect recorded by ``actor`` (the agent) on ``item`` (a new product)."""
    actor = actor or world.agent
    item = item or product(world)
    with org_scope(world.org):
        return services.defect_create(actor=actor, product=item, title=title, **fields)


def reload(world, record):
    with org_scope(world.org):
        return type(record).with_deleted.get(pk=record.pk)
