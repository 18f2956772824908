"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a draft expense owned by
``rep_b`` in 华北组, so the data-scope dimension of the matrix applies."""

from guanxi.api.tests.matrix import sample
from guanxi.sales.expenses.tests import helpers as h


def _body(world):
    return {
        "category": "travel",
        "amount": "880",
        "incurred_on": h.yesterday().isoformat(),
        "description": "出差住宿",
    }


@sample(
    "expense",
    change={"description": "改过的事由"},
    check_field="description",
    create=_body,
    owned=True,
    module="expenses",
)
def build_expense(world):
    return h.expense(world, actor=world.rep_b, description="样本费用")
