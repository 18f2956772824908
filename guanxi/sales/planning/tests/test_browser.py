"""Real-browser flows: a manager fills a department's yearly plan (splitting a yearly
total evenly over the months), saves it and sees the attainment on the target board; the
forecast page draws its chart."""

import datetime

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.planning.models import SalesTarget
from guanxi.sales.planning.tests import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class PlanPage:
    def __init__(self, page):
        self.page = page

    def open(self, department, year):
        self.page.goto(f"/planning/targets/plan/?department={department.pk}&year={year}")
        self.page.wait_for_selector("[data-testid=plan-grid]")

    def row(self, key):
        return self.page.locator(f"[data-testid=plan-row][data-row='{key}']")

    def split(self, key, total):
        row = self.row(key)
        row.locator("[data-testid=plan-year]").fill(total)
        row.locator("[data-testid=plan-split]").click()

    def save(self):
        self.page.click("[data-testid=plan-save]")
        self.page.wait_for_selector(".alert-success, [data-testid=plan-errors]")


def test_manager_plans_the_year_and_sees_attainment(world, page, sign_in):
    today = datetime.date.today()
    h.order(world, world.rep_a, "2500", today)
    sign_in(world.manager)
    plan = PlanPage(page)
    plan.open(world.east, today.year)
    key = f"e{world.rep_a.pk}"
    plan.split(key, "120000")
    cells = plan.row(key).locator("[data-testid=plan-cell]")
    assert cells.nth(0).input_value() == "10000.00"
    assert cells.nth(11).input_value() == "10000.00"
    assert plan.row(key).locator("[data-testid=plan-total]").inner_text() == "120000.00"
    plan.save()
    with org_scope(world.org):
        assert SalesTarget.objects.filter(employee=world.rep_a).count() == 12
    page.goto(f"/planning/?period={today:%Y-%m}")
    row = page.locator(f"[data-testid=target-row][data-row-id='employee{world.rep_a.pk}']")
    assert row.locator("[data-testid=row-attainment]").inner_text() == "25.0%"
    # the department row folds its employees away
    east = page.locator(f"[data-testid=target-row][data-row-id='department{world.east.pk}']")
    east.locator("[data-tree-toggle]").click()
    assert not row.is_visible()


def test_forecast_chart_is_drawn(world, page, sign_in):
    today = datetime.date.today()
    h.opportunity(world, world.rep_a, "80000", today + datetime.timedelta(days=20), 50)
    sign_in(world.admin)
    page.goto("/planning/forecast/")
    page.wait_for_selector("[data-testid=forecast-chart][data-drawn='1'] canvas")
    assert page.locator("[data-testid=forecast-month]").count() == 6
