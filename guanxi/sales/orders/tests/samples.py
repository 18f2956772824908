"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a draft direct order
owned by ``rep_b`` in 华北组, so the data-scope dimension of the matrix applies."""

from guanxi.api.tests.matrix import sample
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders.tests.helpers import order


def _body(world):
    client = h.customer(world, name="样本订单客户", owner=world.admin)
    item = h.product(world, name="样本产品", price="100", tax_rate="0")
    return {"customer": client.pk, "lines": [h.line(item, "1", "100")]}


@sample(
    "order",
    change={"notes": "改过的备注"},
    check_field="notes",
    create=_body,
    owned=True,
    module="orders",
)
def build_order(world):
    return order(world, actor=world.rep_b)
