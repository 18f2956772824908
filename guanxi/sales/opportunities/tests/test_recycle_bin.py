"""The opportunities' recycle bin: deleted opportunities in the viewer's scope, restored
through ``opportunity_restore``; like the customers' bin it needs the delete permission
and has no permanent delete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity

pytestmark = pytest.mark.django_db
BIN = reverse("opportunities:recycle_bin")


def _deleted(world, owner, name="数控机床采购项目", customer=None):
    opportunity = make_opportunity(world, owner, name=name, customer=customer)
    with org_scope(world.org):
        services.opportunity_delete(actor=world.admin, opportunity=opportunity)
        return Opportunity.with_deleted.get(pk=opportunity.pk)


def _fresh(world, opportunity):
    with org_scope(world.org):
        return Opportunity.with_deleted.get(pk=opportunity.pk)


def test_bin_lists_deleted_opportunities_in_scope_and_is_linked_from_the_list(world, web):
    mine = _deleted(world, world.rep_a, name="甲方机床项目")
    make_opportunity(world, world.rep_a, name="还在进行的项目")
    client = web(world.manager)
    assert BIN in client.get(reverse("opportunities:opportunity_list")).content.decode()
    page = client.get(BIN).content.decode()
    assert page.count('data-testid="deleted-row"') == 1
    assert mine.name in page and "还在进行的项目" not in page


def test_bin_is_scoped_by_org_and_needs_the_delete_permission(world, other_world, web):
    opportunity = _deleted(world, world.rep_a, name="甲方机床项目")
    outsider = web(other_world.admin)
    assert "甲方机床项目" not in outsider.get(BIN).content.decode()
    restore = reverse("opportunities:opportunity_restore", args=[opportunity.pk])
    assert outsider.post(restore).status_code == 404
    # a rep may not delete, so has no bin and cannot restore
    rep = web(world.rep_a)
    assert rep.get(BIN).status_code == 403
    assert rep.post(restore).status_code == 403
    assert (
        "opportunity-recycle-bin"
        not in rep.get(reverse("opportunities:opportunity_list")).content.decode()
    )
    assert _fresh(world, opportunity).deleted_at is not None


def test_restore_brings_it_back_with_a_new_version(world, web):
    opportunity = _deleted(world, world.rep_a)
    response = web(world.manager).post(
        reverse("opportunities:opportunity_restore", args=[opportunity.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "opportunities:opportunity_detail", args=[opportunity.pk]
    )
    restored = _fresh(world, opportunity)
    assert restored.deleted_at is None and restored.version == opportunity.version + 1
    assert 'data-testid="deleted-row"' not in web(world.manager).get(BIN).content.decode()


def test_restore_is_refused_while_the_customer_is_deleted(world, web):
    customer = make_customer(world, world.rep_a, name="已注销的客户")
    opportunity = _deleted(world, world.rep_a, customer=customer)
    with org_scope(world.org):
        customer_services.customer_delete(actor=world.admin, customer=customer)
    client = web(world.manager)
    page = client.get(BIN).content.decode()
    assert "客户已删除" in page
    response = client.post(
        reverse("opportunities:opportunity_restore", args=[opportunity.pk]), follow=True
    )
    assert "该商机的客户已删除，请先恢复客户" in response.content.decode()
    assert _fresh(world, opportunity).deleted_at is not None


def test_a_live_opportunity_is_not_restored(world, web):
    opportunity = make_opportunity(world, world.rep_a)
    response = web(world.manager).post(
        reverse("opportunities:opportunity_restore", args=[opportunity.pk]), follow=True
    )
    assert "该商机不在回收站中" in response.content.decode()


def test_bin_costs_the_same_whatever_it_holds(world, web, django_assert_max_num_queries):
    _deleted(world, world.rep_a, name="项目一")
    client = web(world.manager)
    client.get(BIN)
    with CaptureQueriesContext(connection) as few:
        client.get(BIN)
    for index in range(5):
        _deleted(world, world.rep_b, name=f"项目{index + 2}")
    with django_assert_max_num_queries(len(few)):
        page = client.get(BIN).content.decode()
    assert page.count('data-testid="deleted-row"') == 6
