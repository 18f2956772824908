"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): an installed product of a
customer of ``rep_b``. Nobody owns installed products (visibility follows the customer),
so the data-scope dimension of the matrix does not apply to this module."""

from guanxi.api.tests.matrix import sample
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.installed.tests.helpers import item


def _body(world):
    client = h.customer(world, name="样本安装客户", owner=world.admin)
    product = h.product(world, name="样本设备")
    return {"customer": client.pk, "product": product.pk, "serial_number": "SN-NEW-1"}


@sample(
    "installed-product",
    change={"location": "上海市浦东新区张江路1号"},
    check_field="location",
    create=_body,
    module="installed_products",
)
def build_installed(world):
    client = h.customer(world, name="样本客户", owner=world.rep_b)
    return item(world, client=client, serial="SN-SAMPLE-1")
