import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import demo
from guanxi.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def test_demo_customers_belong_to_reps_and_are_seeded_once(world):
    with org_scope(world.org):
        assert demo.seed(world.admin) == {"customers": len(demo.CUSTOMERS)}
        owners = set(Customer.objects.values_list("owner__user__username", flat=True))
        assert owners == {"rep_a", "rep_b"}
        assert Contact.objects.count() == 2 * len(demo.CUSTOMERS)
        assert Contact.objects.filter(is_primary=True).count() == len(demo.CUSTOMERS)
        assert demo.seed(world.admin) == {"customers": 0}
