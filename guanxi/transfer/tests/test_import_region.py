"""The import writes region text in the picker's form when it names a region."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer
from guanxi.transfer.tests.helpers import csv_bytes
from guanxi.transfer.tests.test_import import _batch, _run

pytestmark = pytest.mark.django_db


def test_region_text_is_read_as_divisions_or_kept(world, django_capture_on_commit_callbacks):
    rows = [
        ["甲公司", "广东 深圳 南山"],
        ["乙公司", "北京市/朝阳区"],
        ["丙公司", "新加坡 滨海湾"],
        ["丁公司", "浙江省杭州市西湖区文三路 90 号"],
    ]
    content = csv_bytes([["客户名称", "省市区"], *rows])
    batch = _batch(world.manager, [], content=content)
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert batch.created_count == 4, batch.first_errors
    with org_scope(world.org):
        stored = dict(Customer.objects.values_list("name", "region"))
    assert stored == {
        "甲公司": "广东省 深圳市 南山区",
        "乙公司": "北京市 朝阳区",
        "丙公司": "新加坡 滨海湾",
        "丁公司": "浙江省杭州市西湖区文三路 90 号",  # more than a region: kept as written
    }
