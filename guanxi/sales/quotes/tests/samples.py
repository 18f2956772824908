"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a draft quote owned by
``rep_b`` in 华北组, so the data-scope dimension of the matrix applies."""

from guanxi.api.tests.matrix import sample
from guanxi.sales.quotes.tests import helpers as h


def _body(world):
    client = h.customer(world, name="样本报价客户", owner=world.admin)
    item = h.product(world, name="样本产品", price="100", tax_rate="0")
    return {"title": "新报价", "customer": client.pk, "lines": [h.line(item, "2")]}


@sample(
    "quote",
    change={"title": "改过的报价主题"},
    check_field="title",
    create=_body,
    owned=True,
    module="quotes",
)
def build_quote(world):
    return h.quote(world, actor=world.rep_b, title="样本报价")
