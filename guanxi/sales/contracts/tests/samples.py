"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a draft contract owned by
``rep_b`` in 华北组, so the data-scope dimension of the matrix applies."""

from guanxi.api.tests.matrix import sample
from guanxi.sales.contracts.tests import helpers as h


def _body(world):
    client = h.customer(world, name="样本合同客户", owner=world.admin)
    item = h.product(world, name="样本产品", price="100", tax_rate="0")
    return {
        "title": "新合同",
        "customer": client.pk,
        "lines": [h.line(item, "2", "100")],
        "payment_plan": [{"amount": "200", "due_date": "2027-01-31"}],
    }


@sample(
    "contract",
    change={"title": "改过的合同名称"},
    check_field="title",
    create=_body,
    owned=True,
    module="contracts",
)
def build_contract(world):
    return h.contract(world, actor=world.rep_b)
