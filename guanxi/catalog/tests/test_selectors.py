"""catalog.selectors and filters: who sees what, and every list filter."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from guanxi.catalog import selectors, services
from guanxi.catalog.models import Product
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Role
from guanxi.orgs.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(world, make_category, make_product):
    office = make_category("办公设备")
    printers = make_category("打印机", parent=office)
    laser = make_category("激光打印机", parent=printers)
    service = make_category("服务")
    items = {
        "laser": make_product("激光打印机 M404", category=laser, list_price="2899"),
        "inkjet": make_product("喷墨打印机", category=printers, list_price="1299"),
        "projector": make_product("投影仪", category=office, list_price="5699", active=False),
        "install": make_product(
            "上门安装", category=service, kind=Product.Kind.SERVICE, list_price="200"
        ),
        "loose": make_product("未分类配件", list_price="10", code="ZZ-1"),
    }
    return {
        "office": office,
        "printers": printers,
        "laser_category": laser,
        "service": service,
        **items,
    }


def _names(employee, **filters):
    with org_scope(employee.org_id):
        return sorted(p.name for p in selectors.product_list(employee=employee, filters=filters))


def test_search_matches_code_name_or_mnemonic(world, catalogue):
    assert _names(world.readonly, q="打印机") == ["喷墨打印机", "激光打印机 M404"]
    assert _names(world.readonly, q="pmdyj") == ["喷墨打印机"]  # pinyin initials, any case
    assert _names(world.readonly, q="zz-1") == ["未分类配件"]
    assert _names(world.readonly, q="   ") == _names(world.readonly)


def test_category_filter_includes_every_sub_category(world, catalogue):
    office = catalogue["office"].pk
    assert _names(world.admin, category=office) == ["喷墨打印机", "投影仪", "激光打印机 M404"]
    assert _names(world.admin, category=catalogue["printers"].pk) == [
        "喷墨打印机",
        "激光打印机 M404",
    ]
    assert _names(world.admin, category=catalogue["laser_category"].pk) == ["激光打印机 M404"]


def test_category_of_another_org_or_unknown_finds_nothing(
    world, other_world, catalogue, make_category
):
    foreign = make_category("外部分类", actor=other_world.admin)
    assert _names(world.admin, category=foreign.pk) == []
    assert _names(world.admin, category=999999) == []


def test_kind_and_active_filters(world, catalogue):
    assert _names(world.admin, kind="service") == ["上门安装"]
    assert _names(world.admin, active="false") == ["投影仪"]
    assert len(_names(world.admin, active="true")) == 4


def test_invalid_filter_values_are_ignored(world, catalogue):
    assert len(_names(world.admin, kind="nonsense", category="abc", active="maybe")) == 5


def test_ordering_by_code_name_and_price(world, catalogue):
    with org_scope(world.org):
        by_price = selectors.product_list(employee=world.admin, filters={"ordering": "-list_price"})
        assert [p.name for p in by_price][:2] == ["投影仪", "激光打印机 M404"]
        by_code = selectors.product_list(employee=world.admin)
        codes = [p.code for p in by_code]
    assert codes == sorted(codes)


def test_other_orgs_products_are_never_listed(world, other_world, catalogue, make_product):
    make_product("贝塔的产品", actor=other_world.admin)
    assert "贝塔的产品" not in _names(world.admin)
    assert _names(other_world.admin) == ["贝塔的产品"]


def test_access_product_is_404_for_another_org_and_403_without_permission(
    world, other_world, catalogue, make_product
):
    foreign = make_product("贝塔的产品", actor=other_world.admin)
    with org_scope(world.org):
        assert selectors.access_product(world.rep_a, catalogue["laser"].pk).pk
        with pytest.raises(Http404):
            selectors.access_product(world.admin, foreign.pk)
        with pytest.raises(Http404):
            selectors.access_product(world.admin, "not-a-number")
        with pytest.raises(PermissionDenied):
            selectors.access_product(world.rep_a, catalogue["laser"].pk, write=True)


def test_employee_without_products_view_sees_nothing(world):
    with all_orgs():
        role = Role.objects.create(org=world.org, name="无产品权限", permissions=["customers.view"])
        nobody = EmployeeFactory(org=world.org, roles=[role])
    with org_scope(world.org), pytest.raises(PermissionDenied):
        selectors.product_list(employee=nobody)


def test_category_tree_order_puts_children_under_parents(world, catalogue):
    with org_scope(world.org):
        tree = selectors.category_tree(employee=world.readonly, with_counts=True)
    assert [(c.name, c.depth) for c in tree] == [
        ("办公设备", 0),
        ("打印机", 1),
        ("激光打印机", 2),
        ("服务", 0),
    ]
    assert [c.product_count for c in tree] == [1, 1, 1, 1]
    assert [c.total_count for c in tree] == [3, 2, 1, 1]


def test_history_masks_cost_without_view_cost(world, clerk, make_product):
    product = make_product(cost_price="80", list_price="100")
    with org_scope(world.org):
        services.product_update(actor=world.admin, product=product, cost_price="90")
        admin_rows = selectors.product_history(employee=world.admin, product=product)
        clerk_rows = selectors.product_history(employee=clerk, product=product)
    admin_change = next(c for c in admin_rows[0]["changes"] if c["field"] == "cost_price")
    clerk_change = next(c for c in clerk_rows[0]["changes"] if c["field"] == "cost_price")
    assert (admin_change["old"], admin_change["new"]) == ("80.00", "90.00")
    assert (clerk_change["old"], clerk_change["new"]) == ("***", "***")
    assert [row["record"].action for row in admin_rows] == ["update", "create"]
