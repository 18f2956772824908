"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): sales targets are owned
records of module ``sales_targets``; each sample is a target of ``rep_b``."""

import itertools

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.sales.planning import services

_years = itertools.count(2031)


@sample(
    "sales-target",
    change={"note": "冲刺季度"},
    check_field="note",
    create=lambda w: {
        "employee": w.rep_b.pk,
        "period": f"{next(_years)}-03",
        "measure": "order_amount",
        "value": "50000",
    },
    owned=True,
    module="sales_targets",
)
def build_sales_target(world):
    with org_scope(world.org):
        return services.target_create(
            actor=world.admin,
            employee=world.rep_b,
            period=f"{next(_years)}-01",
            measure="order_amount",
            value="80000",
        )
