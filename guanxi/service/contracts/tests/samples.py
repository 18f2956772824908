"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a draft service contract
owned by ``rep_b`` in 华北组, so the data-scope dimension of the matrix applies (sales reps
sell maintenance contracts and see their own)."""

from guanxi.api.tests.matrix import sample
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.contracts.tests.helpers import contract
from guanxi.service.installed.tests.helpers import item


def _body(world):
    client = h.customer(world, name="样本服务客户", owner=world.admin)
    covered = item(world, client=client, serial="SC-NEW-1")
    return {
        "customer": client.pk,
        "title": "样本维保合同",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "items": [{"installed_product": covered.pk}],
    }


@sample(
    "service-contract",
    change={"billing_notes": "按季度开票"},
    check_field="billing_notes",
    create=_body,
    owned=True,
    module="service_contracts",
)
def build_service_contract(world):
    client = h.customer(world, name="样本合同客户", owner=world.rep_b)
    return contract(world, actor=world.admin, client=client, owner=world.rep_b.pk, serial="SC-S")
