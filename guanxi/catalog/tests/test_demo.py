"""The demo catalogue: realistic, written through the services, safe to re-run."""

import pytest

from guanxi.catalog import demo
from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.core.tenancy import org_scope

pytestmark = pytest.mark.django_db


def test_seed_creates_a_chinese_catalogue_and_is_idempotent(world):
    summary = demo.seed(world.admin)
    assert summary["products"] == len(demo.PRODUCTS) >= 30
    with org_scope(world.org):
        assert ProductCategory.objects.filter(parent=None).count() == 4
        assert ProductLine.objects.count() == 3
        printers = ProductCategory.objects.get(name="打印机")
        assert printers.parent.name == "办公设备"
        products = list(Product.objects.all())
        assert all(p.code.startswith("CP-") and p.mnemonic for p in products)
        assert all(p.cost_price is not None and p.unit for p in products)
        assert {p.tax_rate for p in products} == {13, 6}
        assert {p.kind for p in products} == set(Product.Kind.values)
        assert Product.objects.filter(active=False).exists()
        assert Product.objects.get(name="ERP 实施服务").unit == "person_day"

    again = demo.seed(world.admin)
    assert again["products"] == 0
    with org_scope(world.org):
        assert Product.objects.count() == len(demo.PRODUCTS)
        assert ProductCategory.objects.count() == len(demo.CATEGORIES)
