"""Real-browser flow of an import: upload, map, check, import, see the result."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer
from guanxi.transfer.tests.helpers import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_imports_a_gbk_csv(world, page, sign_in, tmp_path):
    path = tmp_path / "客户.csv"
    rows = [["公司名称", "联系电话", "无关"], ["杭州西湖茶业有限公司", "0571-87654321", "x"],
            ["宁波海运有限公司", "0574-12345678", "y"], ["坏数据", "abc", "z"]]  # fmt: skip
    path.write_bytes(csv_bytes(rows, "gbk"))
    sign_in(world.manager)
    page.goto("/customers/")
    page.click("[data-testid=import-customers]")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=import-upload]")
    page.wait_for_selector("[data-testid=import-mapping]")
    assert page.input_value("[data-testid=map-0]") == "name"
    page.select_option("[data-testid=map-1]", "phone")
    assert page.input_value("[data-testid=map-2]") == ""

    page.click("[data-testid=import-validate]")
    page.wait_for_selector("[data-testid=import-result]")
    assert page.inner_text("[data-testid=count-created]") == "2"
    assert page.inner_text("[data-testid=count-errors]") == "1"
    assert "不是有效的电话号码" in page.inner_text("[data-testid=import-errors]")

    page.check("input[name=valid_only]")
    page.click("[data-testid=import-run]")
    page.wait_for_selector("[data-testid=import-status][data-status=done]")
    assert page.inner_text("[data-testid=count-created]") == "2"
    page.click("[data-testid=import-to-customers]")
    page.wait_for_selector("[data-testid=customer-table]")
    assert "宁波海运有限公司" in page.inner_text("[data-testid=customer-table]")
    with org_scope(world.org):
        assert Customer.objects.count() == 2
