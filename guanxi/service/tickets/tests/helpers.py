"""Builders of the ticket tests."""

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.tickets import services


def customer(world, name="华光科技有限公司", **fields):
    fields.setdefault("owner", world.rep_a)
    return h.customer(world, name=name, **fields)


def contact(world, client, name="刘工", mobile="13912345678"):
    with org_scope(world.org):
        return customer_services.contact_create(
            actor=world.admin, customer=client, name=name, mobile=mobile
        )


def installed(world, client, serial="SN-0001", item=None):
    item = item or h.product(world, name="商用净水器")
    with org_scope(world.org):
        count = InstalledProduct.with_deleted.count()
        return InstalledProduct.objects.create(
            org=world.org, code=f"AZ-{count + 1:05d}", customer=client, product=item,
            serial_number=serial,
        )  # fmt: skip


def ticket(world, actor=None, *, client=None, subject="净水器漏水", category="repair", **fields):
    """A ticket taken by ``actor`` (the agent) for a new customer."""
    actor = actor if actor is not None else world.agent
    client = client or customer(world)
    with org_scope(world.org):
        return services.ticket_create(
            actor=actor, customer=client, subject=subject, category=category, **fields
        )


def reload(world, record):
    with org_scope(world.org):
        return type(record).with_deleted.get(pk=record.pk)
