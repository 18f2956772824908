"""Orders: the credit check at confirmation (three reasons × refuse/approval), one
confirmation only, lifecycle events, receivables, cancelling, delivery."""

import datetime
from decimal import Decimal

import pytest

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer, LifecycleChange
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders import services
from guanxi.sales.orders.models import Order
from guanxi.sales.orders.tests.helpers import order, owes
from guanxi.sales.receivables.models import Receivable
from guanxi.workspace.approvals import services as approvals

pytestmark = pytest.mark.django_db


ORDER_REASONS = ("first_order", "repeat_order")


def _reload(world, record):
    with org_scope(world.org):
        return type(record).objects.get(pk=record.pk)


def _receivables(world, record, source_type="order"):
    with org_scope(world.org):
        return list(Receivable.objects.filter(source_type=source_type, source_id=record.pk))


def _over_limit(world):
    """A customer with a credit limit of 5,000 who already owes 4,500."""
    client = h.customer(world, credit_limit=Decimal("5000"))
    owes(world, client, "4500")
    return client


def _overdue(world):
    """A customer owing 800 for 45 days (tolerance: 30 days, 500)."""
    h.settings(world, credit_overdue_days=30, credit_overdue_amount=Decimal("500"))
    client = h.customer(world)
    owes(world, client, "800", days_ago=45)
    return client


def _stopped(world):
    return h.customer(world, credit_rating="stop")


CASES = [
    (_over_limit, "credit_limit_exceeded", ["4,500.00", "1,000.00", "5,500.00", "5,000.00"]),
    (_overdue, "credit_overdue", ["30", "800.00", "500.00"]),
    (_stopped, "credit_stopped", ["停止交易"]),
]


def test_a_passing_order_is_confirmed_with_a_receivable_and_the_first_order_event(world, api):
    draft = order(world, payment_due_date="2027-02-15", order_date="2026-11-15")
    response = api(world.rep_a).post(f"/api/v1/orders/{draft.pk}/confirm")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    [receivable] = _receivables(world, draft)
    assert receivable.amount == Decimal("1000.00")
    assert receivable.due_date == datetime.date(2027, 2, 15)
    assert receivable.source_code == draft.code
    client = _reload(world, draft.customer)
    assert client.lifecycle_stage == Customer.Lifecycle.NEW
    assert client.last_order_on == datetime.date(2026, 11, 15)


def test_a_second_order_is_a_repeat_order(world):
    first = order(world)
    with org_scope(world.org):
        services.order_confirm(actor=world.rep_a, order=first)
    second = order(world, client=first.customer, order_date="2026-12-01")
    with org_scope(world.org):
        services.order_confirm(actor=world.rep_a, order=second)
        reasons = list(
            LifecycleChange.objects.filter(customer=first.customer, reason__in=ORDER_REASONS)
            .order_by("id")
            .values_list("reason", flat=True)
        )
    assert reasons == ["first_order", "repeat_order"]
    assert _reload(world, first.customer).lifecycle_stage == Customer.Lifecycle.REPEAT


@pytest.mark.parametrize(("build", "code", "figures"), CASES, ids=[c[1] for c in CASES])
def test_refuse_mode_answers_422_with_the_code_and_the_figures(world, api, build, code, figures):
    h.settings(world, credit_check_mode="refuse")
    client = build(world)
    draft = order(world, client=client)
    response = api(world.rep_a).post(f"/api/v1/orders/{draft.pk}/confirm")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    for figure in figures:
        assert figure in body["detail"]
    assert _reload(world, draft).status == Order.Status.DRAFT
    assert _receivables(world, draft) == []
    assert _reload(world, client).lifecycle_stage != Customer.Lifecycle.NEW


@pytest.mark.parametrize(("build", "code", "figures"), CASES[:2], ids=[c[1] for c in CASES[:2]])
def test_approval_mode_sends_the_order_to_approval_and_confirms_it_when_approved(
    world, api, build, code, figures
):
    h.settings(world, credit_check_mode="approval")
    h.flow(world, "order")
    client = build(world)
    draft = order(world, client=client)
    response = api(world.rep_a).post(f"/api/v1/orders/{draft.pk}/confirm")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["credit_check"]["code"] == code
    for figure in figures:
        assert figure in body["credit_reason"]
    assert _receivables(world, draft) == []
    request = h.pending_request(world, _reload(world, draft))
    assert request.values["over_credit"] == "yes"
    with org_scope(world.org):
        approvals.approve(actor=world.manager, request=request)
    confirmed = _reload(world, draft)
    assert confirmed.status == Order.Status.CONFIRMED
    assert len(_receivables(world, draft)) == 1
    assert _reload(world, client).lifecycle_stage == Customer.Lifecycle.NEW


def test_a_stop_rating_is_refused_even_in_approval_mode(world, api):
    h.settings(world, credit_check_mode="approval")
    h.flow(world, "order")
    draft = order(world, client=_stopped(world))
    response = api(world.rep_a).post(f"/api/v1/orders/{draft.pk}/confirm")
    assert response.status_code == 422
    assert response.json()["code"] == "credit_stopped"
    assert _reload(world, draft).status == Order.Status.DRAFT


def test_approval_mode_without_a_flow_refuses_rather_than_confirming(world, api):
    h.settings(world, credit_check_mode="approval")
    draft = order(world, client=_over_limit(world))
    response = api(world.rep_a).post(f"/api/v1/orders/{draft.pk}/confirm")
    assert response.status_code == 422
    assert response.json()["code"] == "credit_limit_exceeded"
    assert "审批流程" in response.json()["detail"]
    assert _reload(world, draft).status == Order.Status.DRAFT


def test_a_rejected_credit_approval_leaves_a_draft_with_the_reason(world):
    h.flow(world, "order")
    draft = order(world, client=_over_limit(world))
    with org_scope(world.org):
        services.order_confirm(actor=world.rep_a, order=draft)
        request = approvals.latest_request(draft)
        approvals.reject(actor=world.manager, request=request, comment="先回款")
    rejected = _reload(world, draft)
    assert rejected.status == Order.Status.DRAFT
    assert rejected.credit_check["code"] == "credit_limit_exceeded"
    assert _receivables(world, draft) == []


def test_within_the_limit_passes(world):
    client = h.customer(world, credit_limit=Decimal("5000"))
    owes(world, client, "4000")
    draft = order(world, client=client)  # 4,000 + 1,000 = 5,000: not over
    with org_scope(world.org):
        assert services.order_confirm(actor=world.rep_a, order=draft).status == "confirmed"


def test_a_second_confirmation_is_refused_and_nothing_is_doubled(world, api):
    """Two confirmations of one order: the service locks the row and checks the status
    under the lock, so whichever comes second finds it confirmed. (The threaded version
    needs PostgreSQL; here the second call sees exactly what it would after the wait.)"""
    draft = order(world)
    client = api(world.rep_a)
    assert client.post(f"/api/v1/orders/{draft.pk}/confirm").status_code == 200
    second = client.post(f"/api/v1/orders/{draft.pk}/confirm")
    assert second.status_code == 422
    assert second.json()["code"] == "order_already_confirmed"
    assert len(_receivables(world, draft)) == 1
    with org_scope(world.org):
        changes = LifecycleChange.objects.filter(customer=draft.customer, reason__in=ORDER_REASONS)
        assert changes.count() == 1


def test_the_status_is_checked_on_the_locked_row_not_the_callers_copy(world):
    """A caller holding a stale in-memory draft (read before another confirmation
    committed) is still refused: the service re-reads the row under its lock."""
    draft = order(world)
    stale_copy = _reload(world, draft)
    with org_scope(world.org):
        services.order_confirm(actor=world.rep_a, order=draft)
        assert stale_copy.status == Order.Status.DRAFT
        with pytest.raises(BusinessRuleError) as caught:
            services.order_confirm(actor=world.rep_a, order=stale_copy)
    assert caught.value.code == "order_already_confirmed"
    assert len(_receivables(world, draft)) == 1


def test_an_order_from_a_contract_copies_lines_and_makes_no_receivable(world, api):
    contract = h.contract(world, quantity="2", price="500")
    with org_scope(world.org):
        contract_services.contract_submit(actor=world.rep_a, contract=contract)
    response = api(world.rep_a).post("/api/v1/orders", {"contract": contract.pk}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["customer"] == contract.customer_id
    assert data["total"] == "1000.00"
    assert data["lines"][0]["quantity"] == "2"
    confirmed = api(world.rep_a).post(f"/api/v1/orders/{data['id']}/confirm")
    assert confirmed.status_code == 200
    with org_scope(world.org):
        assert not Receivable.objects.filter(source_type="order", source_id=data["id"]).exists()
        assert Receivable.objects.filter(source_type="contract", source_id=contract.pk).count() == 1


def test_an_order_needs_an_effective_contract(world, api):
    contract = h.contract(world)
    response = api(world.rep_a).post("/api/v1/orders", {"contract": contract.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "contract_not_effective"


def test_cancelling_a_confirmed_order_cancels_its_receivable(world, api):
    draft = order(world)
    client = api(world.rep_a)
    client.post(f"/api/v1/orders/{draft.pk}/confirm")
    response = client.post(f"/api/v1/orders/{draft.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    [receivable] = _receivables(world, draft)
    assert receivable.status == Receivable.Status.CANCELLED


def test_cancelling_is_refused_once_money_was_received(world, api):
    from guanxi.sales.receivables import services as receivables

    draft = order(world)
    client = api(world.rep_a)
    client.post(f"/api/v1/orders/{draft.pk}/confirm")
    [receivable] = _receivables(world, draft)
    with org_scope(world.org):
        receivables.payment_create(
            actor=world.admin,
            customer=draft.customer,
            amount="300",
            received_at="2026-12-01",
            allocations=[{"receivable": receivable.pk, "amount": "300"}],
        )
    response = client.post(f"/api/v1/orders/{draft.pk}/cancel")
    assert response.status_code == 422
    assert response.json()["code"] == "receivable_paid"
    assert _reload(world, draft).status == Order.Status.CONFIRMED


def test_a_confirmed_order_cannot_be_edited(world, api):
    draft = order(world)
    client = api(world.rep_a)
    client.post(f"/api/v1/orders/{draft.pk}/confirm")
    response = client.patch(f"/api/v1/orders/{draft.pk}", {"title": "改"}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "order_not_editable"


def test_delivery_status_and_dates(world, api):
    draft = order(world)
    client = api(world.rep_a)
    refused = client.post(
        f"/api/v1/orders/{draft.pk}/delivery", {"delivery_status": "shipped"}, format="json"
    )
    assert refused.status_code == 422
    client.post(f"/api/v1/orders/{draft.pk}/confirm")
    response = client.post(
        f"/api/v1/orders/{draft.pk}/delivery",
        {"delivery_status": "delivered", "shipped_on": "2026-12-01", "delivered_on": "2026-12-03"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["delivery_status"] == "delivered"
    assert response.json()["shipped_on"] == "2026-12-01"
    backwards = client.post(
        f"/api/v1/orders/{draft.pk}/delivery",
        {"delivery_status": "delivered", "shipped_on": "2026-12-05", "delivered_on": "2026-12-03"},
        format="json",
    )
    assert backwards.status_code == 400


def test_direct_order_needs_lines_and_a_customer(world, api):
    response = api(world.rep_a).post("/api/v1/orders", {"lines": []}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) & {"customer", "lines"}


def test_isolation_and_permissions(world, api):
    draft = order(world, actor=world.rep_b)
    assert api(world.rep_a).get(f"/api/v1/orders/{draft.pk}").status_code == 404
    assert api(world.rep_a).post(f"/api/v1/orders/{draft.pk}/confirm").status_code == 404
    assert api(world.readonly).post(f"/api/v1/orders/{draft.pk}/confirm").status_code == 403
    assert _reload(world, draft).status == Order.Status.DRAFT


def test_list_and_detail_query_counts_do_not_grow(world, api, django_assert_max_num_queries):
    for _ in range(2):
        order(world)
    client = api(world.rep_a)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/orders").json()["items"]) == 2
    for _ in range(4):
        order(world)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/orders").json()["items"]) == 6
    draft = order(world)
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/v1/orders/{draft.pk}").status_code == 200
