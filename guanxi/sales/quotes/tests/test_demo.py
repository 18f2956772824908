"""The demo seed makes quotes in every stage, through the services, once."""

from django.core import mail

from guanxi.core.tenancy import org_scope
from guanxi.sales.quotes import demo
from guanxi.sales.quotes.models import Quote, QuoteDelivery
from guanxi.sales.quotes.tests.helpers import customer, product


def test_seed_makes_each_stage_once(world):
    for index in range(4):
        customer(world, name=f"演示客户{index}", owner=world.rep_a)
    for name in ("激光打印机", "复印纸", "硒鼓"):
        product(world, name=name, price="100")
    with org_scope(world.org):
        assert demo.seed(world.admin) == 5
        statuses = sorted(Quote.objects.values_list("status", flat=True))
        assert statuses == sorted(["draft", "pending", "sent", "sent", "draft", "accepted"])
        assert Quote.objects.filter(revision=2).count() == 1
        assert QuoteDelivery.objects.count() == 3
        assert demo.seed(world.admin) == 0
    assert mail.outbox == []  # the dummy connection: nothing is mailed
