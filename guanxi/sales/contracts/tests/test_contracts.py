"""Contracts: lines and totals, the payment plan rule, approval, the lock once effective,
and the receivables made when a contract becomes effective."""

from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.contracts import services
from guanxi.sales.contracts.models import Contract, Instalment
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.receivables.models import Receivable
from guanxi.workspace.approvals import services as approvals

pytestmark = pytest.mark.django_db


def _receivables(world, contract):
    with org_scope(world.org):
        return list(
            Receivable.objects.filter(source_type="contract", source_id=contract.pk).order_by(
                "due_date"
            )
        )


def test_create_through_the_api_computes_totals_and_keeps_the_plan(world, api):
    client = h.customer(world)
    item = h.product(world)
    response = api(world.rep_a).post(
        "/api/v1/contracts",
        {
            "title": "2027 年度框架合同",
            "customer": client.pk,
            "lines": [
                {
                    "product": item.pk,
                    "quantity": "3",
                    "unit_price": "333.33",
                    "discount": "10",
                    "tax_rate": "13",
                },
            ],
            "payment_plan": [
                {"amount": "600.00", "due_date": "2027-01-31"},
                {"amount": "416.99", "due_date": "2027-03-31"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    # 3 × 333.33 = 999.99, less 10% = 899.991 → 899.99; tax 13% = 116.9987 → 117.00
    assert data["amount"] == "899.99"
    assert data["tax"] == "117.00"
    assert data["total"] == "1016.99"
    assert data["code"]
    assert data["status"] == "draft"
    assert data["lines"][0]["total"] == "1016.99"
    assert data["payment_plan"] == [
        {"amount": "600.00", "due_date": "2027-01-31"},
        {"amount": "416.99", "due_date": "2027-03-31"},
    ]


def test_a_plan_not_summing_to_the_total_is_refused_and_nothing_is_created(world, api):
    client = h.customer(world)
    item = h.product(world)
    with org_scope(world.org):
        before = Contract.objects.count()
    response = api(world.rep_a).post(
        "/api/v1/contracts",
        {
            "title": "分期不符",
            "customer": client.pk,
            "lines": [{"product": item.pk, "quantity": "1", "unit_price": "1000", "tax_rate": "0"}],
            "payment_plan": [
                {"amount": "500", "due_date": "2027-01-31"},
                {"amount": "400", "due_date": "2027-02-28"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "900.00" in body["fields"]["payment_plan"][0]
    assert "1,000.00" in body["fields"]["payment_plan"][0]
    with org_scope(world.org):
        assert Contract.objects.count() == before


def test_negative_quantity_and_discount_over_100_are_refused(world, api):
    client = h.customer(world)
    item = h.product(world)
    response = api(world.rep_a).post(
        "/api/v1/contracts",
        {
            "title": "坏明细",
            "customer": client.pk,
            "lines": [{"product": item.pk, "quantity": "-1", "discount": "120"}],
        },
        format="json",
    )
    assert response.status_code == 400
    messages = " ".join(response.json()["fields"]["lines"])
    assert "数量" in messages and "折扣" in messages


def test_submit_without_a_flow_makes_it_effective_with_one_receivable_per_instalment(world):
    contract = h.contract(
        world,
        quantity="3",
        price="100",
        plan=[
            {"amount": "100", "due_date": "2027-01-31"},
            {"amount": "200", "due_date": "2027-04-30"},
        ],
    )
    with org_scope(world.org):
        assert services.contract_submit(actor=world.rep_a, contract=contract) is None
        contract.refresh_from_db()
    assert contract.status == Contract.Status.EFFECTIVE
    rows = _receivables(world, contract)
    assert [(r.amount, r.due_date.isoformat()) for r in rows] == [
        (Decimal("100.00"), "2027-01-31"),
        (Decimal("200.00"), "2027-04-30"),
    ]
    assert {r.source_code for r in rows} == {contract.code}


def test_approval_flow_pending_then_approved_makes_receivables(world):
    h.flow(world, "contract")
    contract = h.contract(world)
    with org_scope(world.org):
        request = services.contract_submit(actor=world.rep_a, contract=contract)
        contract.refresh_from_db()
        assert contract.status == Contract.Status.PENDING
        assert request.values["total"] == "1000.000000"
        assert _receivables(world, contract) == []
        approvals.approve(actor=world.manager, request=request)
        contract.refresh_from_db()
    assert contract.status == Contract.Status.EFFECTIVE
    assert len(_receivables(world, contract)) == 1


def test_rejected_contract_is_edited_back_to_draft_and_submitted_again(world):
    h.flow(world, "contract")
    contract = h.contract(world)
    with org_scope(world.org):
        request = services.contract_submit(actor=world.rep_a, contract=contract)
        approvals.reject(actor=world.manager, request=request, comment="价格太低")
        contract.refresh_from_db()
        assert contract.status == Contract.Status.REJECTED
        contract = services.contract_update(
            actor=world.rep_a, contract=contract, terms="付款方式：银行转账"
        )
        assert contract.status == Contract.Status.DRAFT
        second = services.contract_submit(actor=world.rep_a, contract=contract)
        assert second.round == 2


def test_editing_an_effective_contract_is_refused_and_nothing_changes(world, api):
    contract = h.contract(world)
    with org_scope(world.org):
        services.contract_submit(actor=world.rep_a, contract=contract)
        contract.refresh_from_db()
    response = api(world.rep_a).patch(
        f"/api/v1/contracts/{contract.pk}", {"title": "改名"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "contract_not_editable"
    assert "已生效" in response.json()["detail"]
    with org_scope(world.org):
        contract.refresh_from_db()
    assert contract.title == "年度采购合同"


def test_editing_a_contract_under_approval_is_refused(world, api):
    h.flow(world, "contract")
    contract = h.contract(world)
    with org_scope(world.org):
        services.contract_submit(actor=world.rep_a, contract=contract)
    response = api(world.rep_a).patch(
        f"/api/v1/contracts/{contract.pk}", {"title": "改名"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "approval_pending"


def test_a_stale_version_is_a_409(world, api):
    contract = h.contract(world)
    client = api(world.rep_a)
    first = client.patch(
        f"/api/v1/contracts/{contract.pk}", {"terms": "第一版", "version": 1}, format="json"
    )
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/contracts/{contract.pk}", {"terms": "第二版", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"


def test_changing_lines_without_a_matching_plan_is_refused(world, api):
    contract = h.contract(world)
    item = h.product(world, name="传感器")
    client = api(world.rep_a)
    url = f"/api/v1/contracts/{contract.pk}"
    refused = client.patch(url, {"lines": [h.line(item, "2", "1000")]}, format="json")
    assert refused.status_code == 400
    assert "payment_plan" in refused.json()["fields"]
    with org_scope(world.org):
        contract.refresh_from_db()
        assert contract.total == Decimal("1000")
    accepted = client.patch(
        url,
        {
            "lines": [h.line(item, "2", "1000")],
            "payment_plan": [{"amount": "2000", "due_date": "2027-06-30"}],
        },
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["total"] == "2000.00"
    assert accepted.json()["payment_plan"] == [{"amount": "2000.00", "due_date": "2027-06-30"}]


def test_submit_needs_a_plan(world, api):
    contract = h.contract(world, plan=[])
    response = api(world.rep_a).post(f"/api/v1/contracts/{contract.pk}/submit", {}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "payment_plan_missing"
    with org_scope(world.org):
        assert Contract.objects.get(pk=contract.pk).status == Contract.Status.DRAFT


def test_split_plan_helper_rounds_onto_the_last_instalment(world, api):
    response = api(world.rep_a).post(
        "/api/v1/contracts/split-plan",
        {"total": "1000", "count": 3, "first_due_date": "2027-01-31"},
        format="json",
    )
    assert response.status_code == 200
    assert [row["amount"] for row in response.json()] == ["333.33", "333.33", "333.34"]


def test_contract_decimals_of_the_org_apply(world, api):
    h.settings(world, contract_decimals=0)
    client = h.customer(world)
    item = h.product(world)
    response = api(world.rep_a).post(
        "/api/v1/contracts",
        {
            "title": "整数合同",
            "customer": client.pk,
            "lines": [{"product": item.pk, "quantity": "1", "unit_price": "99.5", "tax_rate": "0"}],
            "payment_plan": [{"amount": "99.5", "due_date": "2027-01-31"}],
        },
        format="json",
    )
    assert response.status_code == 400  # 99.5 has more places than the contract's 0
    response = api(world.rep_a).post(
        "/api/v1/contracts",
        {
            "title": "整数合同",
            "customer": client.pk,
            "lines": [{"product": item.pk, "quantity": "1", "unit_price": "99.5", "tax_rate": "0"}],
            "payment_plan": [{"amount": "100", "due_date": "2027-01-31"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "100"


def test_complete_and_terminate_only_effective(world, api):
    contract = h.contract(world)
    client = api(world.rep_a)
    refused = client.post(f"/api/v1/contracts/{contract.pk}/complete")
    assert refused.status_code == 422
    assert refused.json()["code"] == "contract_not_effective"
    client.post(f"/api/v1/contracts/{contract.pk}/submit", {}, format="json")
    done = client.post(f"/api/v1/contracts/{contract.pk}/complete")
    assert done.status_code == 200
    assert done.json()["status"] == "completed"


def test_delete_is_for_drafts_and_soft(world, api):
    contract = h.contract(world)
    response = api(world.admin).delete(f"/api/v1/contracts/{contract.pk}")
    assert response.status_code == 204
    with org_scope(world.org):
        assert not Contract.objects.filter(pk=contract.pk).exists()
        assert Contract.with_deleted.filter(pk=contract.pk).exists()
        assert Instalment.objects.filter(contract_id=contract.pk).count() == 1


def test_rep_cannot_see_a_colleagues_contract_and_readonly_cannot_write(world, api):
    contract = h.contract(world, actor=world.rep_b)
    assert api(world.rep_a).get(f"/api/v1/contracts/{contract.pk}").status_code == 404
    assert api(world.manager).get(f"/api/v1/contracts/{contract.pk}").status_code == 200
    refused = api(world.readonly).post(f"/api/v1/contracts/{contract.pk}/submit", {}, format="json")
    assert refused.status_code == 403
    with org_scope(world.org):
        assert Contract.objects.get(pk=contract.pk).status == Contract.Status.DRAFT


def test_list_and_detail_query_counts_do_not_grow(world, api, django_assert_max_num_queries):
    for _ in range(3):
        h.contract(world)
    client = api(world.rep_a)
    with django_assert_max_num_queries(14):
        listing = client.get("/api/v1/contracts")
    assert listing.status_code == 200
    assert len(listing.json()["items"]) == 3
    for _ in range(5):
        h.contract(world)
    with django_assert_max_num_queries(14):
        assert len(client.get("/api/v1/contracts").json()["items"]) == 8
    contract = h.contract(world)
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/v1/contracts/{contract.pk}").status_code == 200
