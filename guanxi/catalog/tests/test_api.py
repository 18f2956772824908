"""/api/v1/products, /api/v1/product-categories, /api/v1/product-lines."""

from decimal import Decimal

import pytest

from guanxi.catalog import services
from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import NumberSequence

pytestmark = pytest.mark.django_db

CONTRACT_FIELDS = {
    "code",
    "name",
    "category",
    "kind",
    "unit",
    "list_price",
    "cost_price",
    "tax_rate",
    "active",
}
ALL_FIELDS = CONTRACT_FIELDS | {
    "id",
    "mnemonic",
    "spec",
    "model",
    "product_lines",
    "description",
    "custom",
    "version",
    "created_at",
    "updated_at",
    "tangible",
}


def _count(org):
    with all_orgs():
        return Product.objects.filter(org=org).count()


def _reload(product):
    with all_orgs():
        return Product.objects.get(pk=product.pk)


# ---- create / read / update / delete ---------------------------------------------------


def test_create_returns_the_contract_fields(world, api, make_category):
    category = make_category("打印机")
    with org_scope(world.org):
        line = services.product_line_create(actor=world.admin, name="办公设备")
    body = {
        "name": "激光打印机",
        "category": category.pk,
        "kind": "purchased",
        "unit": "unit",
        "list_price": "2899.005",
        "cost_price": "2150",
        "tax_rate": "13",
        "product_lines": [line.pk],
        "spec": "A4 双面",
        "model": "M404dn",
    }
    response = api(world.admin).post("/api/v1/products", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == ALL_FIELDS
    assert data["code"] == "CP-00001"
    assert data["mnemonic"] == "JGDYJ"
    assert data["list_price"] == "2899.01"
    assert data["cost_price"] == "2150.00"
    assert data["tax_rate"] == "13.00"
    assert (data["category"], data["unit"], data["product_lines"]) == (
        category.pk,
        "unit",
        [line.pk],
    )
    assert data["active"] is True and data["tangible"] is True and data["version"] == 1


def test_list_shape_filters_and_ordering(world, api, make_category, make_product):
    office = make_category("办公设备")
    printers = make_category("打印机", parent=office)
    make_product("激光打印机", category=printers, list_price="2899")
    make_product("投影仪", category=office, list_price="5699")
    make_product("安装服务", kind="service", list_price="200", active=False)
    client = api(world.readonly)

    body = client.get("/api/v1/products").json()
    assert set(body) >= {"items", "count", "next"}
    assert body["count"] == 3
    assert [p["code"] for p in body["items"]] == ["CP-00001", "CP-00002", "CP-00003"]

    def names(**params):
        return [p["name"] for p in client.get("/api/v1/products", params).json()["items"]]

    assert names(q="dyj") == ["激光打印机"]
    assert names(category=office.pk) == ["激光打印机", "投影仪"]
    assert names(kind="service") == ["安装服务"]
    assert names(active="false") == ["安装服务"]
    assert names(ordering="-list_price") == ["投影仪", "激光打印机", "安装服务"]
    assert names(ordering="name") == sorted(["激光打印机", "投影仪", "安装服务"])
    assert client.get("/api/v1/products", {"kind": "bogus"}).status_code == 400


def test_cursor_pagination(world, api, make_product):
    for i in range(5):
        make_product(f"产品{i}")
    client = api(world.admin)
    first = client.get("/api/v1/products", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert {p["id"] for p in first["items"]}.isdisjoint({p["id"] for p in second["items"]})


def test_patch_with_version_and_stale_version_409(world, api, make_product):
    product = make_product()
    client = api(world.admin)
    url = f"/api/v1/products/{product.pk}"
    response = client.patch(url, {"name": "新名称", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    stale = client.patch(url, {"name": "过期修改", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert _reload(product).name == "新名称"


def test_delete_is_allowed_and_audited(world, api, make_product):
    product = make_product()
    response = api(world.admin).delete(f"/api/v1/products/{product.pk}")
    assert response.status_code == 204
    assert _count(world.org) == 0


# ---- cost price ------------------------------------------------------------------------


def test_cost_is_null_without_view_cost(world, api, make_product):
    product = make_product(cost_price="80")
    assert api(world.admin).get(f"/api/v1/products/{product.pk}").json()["cost_price"] == "80.00"
    for employee in (world.readonly, world.rep_a):
        client = api(employee)
        assert client.get(f"/api/v1/products/{product.pk}").json()["cost_price"] is None
        assert client.get("/api/v1/products").json()["items"][0]["cost_price"] is None


def test_writing_cost_without_view_cost_is_403_and_writes_nothing(world, clerk, api, make_product):
    client = api(clerk)
    response = client.post(
        "/api/v1/products", {"name": "打印机", "cost_price": "10"}, format="json"
    )
    assert response.status_code == 403
    assert _count(world.org) == 0

    product = make_product(cost_price="80")
    response = client.patch(
        f"/api/v1/products/{product.pk}", {"name": "改名", "cost_price": "1"}, format="json"
    )
    assert response.status_code == 403
    after = _reload(product)
    assert (after.name, after.cost_price) == ("激光打印机", Decimal("80.00"))
    # without the cost field the clerk may edit
    response = client.patch(f"/api/v1/products/{product.pk}", {"name": "改名"}, format="json")
    assert response.status_code == 200
    assert response.json()["cost_price"] is None
    assert _reload(product).cost_price == Decimal("80.00")


# ---- isolation and permissions ---------------------------------------------------------


def test_other_orgs_product_is_404_and_unchanged(world, other_world, api, make_product):
    foreign = make_product("贝塔打印机", actor=other_world.admin, list_price="50")
    client = api(world.admin)
    url = f"/api/v1/products/{foreign.pk}"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "偷改", "list_price": "1"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    after = _reload(foreign)
    assert (after.name, after.list_price, after.version) == ("贝塔打印机", Decimal("50.00"), 1)


def test_other_orgs_category_and_lines_cannot_be_referenced(world, other_world, api, make_category):
    foreign_category = make_category("外部分类", actor=other_world.admin)
    with org_scope(other_world.org):
        foreign_line = services.product_line_create(actor=other_world.admin, name="外部线")
    response = api(world.admin).post(
        "/api/v1/products",
        {"name": "打印机", "category": foreign_category.pk, "product_lines": [foreign_line.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert {"category", "product_lines"} <= set(response.json()["fields"])
    assert _count(world.org) == 0


def test_readonly_gets_403_and_rows_are_unchanged(world, api, make_product):
    product = make_product()
    client = api(world.readonly)
    url = f"/api/v1/products/{product.pk}"
    assert client.post("/api/v1/products", {"name": "只读新建"}, format="json").status_code == 403
    assert client.patch(url, {"name": "只读修改"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert _count(world.org) == 1
    after = _reload(product)
    assert (after.name, after.version) == ("激光打印机", 1)


# ---- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"list_price": "1"}, "name"),
        ({"name": "打印机", "unit": "barrel"}, "unit"),
        ({"name": "打印机", "list_price": "-5"}, "list_price"),
        ({"name": "打印机", "list_price": "abc"}, "list_price"),
        ({"name": "打印机", "list_price": "1e400"}, "list_price"),
        ({"name": "打印机", "cost_price": "99999999999999.999"}, "cost_price"),
        ({"name": "打印机", "tax_rate": "1e400"}, "tax_rate"),
        ({"name": "打印机", "tax_rate": "130"}, "tax_rate"),
        ({"name": "打印机", "kind": "rental"}, "kind"),
        ({"name": "打印机", "category": 987654}, "category"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_writes_nothing(world, api, body, field):
    response = api(world.admin).post("/api/v1/products", body, format="json")
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["code"] == "invalid"
    assert field in data["fields"]
    assert _count(world.org) == 0
    with all_orgs():
        assert not NumberSequence.objects.filter(org=world.org, target="product").exists()


def test_duplicate_code_is_400(world, api, make_product):
    make_product(code="P-1")
    response = api(world.admin).post(
        "/api/v1/products", {"name": "乙", "code": "P-1"}, format="json"
    )
    assert response.status_code == 400
    assert "code" in response.json()["fields"]
    assert _count(world.org) == 1


def test_idempotency_key_replays_the_same_product(world, api):
    client = api(world.admin)
    body = {"name": "激光打印机", "list_price": "10"}
    first = client.post("/api/v1/products", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/products", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["code"] == again.json()["code"]
    assert _count(world.org) == 1


# ---- query counts ----------------------------------------------------------------------


def _list_queries(client, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get("/api/v1/products").status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_rows(
    world, api, make_product, make_category, django_assert_max_num_queries
):
    category = make_category("打印机")
    with org_scope(world.org):
        lines = [services.product_line_create(actor=world.admin, name=f"线{i}") for i in range(2)]
    client = api(world.admin)
    make_product("产品0", category=category, product_lines=lines)
    client.get("/api/v1/products")  # warm up: the token's "last used" stamp is written once
    few = _list_queries(client, django_assert_max_num_queries, 12)
    for i in range(1, 20):
        make_product(f"产品{i}", category=category, product_lines=lines)
    many = _list_queries(client, django_assert_max_num_queries, 12)
    assert many == few


def test_detail_query_count(world, api, make_product, django_assert_max_num_queries):
    product = make_product()
    client = api(world.admin)
    with django_assert_max_num_queries(10):
        assert client.get(f"/api/v1/products/{product.pk}").status_code == 200


# ---- categories and lines --------------------------------------------------------------


def test_category_tree_through_the_api(world, api):
    client = api(world.admin)
    office = client.post(
        "/api/v1/product-categories", {"name": "办公设备", "code": "BG"}, format="json"
    ).json()
    printers = client.post(
        "/api/v1/product-categories", {"name": "打印机", "parent": office["id"]}, format="json"
    ).json()
    assert (printers["depth"], printers["path"]) == (1, f"/{office['id']}/{printers['id']}/")
    duplicate = client.post(
        "/api/v1/product-categories", {"name": "打印机", "parent": office["id"]}, format="json"
    )
    assert duplicate.status_code == 400 and "name" in duplicate.json()["fields"]

    cycle = client.patch(
        f"/api/v1/product-categories/{office['id']}", {"parent": printers["id"]}, format="json"
    )
    assert cycle.status_code == 400 and "parent" in cycle.json()["fields"]
    moved = client.patch(
        f"/api/v1/product-categories/{printers['id']}", {"parent": None}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["depth"] == 0

    product = client.post(
        "/api/v1/products", {"name": "打印机", "category": printers["id"]}, format="json"
    )
    assert product.status_code == 201
    refused = client.delete(f"/api/v1/product-categories/{printers['id']}")
    assert refused.status_code == 422 and refused.json()["code"] == "has_products"
    assert client.delete(f"/api/v1/product-categories/{office['id']}").status_code == 204
    with org_scope(world.org):
        assert list(ProductCategory.objects.values_list("name", flat=True)) == ["打印机"]
    listing = client.get("/api/v1/product-categories").json()
    assert listing["items"][0]["product_count"] == 1


def test_product_lines_through_the_api(world, api):
    client = api(world.admin)
    created = client.post(
        "/api/v1/product-lines", {"name": "办公设备", "description": "硬件"}, format="json"
    )
    assert created.status_code == 201
    line_id = created.json()["id"]
    product = client.post(
        "/api/v1/products", {"name": "打印机", "product_lines": [line_id]}, format="json"
    ).json()
    assert client.delete(f"/api/v1/product-lines/{line_id}").status_code == 422
    client.patch(f"/api/v1/products/{product['id']}", {"product_lines": []}, format="json")
    assert client.delete(f"/api/v1/product-lines/{line_id}").status_code == 204
    with org_scope(world.org):
        assert not ProductLine.objects.exists()


def test_openapi_document_lists_the_catalogue(world, api):
    response = api(world.admin).get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/products",
        "/api/v1/products/{id}",
        "/api/v1/product-categories",
        "/api/v1/product-lines",
    } <= set(paths)
