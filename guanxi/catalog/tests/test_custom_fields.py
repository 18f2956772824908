"""Products carry the org's custom fields: services, API, screens, export, browser."""

import csv
import io

import pytest

from guanxi.catalog.models import Product
from guanxi.catalog.tests.test_browser_products import CatalogPages
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.jobs.models import Job
from guanxi.orgs import services as org_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_fields(world):
    """A distributor tracks each product's origin, warranty and sales channel."""
    with org_scope(world.org):
        make = lambda **kw: org_services.custom_field_create(  # noqa: E731
            actor=world.admin, entity="product", **kw
        )
        return {
            "origin": make(
                code="origin",
                label="产地",
                label_en="Origin",
                field_type="text",
                searchable=True,
                show_in_list=True,
            ),
            "warranty": make(
                code="warranty_months", label="保修月数", field_type="number", required=True
            ),
            "channel": make(
                code="channel",
                label="销售渠道",
                field_type="choice",
                show_in_list=True,
                choices=[
                    {"code": "direct", "label": "直销", "label_en": "Direct"},
                    {"code": "agent", "label": "代理", "label_en": "Agent"},
                ],
            ),
        }


def _product(world, **custom):
    with all_orgs():
        return Product.objects.get(org=world.org, name="测试产品")


def test_create_requires_required_custom_fields(world, product_fields, make_product):
    with pytest.raises(Exception) as info:
        make_product(name="测试产品", custom={"origin": "苏州"})
    assert "保修月数" in " ".join(info.value.message_dict["custom"])
    with all_orgs():
        assert not Product.objects.filter(org=world.org, name="测试产品").exists()


def test_update_merges_and_audits(world, product_fields, make_product):
    product = make_product(name="测试产品", custom={"origin": "苏州", "warranty_months": "12"})
    assert product.custom == {"origin": "苏州", "warranty_months": "12"}
    with org_scope(world.org):
        from guanxi.audit.models import ChangeRecord
        from guanxi.catalog import services

        services.product_update(
            actor=world.admin, product=product, custom={"channel": "agent", "origin": None}
        )
        product.refresh_from_db()
        assert product.custom == {"warranty_months": "12", "channel": "agent"}
        change = ChangeRecord.objects.filter(
            entity="catalog.product", object_id=str(product.pk)
        ).latest("id")
        assert change.changes["custom"]["old"] == {"origin": "苏州", "warranty_months": "12"}


def test_api_round_trip_filter_and_search(world, product_fields, api):
    client = api(world.admin)
    body = {
        "name": "测试产品",
        "list_price": "10",
        "unit": "pcs",
        "custom": {"origin": "苏州", "warranty_months": 24, "channel": "direct"},
    }
    created = client.post("/api/v1/products", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["custom"] == {
        "origin": "苏州",
        "warranty_months": "24",
        "channel": "direct",
    }
    pid = created.json()["id"]
    bad = client.patch(f"/api/v1/products/{pid}", {"custom": {"channel": "nope"}}, format="json")
    assert bad.status_code == 400 and "custom" in bad.json()["fields"]
    unknown = client.patch(f"/api/v1/products/{pid}", {"custom": {"ghost": 1}}, format="json")
    assert unknown.status_code == 400
    assert _product(world).custom["channel"] == "direct"  # nothing changed

    assert [
        p["id"] for p in client.get("/api/v1/products", {"cf_channel": "direct"}).json()["items"]
    ] == [pid]
    assert client.get("/api/v1/products", {"cf_channel": "agent"}).json()["items"] == []
    assert [p["id"] for p in client.get("/api/v1/products", {"q": "苏州"}).json()["items"]] == [pid]


def test_screens_show_custom_fields(world, product_fields, web, make_product):
    client = web(world.admin)
    form = client.get("/products/new/").content.decode()
    assert 'name="cf_origin"' in form and 'name="cf_channel"' in form
    response = client.post(
        "/products/new/",
        {
            "name": "测试产品",
            "kind": "purchased",
            "list_price": "5",
            "tax_rate": "13",
            "active": "on",
            "cf_origin": "昆山",
            "cf_warranty_months": "6",
            "cf_channel": "agent",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    product = _product(world)
    assert product.custom == {"origin": "昆山", "warranty_months": "6", "channel": "agent"}
    detail = client.get(f"/products/{product.pk}/").content.decode()
    assert "昆山" in detail and "代理" in detail
    listing = client.get("/products/").content.decode()
    assert "产地" in listing and "昆山" in listing
    english = client.get(f"/products/{product.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Origin" in english and "Agent" in english

    missing = client.post(
        "/products/new/",
        {"name": "缺字段", "kind": "purchased", "list_price": "5", "tax_rate": "13"},
    )
    assert missing.status_code == 400
    with all_orgs():
        assert not Product.objects.filter(org=world.org, name="缺字段").exists()


def test_list_query_count_does_not_grow_with_custom_columns(
    world, product_fields, web, make_product, django_assert_max_num_queries
):
    client = web(world.admin)
    for index in range(20):
        make_product(name=f"产品{index}", custom={"warranty_months": "12", "origin": "苏州"})
    with django_assert_max_num_queries(16):
        assert client.get("/products/").status_code == 200


def test_export_has_custom_columns(
    world, product_fields, make_product, web, django_capture_on_commit_callbacks
):
    make_product(
        name="测试产品", custom={"origin": "苏州", "warranty_months": "12", "channel": "direct"}
    )
    client = web(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/products/export/", {})
    with all_orgs():
        job = Job.objects.filter(org=world.org, kind="catalog.export_products").latest("id")
        content = job.file.read().decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content)))[:2]
    assert header[-3:] == ["产地", "保修月数", "销售渠道"]
    assert row[-3:] == ["苏州", "12", "直销"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_adds_a_product_field_and_uses_it(world, page, sign_in):
    sign_in(world.admin)
    page.goto("/setup/custom-fields/?entity=product")
    form = page.locator("[data-testid=custom-field-form]")
    form.locator("input[name=new-code]").fill("origin")
    form.locator("input[name=new-label]").fill("产地")
    form.locator("input[name=new-show_in_list]").check()
    form.locator("input[name=new-searchable]").check()
    form.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=custom-field][data-code=origin]")

    page.goto("/products/new/")
    product_form = page.locator("[data-testid=product-form]")
    product_form.locator("input[name=name]").fill("德国进口轴承")
    product_form.locator("input[name=list_price]").fill("88")
    product_form.locator("input[name=cf_origin]").fill("斯图加特")
    product_form.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=product-title]")
    assert page.locator("[data-testid=custom-origin]").inner_text() == "斯图加特"

    CatalogPages(page).search("斯图加特")
    assert page.locator("[data-testid=product-row]").count() == 1
    assert "斯图加特" in page.locator("[data-testid=custom-cell]").first.inner_text()


def test_audit_log_hides_cost_changes_from_readers_without_view_cost(world, web, make_product):
    product = make_product(name="测试产品", cost_price="80")
    with org_scope(world.org):
        from guanxi.catalog import services

        services.product_update(actor=world.admin, product=product, cost_price="90")
    with all_orgs():
        from guanxi.orgs.models import Role
        from guanxi.orgs.tests.factories import EmployeeFactory

        auditor_role = Role.objects.create(org=world.org, name="审计员", permissions=["audit.view"])
        auditor = EmployeeFactory(org=world.org, name="审计员甲", roles=[auditor_role])
    auditor_page = web(auditor).get("/audit/").content.decode()
    assert "90.00" not in auditor_page and "***" in auditor_page
    assert web(world.readonly).get("/audit/").status_code == 403
    admin_page = web(world.admin).get("/audit/").content.decode()
    assert "90" in admin_page
