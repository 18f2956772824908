"""What defects add to other modules: the global search (by code and title, for
everyone with ``defects.view`` whatever their department; gone once deleted; never
another org's) and the demo seed (defects linked to the demo tickets; a second run adds
nothing)."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.orgs import policy
from guanxi.search import selectors as search
from guanxi.service.defects import demo, services
from guanxi.service.defects.models import Defect, DefectTicket
from guanxi.service.defects.tests import helpers as h
from guanxi.service.tickets import demo as tickets_demo
from guanxi.service.tickets.tests import helpers as th

pytestmark = pytest.mark.django_db


def _defect_hits(world, employee, query):
    with org_scope(world.org):
        return {
            hit.id for hit in search.search(employee=employee, query=query) if hit.kind == "defect"
        }


def test_search_finds_a_defect_by_code_and_title(world):
    made = h.defect(world, title="增压泵异响", found_version="V2.1.0")
    assert made.pk in _defect_hits(world, world.agent, "增压泵")
    assert made.pk in _defect_hits(world, world.agent, made.code)
    assert made.pk in _defect_hits(world, world.agent, "V2.1.0")
    # not owned: anyone who may see defects finds it, an administrator too
    assert made.pk in _defect_hits(world, world.admin, "增压泵")


def test_search_follows_edits_and_deletion(world):
    made = h.defect(world, title="增压泵异响")
    with org_scope(world.org):
        made = services.defect_update(
            actor=world.agent, defect=made, version=made.version, title="显示屏闪烁"
        )
    assert made.pk in _defect_hits(world, world.agent, "显示屏闪烁")
    assert made.pk not in _defect_hits(world, world.agent, "增压泵")
    with org_scope(world.org):
        services.defect_delete(actor=world.admin, defect=made)
    assert made.pk not in _defect_hits(world, world.admin, "显示屏闪烁")


def test_search_hides_defects_without_the_permission_or_of_another_org(world, other_world):
    made = h.defect(world, title="增压泵异响")
    other = h.defect(other_world, title="增压泵异响")
    with org_scope(world.org):
        blind = [e for e in (world.rep_a, world.readonly) if not policy.can(e, "defects.view")]
    for employee in blind:
        assert made.pk not in _defect_hits(world, employee, "增压泵")
    assert other.pk not in _defect_hits(world, world.agent, "增压泵")
    assert _defect_hits(world, world.agent, "增压泵") == {made.pk}


def test_demo_defects_linked_to_demo_tickets(world):
    h.product(world, name="商用净水器")
    h.product(world, name="家用净水器")
    for number in range(4):
        client = th.customer(world, name=f"演示客户{number}")
        th.contact(world, client, name=f"联系人{number}", mobile=f"1390000000{number}")
    with org_scope(world.org):
        tickets_demo.seed(world.admin)
        assert demo.seed(world.admin) == len(demo.DEFECTS)
        statuses = set(Defect.objects.values_list("status", flat=True))
        assert statuses == {"in_fix", "fixed", "open", "rejected"}
        assert DefectTicket.objects.count() >= 3
        fixed = Defect.objects.get(status="fixed")
        assert fixed.fixed_version and fixed.fixed_at is not None
        assert demo.seed(world.admin) == 0
        assert Defect.objects.count() == len(demo.DEFECTS)
    assert _defect_hits(world, world.agent, "密封圈")
