"""The demo leads seed on the demo company: rules, leads at every stage, idempotent."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.leads import demo
from guanxi.sales.leads.models import AssignmentRule, Lead

pytestmark = pytest.mark.django_db


def test_seed_makes_leads_at_every_stage_once():
    from guanxi.demo import demo_seed

    result = demo_seed()
    with org_scope(result.org):
        from guanxi.orgs.models import Employee

        admin = Employee.objects.get(user__username="admin")
        demo.seed(admin)  # the demo company may already call it: then it adds nothing
        assert Lead.objects.count() == len(demo.LEADS)
        assert demo.seed(admin) == 0
        assert AssignmentRule.objects.count() == 3
        statuses = set(Lead.objects.values_list("status", flat=True))
        assert statuses == {"new", "contacted", "qualified", "converted", "disqualified"}
        shanghai = Lead.objects.filter(region__startswith="上海市").select_related("owner")
        assert {lead.owner.department.name for lead in shanghai} == {"上海办事处"}
        converted = Lead.objects.get(status="converted")
        assert converted.converted_opportunity is not None
        assert Lead.objects.filter(owner__isnull=True).exists()  # some wait in the pool
        assert Lead.objects.filter(score__gte=40).exists()
