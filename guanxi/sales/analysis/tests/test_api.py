"""The read-only sales analysis API: figures, filters, 400 on bad filters, 403 without
``reports.view``, and nothing of another org."""

import pytest

from guanxi.sales.analysis.tests.helpers import PERIOD, build

pytestmark = pytest.mark.django_db
BASE = "/api/v1/sales-analysis"


@pytest.fixture
def history(world):
    return build(world)


def test_summary(world, history, api, django_assert_max_num_queries):
    client = api(world.admin)
    # token (and its last-use stamp), roles, settings, orders, opportunities
    with django_assert_max_num_queries(7):
        response = client.get(f"{BASE}/summary", PERIOD)
    assert response.status_code == 200
    data = response.json()
    assert data["order_amount"] == "7300.00"
    assert data["win_rate"] == "75.0"
    assert data["average_cycle_days"] == "47.0"
    assert data["average_deal_size"] == "12666.67"
    assert data["new_pipeline_count"] == 4
    assert data["start"] == "2026-01-01"


def test_funnel(world, history, api, django_assert_max_num_queries):
    client = api(world.admin)
    with django_assert_max_num_queries(8):
        data = client.get(f"{BASE}/funnel", PERIOD).json()
    assert [(s["name"], s["reached"], s["conversion"]) for s in data["stages"]] == [
        ("初步接洽", 4, "75.0"),
        ("需求确认", 3, "66.7"),
        ("方案报价", 2, "100.0"),
        ("商务谈判", 2, "100.0"),
        ("赢单", 2, None),
    ]
    assert data["pipeline"] == history.pipeline.pk


@pytest.mark.parametrize(
    ("by", "first"),
    [
        ("employee", "李四"),
        ("department", None),
        ("product", "硬质合金刀片"),
        ("product_line", "刀具"),
        ("region", "上海市"),
        ("month", "2026-01"),
        ("quarter", "2026-Q1"),
    ],
)
def test_breakdown(world, history, api, by, first, django_assert_max_num_queries):
    client = api(world.admin)
    with django_assert_max_num_queries(7):
        response = client.get(f"{BASE}/breakdown", {**PERIOD, "by": by})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert rows
    if first:
        assert rows[0]["label"] == first


def test_top_customers(world, history, api):
    client = api(world.admin)
    data = client.get(f"{BASE}/top-customers", {**PERIOD, "top": 2}).json()
    assert [(r["name"], r["amount"]) for r in data["rows"]] == [
        ("申城贸易", "4000.00"),
        ("华东精工", "3000.00"),
    ]
    growth = client.get(f"{BASE}/top-customers", {**PERIOD, "order": "growth"}).json()
    assert growth["rows"][0]["growth_rate"] == "100.0"
    assert growth["previous_start"] == "2025-10-03"


def test_filters(world, history, api):
    client = api(world.admin)
    data = client.get(f"{BASE}/summary", {**PERIOD, "region": "上海市"}).json()
    assert data["order_amount"] == "4000.00"
    data = client.get(f"{BASE}/summary", {**PERIOD, "department": world.east.pk}).json()
    assert data["order_amount"] == "3000.00"
    data = client.get(f"{BASE}/summary", {**PERIOD, "product_line": history.line1.pk}).json()
    assert data["order_amount"] == "1800.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"start": "nope", "end": "2026-01-01"}, "start"),
        ({"preset": "forever"}, "preset"),
        ({"employee": "abc"}, "employee"),
        ({"top": "1000"}, "top"),
        ({"min_base": "-5"}, "min_base"),
    ],
)
def test_bad_filter_is_400_with_field_errors(world, api, params, field):
    response = api(world.admin).get(f"{BASE}/top-customers", params)
    assert response.status_code == 400
    body = response.json()
    assert field in body["fields"]
    assert body["detail"]


def test_bad_dimension_is_400(world, api):
    response = api(world.admin).get(f"{BASE}/breakdown", {"by": "planet"})
    assert response.status_code == 400
    assert "by" in response.json()["fields"]


@pytest.mark.parametrize("path", ["summary", "funnel", "breakdown", "top-customers"])
def test_rep_without_reports_view_gets_403(world, api, path):
    response = api(world.rep_a).get(f"{BASE}/{path}")
    assert response.status_code == 403


def test_anonymous_gets_401_or_403(api):
    assert api().get(f"{BASE}/summary").status_code in (401, 403)


def test_org_b_data_never_appears(world, other_world, history, api):
    """Org B has the same history: its figures are its own, and org A's ids are
    unknown filters there."""
    build(other_world)
    data = api(other_world.admin).get(f"{BASE}/summary", PERIOD).json()
    assert data["order_amount"] == "7300.00"
    mine = api(world.admin).get(f"{BASE}/top-customers", PERIOD).json()
    assert {r["customer"] for r in mine["rows"]} == {
        history.jiangsu.pk,
        history.shanghai.pk,
        history.plain.pk,
    }
    response = api(other_world.admin).get(f"{BASE}/summary", {"employee": world.rep_a.pk})
    assert response.status_code == 400


def test_schema_documents_the_endpoints(api):
    schema = api().get("/api/v1/openapi.json").json()
    for path in ("summary", "funnel", "breakdown", "top-customers"):
        assert f"/api/v1/sales-analysis/{path}" in schema["paths"]
