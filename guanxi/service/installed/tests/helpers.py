"""Builders of the installed product tests."""

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Role
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.installed import services


def item(world, actor=None, *, client=None, product=None, serial="SN-0001", **fields):
    """An installed product of ``client`` (a new customer of rep_a by default), made by
    the admin unless ``actor`` says otherwise."""
    actor = actor or world.admin
    client = client or h.customer(world, owner=world.rep_a)
    product = product or h.product(world)
    fields.setdefault("install_date", "2026-01-10")
    with org_scope(world.org):
        return services.installed_create(
            actor=actor, customer=client, product=product, serial_number=serial, **fields
        )


def grant(world, employee, *codes):
    """Give ``employee``'s roles extra capabilities (``installed_products.view`` for a
    sales rep, whose role does not carry it), keeping their data scopes."""
    with org_scope(world.org):
        for role in Role.objects.filter(employees=employee):
            role.permissions = sorted(set(role.permissions) | set(codes))
            role.save(update_fields=["permissions"])
    from guanxi.orgs import policy

    policy.forget(employee)
