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


def test_manager_undoes_an_import_and_finds_the_customers_in_the_bin(
    world, page, sign_in, tmp_path
):
    path = tmp_path / "客户.csv"
    rows = [["客户名称", "电话"], ["温州鞋业有限公司", "0577-88886666"],
            ["台州机电有限公司", "0576-88886666"]]  # fmt: skip
    path.write_bytes(csv_bytes(rows))
    sign_in(world.manager)
    page.goto("/transfer/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=import-upload]")
    page.wait_for_selector("[data-testid=import-mapping]")
    page.click("[data-testid=import-run]")
    page.wait_for_selector("[data-testid=import-status][data-status=done]")
    assert "之前可以撤销" in page.inner_text("[data-testid=import-undo-until]")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("[data-testid=import-undo]")
    page.wait_for_selector("[data-testid=import-status][data-status=undone]")
    assert "回收站" in questions[0]
    assert "2 条客户或联系人移入回收站" in page.inner_text("[data-testid=import-message]")
    assert page.locator("[data-testid=import-undo]").count() == 0
    with org_scope(world.org):
        assert not Customer.objects.exists()
        assert Customer.with_deleted.filter(deleted_at__isnull=False).count() == 2
