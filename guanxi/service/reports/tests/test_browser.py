"""Real-browser flow: a service manager opens the service report, sees the KPIs and the
chart, switches the breakdown to ticket categories and gets the table for them."""

import datetime

import pytest

from guanxi.service.reports.tests.helpers import at, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_the_report_by_category(world, page, sign_in):
    today = datetime.date.today()
    ticket(world, created=at(today), assignee=world.agent, category="complaint")
    ticket(world, created=at(today), assignee=world.agent, category="repair",
           status="resolved", responded_after=datetime.timedelta(hours=1),
           resolved_after=datetime.timedelta(hours=3), replies=1)  # fmt: skip
    sign_in(world.admin)
    page.goto("/service/reports/")
    assert page.get_by_test_id("kpi-volume").inner_text().strip() == "2"
    page.wait_for_selector("[data-testid=breakdown-chart][data-drawn=true]")
    page.select_option("[data-testid=filter-by]", "category")
    page.wait_for_selector("text=按工单类别统计")
    rows = page.locator("[data-testid=breakdown-row]")
    assert rows.count() == 2
    labels = {rows.nth(i).locator("td").first.inner_text().strip() for i in range(2)}
    assert labels == {"投诉", "维修"}
    assert "by=category" in page.url
