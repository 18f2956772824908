"""``/api/v1/opportunities`` and ``/api/v1/pipelines``: the documented names, moves, refusals
(400/403/404/409/422) with nothing changed after them, lines, history."""

from decimal import Decimal

import pytest

from guanxi.catalog import services as catalog
from guanxi.core.tenancy import org_scope
from guanxi.sales.opportunities.models import Opportunity, StageChange
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity, stage_named

pytestmark = pytest.mark.django_db
URL = "/api/v1/opportunities"


def _product(world, name="工业网关", price="1000", tax="13"):
    with org_scope(world.org):
        return catalog.product_create(
            actor=world.admin, name=name, list_price=Decimal(price), tax_rate=Decimal(tax)
        )


def test_create_with_documented_names(world, api):
    customer = make_customer(world, world.rep_a)
    answer = api(world.rep_a).post(
        URL,
        {
            "customer": customer.pk,
            "name": "仓储系统升级",
            "amount": "150000",
            "expected_close_date": "2027-03-31",
            "competitors": [{"name": "用友", "notes": "老供应商"}],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    for key in ("stage", "probability", "amount", "expected_close_date", "status"):
        assert key in data
    assert data["status"] == "open" and data["probability"] == 10
    assert data["amount"] == "150000.00" and data["weighted_amount"] == "15000.00"
    assert data["competitors"] == [{"name": "用友", "notes": "老供应商"}]
    assert data["code"] and data["stage_name"] == "初步接洽"


def test_lines_make_the_amount(world, api):
    customer = make_customer(world, world.rep_a)
    gateway = _product(world)
    client = api(world.rep_a)
    answer = client.post(
        URL,
        {
            "customer": customer.pk,
            "name": "网关采购",
            "lines": [{"product": gateway.pk, "quantity": "3", "discount": "10"}],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["amount"] == "3051.00"  # 3 × 1000 less 10% = 2700, plus 13% tax
    assert len(data["lines"]) == 1 and data["lines"][0]["product_name"] == "工业网关"
    refused = client.patch(
        f"{URL}/{data['id']}", {"amount": "10", "version": data["version"]}, format="json"
    )
    assert refused.status_code == 400
    bad = client.post(
        URL,
        {
            "customer": customer.pk,
            "name": "x",
            "lines": [{"product": gateway.pk, "quantity": "-1"}],
        },
        format="json",
    )
    assert bad.status_code == 400 and "lines" in bad.json()["fields"]
    cleared = client.patch(
        f"{URL}/{data['id']}", {"lines": [], "amount": "500", "version": data["version"]},
        format="json",
    )  # fmt: skip
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["amount"] == "500.00" and cleared.json()["lines"] == []


def test_move_win_lose_reopen_and_history(world, api):
    opp = make_opportunity(world, world.rep_a, amount="10000")
    with org_scope(world.org):
        target = stage_named(opp.pipeline, "方案报价")
    client = api(world.rep_a)
    moved = client.post(f"{URL}/{opp.pk}/move", {"stage": target.pk, "version": 1}, format="json")
    assert moved.status_code == 200
    assert moved.json()["stage"] == target.pk and moved.json()["probability"] == 50
    stale = client.post(f"{URL}/{opp.pk}/move", {"stage": target.pk, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    no_reason = client.post(f"{URL}/{opp.pk}/lose", {"version": 2}, format="json")
    assert no_reason.status_code == 400
    lost = client.post(
        f"{URL}/{opp.pk}/lose", {"lost_reason": "competitor", "version": 2}, format="json"
    )
    assert lost.status_code == 200 and lost.json()["status"] == "lost"
    again = client.post(f"{URL}/{opp.pk}/lose", {"lost_reason": "price"}, format="json")
    assert again.status_code == 422 and again.json()["code"] == "already_lost"
    reopened = client.post(f"{URL}/{opp.pk}/reopen", {"version": 3}, format="json")
    assert reopened.json()["status"] == "open" and reopened.json()["stage"] == target.pk
    won = client.post(f"{URL}/{opp.pk}/win", {}, format="json")
    assert won.json()["status"] == "won" and won.json()["probability"] == 100
    history = client.get(f"{URL}/{opp.pk}/history").json()
    assert [h["to_status"] for h in history] == ["open", "open", "lost", "open", "won"]
    assert history[1]["from_stage_name"] == "初步接洽"
    assert history[1]["days_in_previous"] is not None


def test_patch_stage_moves_with_version(world, api):
    opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        lost = stage_named(opp.pipeline, "输单")
        target = stage_named(opp.pipeline, "需求确认")
    client = api(world.rep_a)
    refused = client.patch(f"{URL}/{opp.pk}", {"stage": lost.pk, "version": 1}, format="json")
    assert refused.status_code == 400
    answer = client.patch(
        f"{URL}/{opp.pk}", {"stage": target.pk, "name": "改名", "version": 1}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["name"] == "改名" and answer.json()["stage"] == target.pk
    assert answer.json()["version"] == 3  # the edit, then the move
    with org_scope(world.org):
        assert StageChange.objects.filter(opportunity=opp).count() == 2


def test_refusals_change_nothing(world, other_world, api):
    opp = make_opportunity(world, world.rep_b, amount="7000")
    with org_scope(world.org):
        target = stage_named(opp.pipeline, "方案报价")
    # another org: 404
    foreign = api(other_world.admin)
    assert foreign.get(f"{URL}/{opp.pk}").status_code == 404
    answer = foreign.post(f"{URL}/{opp.pk}/move", {"stage": target.pk}, format="json")
    assert answer.status_code == 404
    # another department's rep: 404
    assert (
        api(world.rep_a)
        .post(f"{URL}/{opp.pk}/move", {"stage": target.pk}, format="json")
        .status_code
        == 404
    )
    # read-only: 403
    readonly = api(world.readonly)
    assert readonly.post(f"{URL}/{opp.pk}/win", {}, format="json").status_code == 403
    assert readonly.patch(f"{URL}/{opp.pk}", {"amount": "1"}, format="json").status_code == 403
    # bad input: 400
    owner = api(world.rep_b)
    assert (
        owner.patch(
            f"{URL}/{opp.pk}", {"probability": 150, "version": 1}, format="json"
        ).status_code
        == 400
    )
    assert owner.post(f"{URL}/{opp.pk}/move", {"stage": "x"}, format="json").status_code == 400
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.stage.name == "初步接洽" and opp.amount == Decimal("7000")
        assert opp.version == 1 and opp.status == "open"
        assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_list_filters_and_query_count(world, api, django_assert_max_num_queries):
    customer = make_customer(world, world.rep_a)
    gateway = _product(world)
    for i in range(3):
        make_opportunity(
            world, world.rep_a, customer=customer, name=f"项目{i}",
            amount=None if i == 0 else str(1000 * (i + 1)),
            lines=[{"product": gateway.pk, "quantity": "1"}] if i == 0 else None,
        )  # fmt: skip
    client = api(world.rep_a)
    client.get(URL)
    with django_assert_max_num_queries(20) as first:
        assert client.get(URL).json()["count"] == 3
    for i in range(8):
        make_opportunity(world, world.rep_a, customer=customer, name=f"更多{i}", amount="10")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(URL).json()["count"] == 11
    # 项目0 is one gateway at 1000 + 13% tax = 1130; 项目1, 项目2 are 2000 and 3000
    assert client.get(URL, {"amount_min": "1500", "q": "项目"}).json()["count"] == 2
    assert client.get(URL, {"status": "won"}).json()["count"] == 0
    assert client.get(URL, {"amount_min": "abc"}).status_code == 400


def test_pipelines_read_and_edit(world, api):
    client = api(world.rep_a)
    listing = client.get("/api/v1/pipelines")
    assert listing.status_code == 200
    pipeline = listing.json()["items"][0]
    assert pipeline["is_default"] and len(pipeline["stages"]) == 6
    stages = pipeline["stages"]
    assert (
        client.patch(
            f"/api/v1/pipelines/{pipeline['id']}", {"name": "x"}, format="json"
        ).status_code
        == 403
    )
    admin = api(world.admin)
    stages[1]["probability"] = 35
    answer = admin.patch(f"/api/v1/pipelines/{pipeline['id']}", {"stages": stages}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["stages"][1]["probability"] == 35
    wrong = admin.patch(
        f"/api/v1/pipelines/{pipeline['id']}", {"stages": stages[:4]}, format="json"
    )
    assert wrong.status_code == 400
    refused = admin.delete(f"/api/v1/pipelines/{pipeline['id']}")
    assert refused.status_code == 422
    with org_scope(world.org):
        assert not Opportunity.objects.exists()
