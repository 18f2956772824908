"""The demo seed writes realistic records through the services, once."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.receivables import demo, selectors
from guanxi.sales.receivables.models import Invoice, Payment, Receivable

pytestmark = pytest.mark.django_db


def test_demo_seed_once(world):
    with org_scope(world.org):
        for index in range(6):
            customer_services.customer_create(actor=world.admin, name=f"演示客户{index}")
        assert demo.seed(world.admin) == 9
        assert demo.seed(world.admin) == 0
        assert Receivable.objects.count() == 9
        assert Payment.objects.filter(status=Payment.Status.VOIDED).count() == 1
        assert Invoice.objects.count() == 3
        ageing = selectors.ageing(employee=world.admin)
        assert ageing.totals.d90_plus == 0  # paid in full
        assert ageing.totals.d61_90 > 0 and ageing.totals.not_due > 0
