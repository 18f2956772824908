"""Builders of the service contract tests."""

import datetime

from guanxi.core.tenancy import org_scope
from guanxi.service.contracts import services
from guanxi.service.installed.tests.helpers import item

TODAY = datetime.date(2026, 12, 3)


def days(n):
    return TODAY + datetime.timedelta(days=n)


def contract(world, actor=None, *, client=None, covered=None, start=None, end=None, **fields):
    """A draft service contract of ``actor`` (the admin) covering ``covered`` (a new
    installed product of ``client`` by default), from ``start`` to ``end``."""
    actor = actor or world.admin
    if covered is None:
        covered = item(world, client=client, serial=fields.pop("serial", "SC-0001"))
    client = client or covered.customer
    with org_scope(world.org):
        return services.service_contract_create(
            actor=actor,
            customer=client,
            title=fields.pop("title", "年度维保合同"),
            start_date=start or days(-30),
            end_date=end or days(335),
            items=fields.pop("items", [{"installed_product": covered.pk}]),
            **fields,
        )


def active(world, **kwargs):
    made = contract(world, **kwargs)
    with org_scope(world.org):
        return services.service_contract_activate(actor=world.admin, contract=made)


def ticket(world, *, client, installed=None, product=None, category="repair", assignee=None):
    """A ticket as the tickets module stores one (its own services are not needed)."""
    from guanxi.service.tickets.models import Ticket

    with org_scope(world.org):
        count = Ticket.objects.count()
        return Ticket.objects.create(
            org=world.org,
            code=f"GD-T-{count + 1:04d}",
            subject="设备不开机",
            customer=client,
            category=category,
            installed_product=installed,
            product=product,
            assignee=assignee,
            team=assignee.department if assignee else None,
        )
