"""Fixtures of the shared document-lines code: products built through the catalogue."""

from decimal import Decimal

import pytest

from guanxi.catalog import services as catalog
from guanxi.core.tenancy import org_scope


@pytest.fixture
def make_product(world):
    """``make_product(name=..., actor=admin, **fields)`` through the catalogue service."""

    def make(name="激光打印机", actor=None, **fields):
        actor = actor or world.admin
        fields.setdefault("list_price", Decimal("100"))
        with org_scope(actor.org_id):
            return catalog.product_create(actor=actor, name=name, **fields)

    return make
