"""Real-browser flow: a sales manager opens the recycle bin from the opportunity list and
restores a deleted opportunity, which opens again on its page."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.tests.helpers import make_opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class RecycleBinPage:
    def __init__(self, page):
        self.page = page

    def open_from_list(self):
        self.page.goto("/opportunities/")
        self.page.click("[data-testid=opportunity-recycle-bin]")
        self.page.wait_for_selector("[data-testid=recycle-table]")

    def restore(self, name):
        row = self.page.locator("[data-testid=deleted-row]", has_text=name)
        row.locator("[data-testid=restore-opportunity]").click()


def test_manager_restores_a_deleted_opportunity(world, page, sign_in):
    opportunity = make_opportunity(world, world.rep_a, name="西湖茶园灌溉改造")
    make_opportunity(world, world.rep_a, name="保留的项目")
    with org_scope(world.org):
        services.opportunity_delete(actor=world.manager, opportunity=opportunity)

    sign_in(world.manager)
    screen = RecycleBinPage(page)
    screen.open_from_list()
    assert page.locator("[data-testid=deleted-row]").count() == 1
    screen.restore("西湖茶园灌溉改造")
    page.wait_for_url(f"**/opportunities/{opportunity.pk}/")
    assert "西湖茶园灌溉改造" in page.inner_text("main")

    with org_scope(world.org):
        assert Opportunity.objects.filter(pk=opportunity.pk).exists()
