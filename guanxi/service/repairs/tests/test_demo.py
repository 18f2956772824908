"""The repairs demo seed: two outlets, a fee list, repairs at every stage (one free), a
shipped packing list; a second run adds nothing."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.repairs import demo
from guanxi.service.repairs.models import FeeList, PackingList, Repair, ServiceOutlet
from guanxi.service.repairs.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_demo_repairs_at_every_stage(world):
    h.customer(world, name="深圳演示客户", region="广东省/深圳市/南山区")
    h.customer(world, name="上海演示客户", region="上海市/闵行区")
    for number in range(2):
        h.product(world, name=f"演示配件{number}", price="200")
    with org_scope(world.org):
        assert demo.seed(world.admin) == 5
        assert set(ServiceOutlet.objects.values_list("name", flat=True)) == {
            "深圳服务中心",
            "上海服务站",
        }
        assert FeeList.objects.get().is_default
        statuses = set(Repair.objects.values_list("status", flat=True))
        assert statuses == {"received", "diagnosing", "waiting_parts", "done", "returned"}
        assert Repair.objects.filter(chargeable=False).count() == 1
        by_customer = {r.customer.name: r.outlet.name for r in Repair.objects.all()}
        assert by_customer["深圳演示客户"] == "深圳服务中心"
        assert by_customer["上海演示客户"] == "上海服务站"
        assert PackingList.objects.get().status == "shipped"
        assert demo.seed(world.admin) == 0
        assert Repair.objects.count() == 5
