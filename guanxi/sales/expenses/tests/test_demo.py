"""The demo expenses: made once through the services, in every state, linked to the
reps' customers and opportunities."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.expenses import demo
from guanxi.sales.expenses.models import Expense
from guanxi.sales.expenses.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_expenses_in_every_state(world):
    for rep in (world.rep_a, world.rep_b):
        h.opportunity(world, h.customer(world, name=f"{rep.name}的客户", owner=rep))
    with org_scope(world.org):
        assert demo.seed(world.admin) == demo.COUNT
        assert set(Expense.objects.values_list("status", flat=True)) == set(Expense.Status.values)
        assert Expense.objects.filter(reimbursed_at__isnull=False).exists()
        assert Expense.objects.filter(opportunity__isnull=False).exists()
        assert Expense.objects.filter(customer__isnull=False, opportunity__isnull=True).exists()
        assert demo.seed(world.admin) == 0  # a second run adds nothing
