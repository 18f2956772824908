"""Real-browser flows of the catalogue screens."""

import pytest
from django.urls import NoReverseMatch, reverse

from guanxi.catalog import services
from guanxi.core.tenancy import org_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class CatalogPages:
    """Small page object for the product screens."""

    def __init__(self, page):
        self.page = page

    def create_category(self, name, parent_label=None):
        self.page.goto("/products/categories/")
        form = self.page.locator("[data-testid=category-form]")
        form.locator("input[name=name]").fill(name)
        if parent_label:
            form.locator("select[name=parent]").select_option(label=parent_label)
        form.locator("[data-testid=save-category]").click()
        self.page.wait_for_url("**/products/categories/")

    def create_product(self, *, name, category_label, unit_label, price, line=None):
        self.page.goto("/products/")
        self.page.click("[data-testid=new-product]")
        form = self.page.locator("[data-testid=product-form]")
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=category]").select_option(label=category_label)
        form.locator("select[name=unit]").select_option(label=unit_label)
        form.locator("input[name=list_price]").fill(price)
        if line:
            form.get_by_label(line).check()
        form.locator("[data-testid=save]").click()
        self.page.wait_for_selector("[data-testid=product-title]")

    def search(self, text):
        self.page.goto("/products/")
        self.page.fill("[data-testid=filter-q]", text)
        self.page.click("[data-testid=filter-submit]")
        self.page.wait_for_url("**/products/?q=*")
        return self.page.locator("[data-testid=product-row]")


def test_admin_creates_a_category_and_a_product_and_finds_it_by_pinyin(world, page, sign_in):
    with org_scope(world.org):
        services.product_line_create(actor=world.admin, name="办公设备")
    sign_in(world.admin)
    pages = CatalogPages(page)
    pages.create_category("办公设备")
    pages.create_category("打印机", parent_label="办公设备")
    assert page.locator("[data-testid=category-name]").all_inner_texts() == ["办公设备", "打印机"]

    pages.create_product(
        name="彩色激光打印机",
        category_label="\u3000打印机",
        unit_label="台",
        price="4599",
        line="办公设备",
    )
    assert page.locator("[data-testid=product-code]").inner_text() == "CP-00001"
    assert "4599.00" in page.locator("[data-testid=list-price]").inner_text()
    assert page.locator("[data-testid=history-entry]").count() == 1

    rows = pages.search("csjg")
    assert rows.count() == 1
    assert rows.first.locator("[data-testid=product-name]").inner_text() == "彩色激光打印机"
    assert pages.search("复印机").count() == 0
    assert page.locator("[data-testid=empty-list]").is_visible()


def test_export_shows_the_job_result_with_a_download_link(world, page, sign_in):
    try:
        reverse("jobs:job_detail", args=[1])
    except NoReverseMatch:
        pytest.skip("the jobs pages are not installed")
    with org_scope(world.org):
        for name in ("激光打印机", "投影仪"):
            services.product_create(actor=world.admin, name=name, list_price="100")
    sign_in(world.admin)
    page.goto("/products/")
    page.click("[data-testid=export-csv]")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("[data-testid=job-download]")
    assert "2" in page.locator("[data-testid=job-summary]").inner_text()
    with page.expect_download() as download_info:
        page.click("[data-testid=job-download]")
    assert download_info.value.suggested_filename.endswith(".csv")
