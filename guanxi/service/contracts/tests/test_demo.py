"""The installed products and service contracts demo seeds: devices in and out of
warranty, a contract ending soon and a product-wide one; a second run adds nothing."""

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.contracts import demo as contracts_demo
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.installed import demo as installed_demo
from guanxi.service.installed.models import InstalledProduct

pytestmark = pytest.mark.django_db


def test_demo_devices_and_contracts(world):
    for number in range(4):
        h.customer(world, name=f"演示客户{number}")
    for number in range(3):
        h.product(world, name=f"演示设备{number}")
    with org_scope(world.org):
        assert installed_demo.seed(world.admin) == 6
        assert contracts_demo.seed(world.admin) == 2
        today = timezone.localdate()
        ends = list(InstalledProduct.objects.values_list("warranty_end", flat=True))
        assert any(end < today for end in ends) and any(end >= today for end in ends)
        assert all(s.startswith("SN2025") for s in InstalledProduct.objects.values_list(
            "serial_number", flat=True))  # fmt: skip
        assert set(ServiceContract.objects.values_list("status", flat=True)) == {"active"}
        assert installed_demo.seed(world.admin) == 0
        assert contracts_demo.seed(world.admin) == 0
        assert ServiceContract.objects.count() == 2
