"""Isolation-matrix samples for the catalogue resources (see guanxi/api/tests/matrix.py)."""

from guanxi.api.tests.matrix import sample
from guanxi.catalog import services
from guanxi.core.tenancy import org_scope


@sample(
    "product",
    change={"name": "改名产品"},
    check_field="name",
    create=lambda w: {"name": "新产品", "list_price": "99.00", "unit": "pcs"},
)
def build_product(world):
    with org_scope(world.org):
        return services.product_create(actor=world.admin, name="样本产品", list_price="10")


@sample(
    "product-category",
    change={"name": "改名分类"},
    check_field="name",
    create=lambda w: {"name": "新分类"},
)
def build_product_category(world):
    with org_scope(world.org):
        return services.category_create(actor=world.admin, name="样本分类")


@sample(
    "product-line",
    change={"name": "改名产品线"},
    check_field="name",
    create=lambda w: {"name": "新产品线"},
)
def build_product_line(world):
    with org_scope(world.org):
        return services.product_line_create(actor=world.admin, name="样本产品线")
