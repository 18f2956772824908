"""``/api/v1/expenses``: create/read/update/delete, filters and totals, error shapes
(400/403/404/409/422) with nothing changed after a refusal, submit, reimburse, receipt
upload, bounded queries."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.expenses import services
from guanxi.sales.expenses.models import Expense, ExpenseReceipt
from guanxi.sales.expenses.tests import helpers as h

pytestmark = pytest.mark.django_db
URL = "/api/v1/expenses"


def _body(**fields):
    return {
        "category": "travel",
        "amount": "880.5",
        "incurred_on": h.yesterday().isoformat(),
        "description": "出差住宿",
        **fields,
    }


def test_create_read_update_delete(world, api):
    client_record = h.customer(world)
    deal = h.opportunity(world, client_record)
    rep = api(world.rep_a)
    created = rep.post(URL, _body(opportunity=deal.pk), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["customer"] == client_record.pk
    assert body["amount"] == "880.500000" and body["currency"] == "CNY"
    assert body["code"].startswith("FY-") and body["receipts"] == []
    pk = body["id"]
    changed = rep.patch(
        f"{URL}/{pk}", {"description": "改", "version": body["version"]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["description"] == "改"
    stale = rep.patch(
        f"{URL}/{pk}", {"description": "旧", "version": body["version"]}, format="json"
    )
    assert stale.status_code == 409
    assert rep.delete(f"{URL}/{pk}").status_code == 403  # reps may not delete
    assert api(world.manager).delete(f"{URL}/{pk}").status_code == 204
    assert rep.get(f"{URL}/{pk}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"incurred_on": "2999-01-01"}, "incurred_on"),
        ({"category": "fuel"}, "category"),
    ],
)
def test_bad_input_is_400_naming_the_field(world, api, fields, field):
    response = api(world.rep_a).post(URL, _body(**fields), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    with org_scope(world.org):
        assert not Expense.with_deleted.exists()


def test_opportunity_of_another_customer_and_foreign_ids(world, other_world, api):
    client_record = h.customer(world)
    deal = h.opportunity(world, h.customer(world, name="别家"))
    foreign = h.customer(other_world, name="外组织客户", owner=other_world.admin)
    rep = api(world.rep_a)
    mismatch = rep.post(URL, _body(customer=client_record.pk, opportunity=deal.pk), format="json")
    assert mismatch.status_code == 400 and "opportunity" in mismatch.json()["fields"]
    cross = rep.post(URL, _body(customer=foreign.pk), format="json")
    assert cross.status_code == 400 and "customer" in cross.json()["fields"]
    with org_scope(world.org):
        assert not Expense.with_deleted.exists()


def test_submit_approve_and_lock(world, api):
    h.flow(world)
    expense = h.expense(world)
    rep = api(world.rep_a)
    submitted = rep.post(f"{URL}/{expense.pk}/submit", {"comment": "请批"}, format="json")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["approval_status"] == "pending"
    refused = rep.patch(f"{URL}/{expense.pk}", {"description": "改"}, format="json")
    assert refused.status_code == 422
    assert h.refresh(world, expense).description == "拜访客户打车"


def test_reimburse_needs_approve(world, api):
    expense = h.expense(world)
    with org_scope(world.org):
        services.expense_submit(actor=world.rep_a, expense=expense)
    assert api(world.rep_a).post(f"{URL}/{expense.pk}/reimburse", {}).status_code == 403
    done = api(world.manager).post(f"{URL}/{expense.pk}/reimburse", {}, format="json")
    assert done.status_code == 200 and done.json()["reimbursed"] is True
    draft = h.expense(world)
    refused = api(world.manager).post(f"{URL}/{draft.pk}/reimburse", {}, format="json")
    assert refused.status_code == 422


def test_receipt_upload(world, api):
    expense = h.expense(world)
    rep = api(world.rep_a)
    response = rep.post(
        f"{URL}/{expense.pk}/receipts", {"file": h.receipt("票.png")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()[0]["original_name"] == "票.png"
    bad = rep.post(
        f"{URL}/{expense.pk}/receipts",
        {"file": h.receipt("x.exe", b"MZ", "application/octet-stream")},
        format="multipart",
    )
    assert bad.status_code == 400 and "file" in bad.json()["fields"]
    with org_scope(world.org):
        assert ExpenseReceipt.objects.filter(expense=expense).count() == 1
    detail = rep.get(f"{URL}/{expense.pk}").json()
    assert [r["original_name"] for r in detail["receipts"]] == ["票.png"]


def test_list_filters_scope_and_queries(world, api, django_assert_max_num_queries):
    client_record = h.customer(world)
    h.expense(world, category="travel", customer=client_record)
    h.expense(world, category="gift")
    h.expense(world, actor=world.rep_b)
    rep = api(world.rep_a)
    assert rep.get(URL).json()["count"] == 2
    assert api(world.manager).get(URL).json()["count"] == 3
    travel = rep.get(URL, {"category": "travel"}).json()
    assert [row["category"] for row in travel["items"]] == ["travel"]
    assert rep.get(URL, {"customer": client_record.pk}).json()["count"] == 1
    assert rep.get(URL, {"customer": "abc"}).status_code == 400
    manager = api(world.manager)
    with django_assert_max_num_queries(20) as few:
        manager.get(URL)
    for _ in range(5):
        h.expense(world, customer=client_record)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert manager.get(URL).json()["count"] == 8


def test_missing_fields_are_400_naming_them(world, api):
    response = api(world.rep_a).post(URL, {}, format="json")
    assert response.status_code == 400
    assert {"category", "amount", "incurred_on", "description"} <= set(response.json()["fields"])
