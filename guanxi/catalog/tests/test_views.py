"""Catalogue screens: list, detail, create, edit, categories, lines, export."""

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from guanxi.catalog import services
from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.jobs.models import Job
from guanxi.orgs.models import Role
from guanxi.orgs.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

LIST = "/products/"


def _count(org):
    with all_orgs():
        return Product.objects.filter(org=org).count()


def _reload(product):
    with all_orgs():
        return Product.objects.get(pk=product.pk)


def _form(**overrides):
    data = {
        "name": "激光打印机",
        "code": "",
        "mnemonic": "",
        "category": "",
        "kind": "purchased",
        "spec": "A4",
        "model": "M404",
        "unit": "unit",
        "list_price": "2899",
        "tax_rate": "13",
        "active": "on",
        "description": "",
    }
    data.update(overrides)
    return data


# ---- list ------------------------------------------------------------------------------


def test_list_shows_products_with_filters_and_no_cost_column_for_readonly(
    world, web, make_product, make_category
):
    printers = make_category("打印机")
    make_product("激光打印机", category=printers, cost_price="2150", list_price="2899")
    make_product("投影仪", list_price="5699")
    client = web(world.readonly)
    page = client.get(LIST).content.decode()
    assert "激光打印机" in page and "投影仪" in page
    assert 'data-testid="cost-header"' not in page and "2150" not in page
    assert 'data-testid="new-product"' not in page
    filtered = client.get(LIST, {"category": printers.pk}).content.decode()
    assert "激光打印机" in filtered and "投影仪" not in filtered
    searched = client.get(LIST, {"q": "tyy"}).content.decode()
    assert "投影仪" in searched and "激光打印机" not in searched


def test_admin_sees_cost_column_and_actions(world, web, make_product):
    make_product(cost_price="2150")
    page = web(world.admin).get(LIST).content.decode()
    assert 'data-testid="cost-header"' in page and "2150.00" in page
    assert 'data-testid="new-product"' in page and 'data-testid="export-csv"' in page


def test_list_paginates_and_sorts(world, web, make_product):
    for i in range(30):
        make_product(f"产品{i:02d}", list_price=str(i))
    client = web(world.admin)
    first = client.get(LIST).content.decode()
    assert first.count('data-testid="product-row"') == 25
    second = client.get(LIST, {"page": 2}).content.decode()
    assert second.count('data-testid="product-row"') == 5
    by_price = client.get(LIST, {"ordering": "-list_price"}).content.decode()
    assert by_price.index("产品29") < by_price.index("产品28")


def test_list_query_count_does_not_grow_with_rows(
    world, web, make_product, make_category, django_assert_max_num_queries
):
    category = make_category("打印机")
    with org_scope(world.org):
        line = services.product_line_create(actor=world.admin, name="办公设备")
    make_product("产品0", category=category, product_lines=[line], unit="unit")
    client = web(world.admin)
    client.get(LIST)
    with django_assert_max_num_queries(16) as few:
        client.get(LIST)
    for i in range(1, 25):
        make_product(f"产品{i}", category=category, product_lines=[line], unit="unit")
    with django_assert_max_num_queries(16) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_employee_without_products_view_gets_403(world, web):
    with all_orgs():
        role = Role.objects.create(org=world.org, name="无产品权限", permissions=["customers.view"])
        nobody = EmployeeFactory(org=world.org, roles=[role])
    assert web(nobody).get(LIST).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---- detail ----------------------------------------------------------------------------


def test_detail_shows_facts_history_and_margin(
    world, web, make_product, django_assert_max_num_queries
):
    product = make_product(list_price="200", cost_price="150", unit="set")
    with org_scope(world.org):
        services.product_update(actor=world.admin, product=product, list_price="250")
    client = web(world.admin)
    client.get(f"{LIST}{product.pk}/")
    with django_assert_max_num_queries(14):
        page = client.get(f"{LIST}{product.pk}/").content.decode()
    assert "激光打印机" in page and "套" in page
    assert 'data-testid="cost-price"' in page and "100.00" in page  # margin 250 - 150
    assert page.count('data-testid="history-entry"') == 2
    assert "200.00" in page and "250.00" in page


def test_detail_hides_cost_and_masks_history_without_view_cost(world, web, make_product):
    product = make_product(cost_price="150")
    with org_scope(world.org):
        services.product_update(actor=world.admin, product=product, cost_price="160")
    page = web(world.readonly).get(f"{LIST}{product.pk}/").content.decode()
    assert "150" not in page and "160" not in page and "***" in page
    assert 'data-testid="edit-product"' not in page


def test_other_orgs_product_is_404(world, other_world, web, make_product):
    foreign = make_product("贝塔产品", actor=other_world.admin)
    client = web(world.admin)
    for suffix in ("", "edit/"):
        assert client.get(f"{LIST}{foreign.pk}/{suffix}").status_code == 404
    assert client.post(f"{LIST}{foreign.pk}/edit/", _form(name="偷改")).status_code == 404
    assert client.post(f"{LIST}{foreign.pk}/delete/").status_code == 404
    assert client.post(f"{LIST}{foreign.pk}/active/", {"active": "0"}).status_code == 404
    after = _reload(foreign)
    assert (after.name, after.active) == ("贝塔产品", True)


# ---- create and edit -------------------------------------------------------------------


def test_admin_creates_a_product(world, web, make_category):
    category = make_category("打印机")
    with org_scope(world.org):
        line = services.product_line_create(actor=world.admin, name="办公设备")
    response = web(world.admin).post(
        f"{LIST}new/",
        _form(category=str(category.pk), product_lines=[str(line.pk)], cost_price="2150.456"),
    )
    assert response.status_code == 302
    with org_scope(world.org):
        product = Product.objects.get()
        assert response["Location"] == f"{LIST}{product.pk}/"
        assert (product.code, product.mnemonic, product.category_id) == (
            "CP-00001",
            "JGDYJ",
            category.pk,
        )
        assert product.cost_price == Decimal("2150.46")
        assert list(product.product_lines.all()) == [line]


def test_create_form_offers_units_categories_and_lines(world, web, make_category):
    make_category("打印机")
    page = web(world.admin).get(f"{LIST}new/").content.decode()
    assert '<option value="unit">台</option>' in page
    assert "打印机" in page and 'name="version"' in page and 'name="cost_price"' in page


def test_create_form_has_no_cost_field_without_view_cost(world, clerk, web):
    page = web(clerk).get(f"{LIST}new/").content.decode()
    assert 'name="cost_price"' not in page
    response = web(clerk).post(f"{LIST}new/", _form(cost_price="10"))
    assert response.status_code == 302
    with org_scope(world.org):
        assert Product.objects.get().cost_price is None


def test_invalid_create_shows_errors_and_writes_nothing(world, web):
    response = web(world.admin).post(f"{LIST}new/", _form(name="", list_price="-1"))
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"name", "list_price"}
    duplicate_code = web(world.admin).post(f"{LIST}new/", _form(code="X", unit="unit"))
    assert duplicate_code.status_code == 302
    again = web(world.admin).post(f"{LIST}new/", _form(code="X"))
    assert again.status_code == 400 and "code" in again.context["form"].errors
    assert _count(world.org) == 1


def test_readonly_cannot_create_or_edit(world, web, make_product):
    product = make_product()
    client = web(world.readonly)
    assert client.get(f"{LIST}new/").status_code == 403
    assert client.post(f"{LIST}new/", _form(name="只读")).status_code == 403
    assert client.get(f"{LIST}{product.pk}/edit/").status_code == 403
    assert client.post(f"{LIST}{product.pk}/edit/", _form(name="只读")).status_code == 403
    assert client.post(f"{LIST}{product.pk}/delete/").status_code == 403
    assert client.post(f"{LIST}{product.pk}/active/", {"active": "0"}).status_code == 403
    assert _count(world.org) == 1
    after = _reload(product)
    assert (after.name, after.active, after.version) == ("激光打印机", True, 1)


def test_edit_saves_and_a_stale_form_is_refused(world, web, make_product):
    product = make_product()
    client = web(world.admin)
    edit = f"{LIST}{product.pk}/edit/"
    form = client.get(edit).context["form"]
    assert form.initial["version"] == 1
    assert client.post(edit, _form(name="", version="1", code="")).status_code == 400
    assert client.post(edit, _form(name="新名称", version="1", code="P-9")).status_code == 302
    stale = client.post(edit, _form(name="过期的修改", version="1", code="P-9"))
    assert stale.status_code == 409
    assert "已被他人修改" in stale.content.decode()
    assert _reload(product).name == "新名称"


def test_deactivate_and_delete(world, web, make_product):
    product = make_product()
    client = web(world.admin)
    client.post(f"{LIST}{product.pk}/active/", {"active": "0", "version": "1"})
    assert _reload(product).active is False
    response = client.post(f"{LIST}{product.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == LIST
    assert _count(world.org) == 0


# ---- categories and lines --------------------------------------------------------------


def test_category_page_creates_moves_and_refuses_delete(world, web, make_category, make_product):
    client = web(world.admin)
    response = client.post(f"{LIST}categories/", {"name": "办公设备", "parent": "", "code": "BG"})
    assert response.status_code == 302
    with org_scope(world.org):
        office = ProductCategory.objects.get()
    client.post(f"{LIST}categories/", {"name": "打印机", "parent": str(office.pk)})
    with org_scope(world.org):
        printers = ProductCategory.objects.get(name="打印机")
    assert printers.parent_id == office.pk

    cycle = client.post(
        f"{LIST}categories/{office.pk}/edit/", {"name": "办公设备", "parent": str(printers.pk)}
    )
    assert cycle.status_code == 400  # its own branch is not offered as a parent
    assert "parent" in cycle.context["form"].errors
    moved = client.post(f"{LIST}categories/{printers.pk}/edit/", {"name": "打印设备", "parent": ""})
    assert moved.status_code == 302

    make_product(category=printers)
    refused = client.post(f"{LIST}categories/{printers.pk}/delete/", follow=True)
    assert "还有产品" in refused.content.decode()
    page = client.get(f"{LIST}categories/").content.decode()
    assert "打印设备" in page and page.count('data-testid="category-row"') == 2


def test_readonly_cannot_change_categories_or_lines(world, web, make_category):
    category = make_category("办公设备")
    client = web(world.readonly)
    assert client.get(f"{LIST}categories/").status_code == 200
    assert client.post(f"{LIST}categories/", {"name": "新分类"}).status_code == 403
    assert client.post(f"{LIST}categories/{category.pk}/delete/").status_code == 403
    assert client.post(f"{LIST}lines/", {"name": "新产品线"}).status_code == 403
    with org_scope(world.org):
        assert ProductCategory.objects.count() == 1
        assert not ProductLine.objects.exists()


def test_product_lines_page(world, web, make_product):
    client = web(world.admin)
    assert (
        client.post(f"{LIST}lines/", {"name": "办公设备", "description": "硬件"}).status_code == 302
    )
    with org_scope(world.org):
        line = ProductLine.objects.get()
    assert client.post(f"{LIST}lines/{line.pk}/edit/", {"name": "办公设备线"}).status_code == 302
    make_product(product_lines=[line])
    refused = client.post(f"{LIST}lines/{line.pk}/delete/", follow=True)
    assert "请先把它们移出该产品线" in refused.content.decode()
    page = client.get(f"{LIST}lines/").content.decode()
    assert "办公设备线" in page


# ---- export ----------------------------------------------------------------------------


def test_export_button_starts_the_job_and_opens_its_page(
    world, web, make_product, django_capture_on_commit_callbacks
):
    make_product()
    with django_capture_on_commit_callbacks(execute=True):
        response = web(world.admin).post(f"{LIST}export/", {"q": "激光", "page": "3"})
    with org_scope(world.org):
        job = Job.objects.get()
    assert job.kind == "catalog.export_products"
    assert job.params["q"] == "激光" and "page" not in job.params
    try:
        target = reverse("jobs:job_detail", args=[job.pk])
    except NoReverseMatch:
        target = LIST
    assert response.status_code == 302 and response["Location"].startswith(target)
    assert job.status == Job.Status.SUCCEEDED


def test_export_needs_permission(world, web, make_product):
    make_product()
    assert web(world.readonly).post(f"{LIST}export/").status_code == 403
    with org_scope(world.org):
        assert not Job.objects.exists()
