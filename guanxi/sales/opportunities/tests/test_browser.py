"""Real-browser flow: a rep drags an opportunity card on the kanban board to another
stage; the columns' totals follow, and the move is stored with its history."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.opportunities.models import Opportunity, StageChange
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class BoardPage:
    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/opportunities/board/")
        self.page.wait_for_selector("[data-testid=kanban]")

    def column(self, name):
        return self.page.locator("[data-testid=kanban-column]").filter(
            has=self.page.locator("[data-testid=kanban-column-name]", has_text=name)
        )

    def card(self, name):
        return self.page.locator("[data-testid=kanban-card]").filter(has_text=name)

    def drag(self, card_name, column_name):
        """Press on the card, move in small steps over the column's card area, release
        (what a mouse or a finger does)."""
        card = self.card(card_name).bounding_box()
        target = self.column(column_name).locator("[data-testid=kanban-cards]").bounding_box()
        mouse = self.page.mouse
        mouse.move(card["x"] + card["width"] / 2, card["y"] + card["height"] / 2)
        mouse.down()
        mouse.move(card["x"] + card["width"] / 2 + 10, card["y"] + card["height"] / 2, steps=4)
        mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=20)
        mouse.up()


def test_rep_drags_a_card_to_another_stage(world, page, sign_in):
    customer = make_customer(world, world.rep_a, name="杭州西湖电子科技有限公司")
    opportunity = make_opportunity(
        world, world.rep_a, customer=customer, name="产线 MES 系统", amount="260000",
        expected_close_date="2027-02-28",
    )  # fmt: skip
    sign_in(world.rep_a)
    board = BoardPage(page)
    board.open()
    assert board.column("初步接洽").locator("[data-testid=kanban-column-count]").inner_text() == "1"

    board.drag("产线 MES 系统", "方案报价")

    target = board.column("方案报价")
    target.locator("[data-testid=kanban-card]", has_text="产线 MES 系统").wait_for()
    page.locator(
        "[data-testid=kanban-column]:has([data-testid=kanban-column-name]:text('方案报价')) "
        "[data-testid=kanban-column-count]:text-is('1')"
    ).wait_for()
    assert board.column("初步接洽").locator("[data-testid=kanban-column-count]").inner_text() == "0"
    assert "130" in target.locator("[data-testid=kanban-column-weighted]").inner_text()

    with org_scope(world.org):
        stored = Opportunity.objects.select_related("stage").get(pk=opportunity.pk)
        assert stored.stage.name == "方案报价" and stored.probability == 50
        assert stored.version == 2
        last = StageChange.objects.filter(opportunity=stored).order_by("id").last()
        assert last.from_stage.name == "初步接洽" and last.actor_id == world.rep_a.pk

    board.open()  # stored: after a reload the card is still in its new column
    assert board.column("方案报价").locator("[data-testid=kanban-card]").count() == 1
    assert board.column("初步接洽").locator("[data-testid=kanban-card]").count() == 0
