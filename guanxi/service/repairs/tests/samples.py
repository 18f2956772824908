"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). Repairs and packing lists
are owned records of module ``repairs``, which the sales roles of the matrix's
data-scope dimension do not have: that dimension is proven in ``test_api.py`` with two
service agents instead."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.service.repairs import services
from guanxi.service.repairs.tests import helpers as h


def _repair(world):
    client = h.customer(world, name="样本维修客户")
    with org_scope(world.org):
        return services.repair_create(actor=world.admin, customer=client, fault_description="异响")


def _repair_body(world):
    client = h.customer(world, name="样本维修客户乙")
    return {"customer": client.pk, "fault_description": "不开机"}


@sample(
    "repair", change={"diagnosis": "主板电容鼓包"}, check_field="diagnosis", create=_repair_body
)
def build_repair(world):
    return _repair(world)


def _packing_body(world):
    client = h.customer(world, name="样本收货客户")
    return {"customer": client.pk, "ship_to_address": "上海市 浦东新区 世纪大道 1 号"}


@sample("packing-list", change={"carrier": "顺丰速运"}, check_field="carrier", create=_packing_body)
def build_packing_list(world):
    client = h.customer(world, name="样本装箱客户")
    with org_scope(world.org):
        return services.packing_list_create(actor=world.admin, customer=client)


_outlets = {"n": 0}


def _outlet_body(world):
    _outlets["n"] += 1
    return {"code": f"NEW{_outlets['n']}", "name": "新网点", "coverage": ["浙江省"]}


@sample("service-outlet", change={"name": "改过的网点"}, check_field="name", create=_outlet_body)
def build_outlet(world):
    return h.outlet(world, code="SAMPLE", name="样本网点")


def _fee_body(world):
    _outlets["n"] += 1
    return {"name": f"新收费标准{_outlets['n']}", "labour_rate": "90", "call_out_fee": "30"}


@sample("fee-list", change={"notes": "改过的说明"}, check_field="notes", create=_fee_body)
def build_fee_list(world):
    return h.fee_list(world, name="样本收费标准")
