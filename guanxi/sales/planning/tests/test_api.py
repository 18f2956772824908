"""``/api/v1/sales-targets`` and ``/api/v1/forecast``."""

import datetime

import pytest
import time_machine

from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.sales.planning.models import SalesTarget
from guanxi.sales.planning.tests import helpers as h

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 10, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel(NOW, tick=False):
        yield


def test_create_list_with_actual_and_attainment(world, api):
    h.order(world, world.rep_a, "750", datetime.date(2026, 12, 2))
    client = api(world.admin)
    made = client.post(
        "/api/v1/sales-targets",
        {
            "employee": world.rep_a.pk,
            "period": "2026-12",
            "measure": "order_amount",
            "value": "1500",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["period"] == "2026-12" and body["period_kind"] == "month"
    assert body["actual"] == "750" and body["value"] == "1500"
    assert body["attainment"] == "50.0"
    client.post(
        "/api/v1/sales-targets",
        {"department": world.east.pk, "period": "2026-Q4", "measure": "quantity", "value": "10"},
        format="json",
    )
    listed = client.get("/api/v1/sales-targets", {"period": "2026-12"}).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert client.get("/api/v1/sales-targets", {"period": "2026-Q4"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-13", "measure": "order_amount", "value": "1"}, "period"),
        ({"period": "2026-12", "measure": "order_amount", "value": "-1"}, "value"),
        ({"period": "2026-12", "measure": "nonsense", "value": "1"}, "measure"),
    ],
)
def test_bad_input_is_400_with_field_errors(world, api, body, field):
    response = api(world.admin).post(
        "/api/v1/sales-targets", {"employee": world.rep_a.pk, **body}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    with org_scope(world.org):
        assert not SalesTarget.objects.exists()


def test_duplicate_is_400_and_fixed_fields_cannot_change(world, api):
    client = api(world.admin)
    body = {
        "employee": world.rep_a.pk,
        "period": "2026-12",
        "measure": "order_amount",
        "value": "1",
    }
    first = client.post("/api/v1/sales-targets", body, format="json").json()
    again = client.post("/api/v1/sales-targets", body, format="json")
    assert again.status_code == 400 and "period" in again.json()["fields"]
    moved = client.patch(
        f"/api/v1/sales-targets/{first['id']}", {"period": "2027-01"}, format="json"
    )
    assert moved.status_code == 400
    stale = client.patch(
        f"/api/v1/sales-targets/{first['id']}", {"value": "5", "version": 9}, format="json"
    )
    assert stale.status_code == 409
    fine = client.patch(f"/api/v1/sales-targets/{first['id']}", {"value": "5"}, format="json")
    assert fine.status_code == 200 and fine.json()["value"] == "5"


def test_rep_lists_only_own_targets(world, api):
    h.target(world, period="2026-12", measure="order_amount", value="1", employee=world.rep_a)
    h.target(world, period="2026-12", measure="order_amount", value="1", employee=world.rep_b)
    h.target(world, period="2026-12", measure="order_amount", value="1", department=world.north)
    items = api(world.rep_a).get("/api/v1/sales-targets").json()["items"]
    assert [item["employee"] for item in items] == [world.rep_a.pk]
    assert api(world.manager).get("/api/v1/sales-targets").json()["count"] == 3
    refused = api(world.rep_a).post(
        "/api/v1/sales-targets",
        {"employee": world.rep_a.pk, "period": "2026-11", "measure": "quantity", "value": "1"},
        format="json",
    )
    assert refused.status_code == 403


def test_list_queries_do_not_grow_with_the_rows(world, api, django_assert_max_num_queries):
    client = api(world.admin)
    h.target(world, period="2026-12", measure="order_amount", value="1", employee=world.rep_a)
    with django_assert_max_num_queries(12) as one:
        assert client.get("/api/v1/sales-targets").status_code == 200
    for index in range(5):
        person = EmployeeFactory(
            org=world.org, name=f"新人{index}", department=world.north,
            roles=[role(world.org, "销售代表")],
        )  # fmt: skip
        h.target(world, period="2026-12", measure="order_amount", value="9", employee=person)
        h.target(world, period="2026-11", measure="order_amount", value="9", employee=person)
    h.target(world, period="2026-12", measure="order_amount", value="9", department=world.east)
    with django_assert_max_num_queries(len(one.captured_queries) + 1):  # + department paths
        assert client.get("/api/v1/sales-targets").json()["count"] == 12


def test_forecast_endpoint(world, api):
    h.opportunity(world, world.rep_a, "10000", datetime.date(2026, 12, 20), 30)
    body = api(world.admin).get("/api/v1/forecast", {"months": 3}).json()
    assert [m["month"] for m in body["months"]] == ["2026-12", "2027-01", "2027-02"]
    assert body["months"][0]["weighted"] == "3000.00"
    assert body["overdue"]["count"] == 0 and len(body["past"]) == 7
    assert api(world.rep_b).get("/api/v1/forecast").json()["months"][0]["count"] == 0
    assert api(world.agent).get("/api/v1/forecast").status_code == 403
    assert api(world.admin).get("/api/v1/forecast", {"months": 40}).status_code == 400
