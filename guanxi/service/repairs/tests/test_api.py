"""The repairs API: create with parts, nested part writes, transitions, refusals that
change nothing, permissions, data scope between technicians, other orgs and query
budgets."""

from decimal import Decimal

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.service.repairs.models import FeeList, PackingList, Repair, RepairPart
from guanxi.service.repairs.tests import helpers as h

pytestmark = pytest.mark.django_db


def _second_agent(world):
    with all_orgs():
        return EmployeeFactory(
            org=world.org,
            name="孙八",
            username="agent_b",
            department=world.service,
            roles=[role(world.org, "客服专员")],
        )


def test_create_a_repair_with_parts_and_read_the_charges(world, api):
    fee = h.fee_list(world, labour_rate="80", call_out_fee="50")
    outlet = h.outlet(world, fee=fee)
    part = h.product(world, price="25.5")
    client = h.customer(world)
    response = api(world.agent).post(
        "/api/v1/repairs",
        {
            "customer": client.pk,
            "fault_description": "不制冷",
            "labour_hours": "2",
            "call_out": True,
            "parts": [{"product": part.pk, "quantity": "2"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outlet"] == outlet.pk and "广东省" in body["outlet_reason"]
    assert body["owner"] == world.agent.pk
    assert Decimal(body["labour_amount"]) == Decimal("160")
    assert Decimal(body["parts_amount"]) == Decimal("51")
    assert Decimal(body["total"]) == Decimal("261")
    assert body["parts"][0]["price_source"] == "product"


def test_patch_parts_replaces_them_and_a_stale_version_is_409(world, api):
    part = h.product(world, price="10")
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    client = api(world.agent)
    url = f"/api/v1/repairs/{made.pk}"
    response = client.patch(
        url,
        {"parts": [{"product": part.pk, "quantity": "3", "unit_price": "12"}], "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Decimal(response.json()["parts_amount"]) == Decimal("36")
    stale = client.patch(url, {"diagnosis": "x", "version": 1}, format="json")
    assert stale.status_code == 409
    with org_scope(world.org):
        assert Repair.objects.get(pk=made.pk).diagnosis == ""


def test_bad_parts_are_a_400_naming_the_line_and_nothing_changes(world, api):
    part = h.product(world)
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    response = api(world.agent).patch(
        f"/api/v1/repairs/{made.pk}",
        {"parts": [{"product": part.pk, "quantity": "0"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "第 1 行" in str(response.json()["fields"]["parts"])
    with org_scope(world.org):
        assert RepairPart.objects.get(repair=made).quantity == Decimal("1")


def test_create_without_customer_or_fault_is_a_400(world, api):
    response = api(world.agent).post("/api/v1/repairs", {}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["fields"]
    with org_scope(world.org):
        assert not Repair.objects.exists()


def test_transition_and_a_refused_one(world, api):
    made = h.repair(world)
    client = api(world.agent)
    url = f"/api/v1/repairs/{made.pk}/transition"
    ok = client.post(url, {"status": "diagnosing"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "diagnosing"
    refused = client.post(url, {"status": "returned"}, format="json")
    assert refused.status_code == 422
    assert refused.json()["code"] == "repair_bad_transition"
    with org_scope(world.org):
        assert Repair.objects.get(pk=made.pk).status == "diagnosing"


def test_entitlement_makes_it_free(world, api):
    fee = h.fee_list(world, labour_rate="100")
    h.outlet(world, fee=fee)
    made = h.repair(world, labour_hours="1")
    response = api(world.agent).post(
        f"/api/v1/repairs/{made.pk}/entitlement",
        {"chargeable": False, "entitlement_note": "保修期内"},
        format="json",
    )
    assert response.status_code == 200
    assert Decimal(response.json()["total"]) == 0
    assert Decimal(response.json()["value"]) == Decimal("100")


def test_packing_list_from_a_repair_over_the_api(world, api):
    part = h.product(world)
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "2"}])
    response = api(world.agent).post(f"/api/v1/repairs/{made.pk}/packing-list")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["repair"] == made.pk and len(body["lines"]) == 1
    shipped = api(world.agent).post(
        f"/api/v1/packing-lists/{body['id']}/transition", {"status": "packed"}, format="json"
    )
    assert shipped.status_code == 200 and shipped.json()["status"] == "packed"


def test_technicians_see_only_their_own_repairs(world, api):
    other_agent = _second_agent(world)
    mine = h.repair(world, actor=world.agent)
    theirs = h.repair(world, actor=other_agent)
    client = api(world.agent)
    ids = {item["id"] for item in client.get("/api/v1/repairs").json()["items"]}
    assert mine.pk in ids and theirs.pk not in ids
    assert client.get(f"/api/v1/repairs/{theirs.pk}").status_code == 404
    assert (
        client.patch(f"/api/v1/repairs/{theirs.pk}", {"diagnosis": "x"}, format="json").status_code
        == 404
    )
    with org_scope(world.org):
        assert Repair.objects.get(pk=theirs.pk).diagnosis == ""


def test_a_sales_rep_cannot_read_repairs_and_readonly_cannot_write(world, api):
    made = h.repair(world)
    assert api(world.rep_a).get("/api/v1/repairs").status_code == 403
    response = api(world.readonly).post(
        f"/api/v1/repairs/{made.pk}/transition", {"status": "diagnosing"}, format="json"
    )
    assert response.status_code == 403
    with org_scope(world.org):
        assert Repair.objects.get(pk=made.pk).status == "received"


def test_other_orgs_repair_is_404_and_unchanged(world, other_world, api):
    foreign = h.repair(other_world, actor=other_world.agent)
    client = api(world.admin)
    assert client.get(f"/api/v1/repairs/{foreign.pk}").status_code == 404
    assert (
        client.post(
            f"/api/v1/repairs/{foreign.pk}/transition", {"status": "diagnosing"}, format="json"
        ).status_code
        == 404
    )
    with all_orgs():
        assert Repair.objects.get(pk=foreign.pk).status == "received"


def test_fee_lists_need_service_setup(world, api):
    fee = h.fee_list(world)
    assert api(world.agent).get("/api/v1/fee-lists").status_code == 403
    assert api(world.agent).delete(f"/api/v1/fee-lists/{fee.pk}").status_code == 403
    listing = api(world.admin).get("/api/v1/fee-lists")
    assert listing.status_code == 200 and listing.json()["count"] == 1
    refused = api(world.admin).delete(f"/api/v1/fee-lists/{fee.pk}")
    assert refused.status_code == 422  # the default one
    with org_scope(world.org):
        assert FeeList.objects.filter(pk=fee.pk).exists()


def test_outlet_coverage_over_the_api(world, api):
    response = api(world.admin).post(
        "/api/v1/service-outlets",
        {"code": "SH", "name": "上海服务站", "coverage": ["上海", "上海市 浦东新区"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["coverage"] == ["上海市", "上海市 浦东新区"]
    bad = api(world.admin).post(
        "/api/v1/service-outlets",
        {"code": "XX", "name": "错误", "coverage": ["不存在的地方"]},
        format="json",
    )
    assert bad.status_code == 400 and "coverage" in bad.json()["fields"]
    dup = api(world.admin).post(
        "/api/v1/service-outlets", {"code": "SH", "name": "重复"}, format="json"
    )
    assert dup.status_code == 400 and "code" in dup.json()["fields"]


def test_list_and_detail_query_counts_do_not_grow(world, api, django_assert_max_num_queries):
    part = h.product(world)
    for _ in range(2):
        h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    client = api(world.agent)
    with django_assert_max_num_queries(14) as small:
        assert client.get("/api/v1/repairs").status_code == 200
    for _ in range(5):
        h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/repairs").json()["items"]) == 7
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/v1/repairs/{made.pk}").status_code == 200
    with org_scope(world.org):
        assert PackingList.objects.count() == 0


def test_create_takes_a_diagnosis_known_at_intake(world, api):
    client = h.customer(world)
    response = api(world.agent).post(
        "/api/v1/repairs",
        {"customer": client.pk, "fault_description": "不制冷", "diagnosis": "压缩机损坏"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["diagnosis"] == "压缩机损坏"
    with org_scope(world.org):
        assert Repair.objects.get(pk=response.json()["id"]).diagnosis == "压缩机损坏"
