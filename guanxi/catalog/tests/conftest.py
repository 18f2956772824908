"""Catalogue fixtures: a product clerk without cost visibility, and builders."""

from decimal import Decimal

import pytest

from guanxi.catalog import services
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Role
from guanxi.orgs.tests.factories import EmployeeFactory

CLERK_PERMISSIONS = [
    "products.view",
    "products.create",
    "products.edit",
    "products.delete",
    "products.export",
]


@pytest.fixture
def clerk(world):
    """May manage and export products but may not see cost prices."""
    with all_orgs():
        role = Role.objects.create(org=world.org, name="产品专员", permissions=CLERK_PERMISSIONS)
        return EmployeeFactory(
            org=world.org, name="孙八", username="clerk", department=world.sales, roles=[role]
        )


@pytest.fixture
def make_product(world):
    """``make_product(name=..., actor=admin, **fields)`` through the service."""

    def make(name="激光打印机", actor=None, **fields):
        actor = actor or world.admin
        fields.setdefault("list_price", Decimal("100"))
        with org_scope(actor.org_id):
            return services.product_create(actor=actor, name=name, **fields)

    return make


@pytest.fixture
def make_category(world):
    def make(name, parent=None, actor=None, **fields):
        actor = actor or world.admin
        with org_scope(actor.org_id):
            return services.category_create(actor=actor, name=name, parent=parent, **fields)

    return make
