"""Real-browser flow: the admin opens the sales analysis for a quarter, sees the charts
drawn and the tables filled, switches the breakdown to regions and a region filter (the
sections reload in place through htmx, the charts are drawn again) and downloads the
breakdown as Excel."""

import io

import pytest
from openpyxl import load_workbook

from guanxi.sales.analysis.tests.helpers import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class AnalysisPage:
    def __init__(self, page):
        self.page = page

    def open(self, query):
        self.page.goto(f"/sales-analysis/?{query}")
        self.page.wait_for_selector("[data-testid=breakdown-chart][data-drawn=true]")

    def rows(self, testid):
        return self.page.locator(f"[data-testid={testid}]")

    def choose(self, testid, value):
        """Change a filter and wait for the sections htmx swaps in."""
        with self.page.expect_response(lambda r: "/sales-analysis/" in r.url):
            self.page.select_option(f"[data-testid={testid}]", value)
        self.page.wait_for_selector("[data-testid=breakdown-chart][data-drawn=true]")


def test_overview_filters_and_export(world, page, sign_in):
    build(world)
    sign_in(world.admin)
    screen = AnalysisPage(page)
    screen.open("start=2026-01-01&end=2026-03-31&preset=custom")
    assert page.inner_text("[data-testid=kpi-order-amount]") == "7,300.00"
    assert page.inner_text("[data-testid=kpi-win-rate]") == "75.0%"
    assert screen.rows("breakdown-row").count() == 3
    assert screen.rows("funnel-row").count() == 5
    assert page.locator("[data-testid=funnel-chart] canvas").count() == 1
    assert page.locator("[data-testid=trend-chart] canvas").count() == 1

    screen.choose("filter-by", "region")
    assert "by=region" in page.url
    labels = screen.rows("breakdown-row").locator("td:first-child").all_inner_texts()
    assert labels == ["上海市", "江苏省", "（未填写地区）"]
    assert page.locator("[data-testid=breakdown-chart] canvas").count() == 1

    with page.expect_response(lambda r: "/sales-analysis/" in r.url):
        page.fill("[data-testid=filter-region]", "江苏省")
        page.press("[data-testid=filter-region]", "Enter")
    page.wait_for_selector("[data-testid=breakdown-chart][data-drawn=true]")
    page.wait_for_function(
        "document.querySelector('[data-testid=kpi-order-amount]').innerText === '3,000.00'"
    )
    assert screen.rows("breakdown-row").count() == 1

    with page.expect_download() as info:
        page.click("[data-testid=export-breakdown]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert ["江苏省", 3000.0, 2, 1, 1, 50.0, 10000.0, 10000.0, 30.0] in values
