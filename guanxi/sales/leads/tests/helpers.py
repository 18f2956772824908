"""Test helpers: leads and rules made through the services."""

from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.sales.leads import services


def make_lead(actor, **fields):
    fields.setdefault("contact_name", "周明")
    fields.setdefault("company_name", "杭州云帆科技有限公司")
    fields.setdefault("mobile", "13800001111")
    with org_scope(actor.org_id):
        return services.lead_create(actor=actor, **fields)


def east_team(world, extra=2):
    """rep_a and ``extra`` more active reps in 华东组 (ids ascending)."""
    people = [world.rep_a]
    for n in range(extra):
        people.append(
            EmployeeFactory(
                org=world.org,
                name=f"华东{n + 1}号",
                username=f"east{n + 1}",
                department=world.east,
                roles=[role(world.org, "销售代表")],
            )
        )
    return people
