"""The approvals demo data: flows and requisitions in each state, once."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.workspace.approvals import demo
from guanxi.workspace.approvals.models import ApprovalFlow, Requisition

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_flows_and_requisitions_once(world):
    with org_scope(world.org):
        assert demo.seed(world.admin) == 2  # rep_a and rep_b have a manager
        assert ApprovalFlow.objects.count() == 3
        states = dict(Requisition.objects.values_list("title", "status"))
        assert states == {"采购笔记本电脑 3 台": "approved", "参加广州建材展的差旅请示": "pending"}
        assert demo.seed(world.admin) == 0
        assert Requisition.objects.count() == 2
