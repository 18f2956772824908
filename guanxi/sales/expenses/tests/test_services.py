"""Expense services and selectors: validation, approval round trip and locking, data
scope, reimbursement, receipts, merge and the profitability totals."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers import extensions
from guanxi.sales.expenses import selectors, services
from guanxi.sales.expenses.models import Expense, ExpenseReceipt
from guanxi.sales.expenses.tests import helpers as h
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalRequest

pytestmark = pytest.mark.django_db


def _errors(exc_info):
    return exc_info.value.message_dict


def test_create_rounds_codes_and_links_customer_from_opportunity(world):
    """A new expense is a draft of the actor with a code from the ``expense`` rule, the
    amount at the org's places, the org currency, and the opportunity's customer."""
    client = h.customer(world)
    deal = h.opportunity(world, client)
    expense = h.expense(world, amount="88.456", opportunity=deal, receipts=[h.receipt()])
    assert expense.status == Expense.Status.DRAFT
    assert expense.code.startswith("FY-")
    assert expense.amount == Decimal("88.46")
    assert expense.currency == "CNY"
    assert expense.customer_id == client.pk
    assert expense.owner_id == world.rep_a.pk
    assert expense.owner_department_id == world.east.pk
    with org_scope(world.org):
        stored = ExpenseReceipt.objects.get(expense=expense)
    assert stored.original_name == "发票.png"
    assert stored.content_type == "image/png"
    assert stored.file.read() == h.PNG


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "0", "金额必须大于零。"),
        ("amount", "-5", "金额必须大于零。"),
        ("amount", "0.001", "金额必须大于零。"),
        ("amount", "abc", "金额必须是数字。"),
        ("amount", "NaN", "金额必须是数字。"),
        ("amount", "1e20", "金额过大。"),
        ("category", "fuel", "请选择费用类别。"),
        ("description", "  ", "请填写事由。"),
        ("currency", "人民币", "币种应为三位字母代码，如 CNY。"),
        ("incurred_on", "2026-13-01", "请输入有效的日期（如 2026-12-31）。"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(world, field, value, message):
    fields = {field: value}
    with pytest.raises(ValidationError) as caught:
        h.expense(world, **fields)
    assert _errors(caught)[field] == [message]
    with org_scope(world.org):
        assert not Expense.with_deleted.exists()


def test_future_date_is_refused(world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        h.expense(world, incurred_on=tomorrow)
    assert _errors(caught) == {"incurred_on": ["发生日期不能晚于今天。"]}
    assert h.expense(world, incurred_on=timezone.localdate()).pk  # today is fine


def test_opportunity_of_another_customer_is_refused(world):
    client = h.customer(world)
    other = h.customer(world, name="别家公司")
    deal = h.opportunity(world, other)
    with pytest.raises(ValidationError) as caught:
        h.expense(world, customer=client, opportunity=deal)
    assert _errors(caught) == {"opportunity": ["商机不属于该客户。"]}


def test_customer_out_of_scope_or_of_another_org_is_refused(world, other_world):
    """A customer the rep may not see, or another org's, "does not exist"; the same for
    an opportunity; and no receipt file stays behind."""
    theirs = h.customer(world, name="李四的客户", owner=world.rep_b)
    foreign = h.customer(other_world, name="外部公司", owner=other_world.admin)
    foreign_deal = h.opportunity(other_world, foreign)
    for fields, field in (
        ({"customer": theirs}, "customer"),
        ({"customer": foreign}, "customer"),
        ({"opportunity": foreign_deal}, "opportunity"),
    ):
        with pytest.raises(ValidationError) as caught:
            h.expense(world, receipts=[h.receipt()], **fields)
        assert field in _errors(caught)
    with org_scope(world.org):
        assert not Expense.with_deleted.exists()
        assert not ExpenseReceipt.objects.exists()


def test_receipt_limits(world):
    with pytest.raises(ValidationError) as caught:
        h.expense(world, receipts=[h.receipt("a.exe", b"MZ", "application/octet-stream")])
    assert "不是票据文件" in _errors(caught)["file"][0]
    with pytest.raises(ValidationError) as caught:
        h.expense(world, receipts=[h.receipt("empty.pdf", b"")])
    assert "是空的" in _errors(caught)["file"][0]
    with pytest.raises(ValidationError) as caught:
        h.expense(world, receipts=[h.receipt(f"{n}.png") for n in range(11)])
    assert _errors(caught)["file"] == ["每笔费用最多 10 张票据。"]


def test_recording_for_someone_else_needs_transfer(world):
    with pytest.raises(PermissionDenied):
        h.expense(world, actor=world.rep_a, owner=world.rep_b)
    made = h.expense(world, actor=world.manager, owner=world.rep_b)
    assert made.owner_department_id == world.north.pk


def test_approval_round_trip_and_locking(world):
    """Submitted: locked by the engine; rejected: editable, editing makes it a draft;
    submitted again and approved: locked for good (no edit, no delete, no receipt)."""
    h.flow(world)
    expense = h.expense(world)
    with org_scope(world.org):
        request = services.expense_submit(actor=world.rep_a, expense=expense)
        assert request.status == ApprovalRequest.Status.PENDING
        assert h.refresh(world, expense).status == Expense.Status.SUBMITTED
        with pytest.raises(BusinessRuleError):
            services.expense_update(actor=world.rep_a, expense=expense, description="改")
        approvals.reject(actor=world.manager, request=request, comment="缺发票")
        expense = h.refresh(world, expense)
        assert expense.status == Expense.Status.REJECTED
        expense = services.expense_update(
            actor=world.rep_a, expense=expense, version=expense.version, amount="99"
        )
        assert expense.status == Expense.Status.DRAFT
        assert expense.amount == Decimal("99.00")
        services.receipt_add(actor=world.rep_a, expense=expense, uploads=[h.receipt()])
        request = services.expense_submit(actor=world.rep_a, expense=expense)
        approvals.approve(actor=world.manager, request=request)
        expense = h.refresh(world, expense)
        assert expense.status == Expense.Status.APPROVED
        assert expense.decided_at is not None
        for attempt in (
            lambda: services.expense_update(actor=world.manager, expense=expense, amount="1"),
            lambda: services.expense_delete(actor=world.manager, expense=expense),
            lambda: services.receipt_add(actor=world.rep_a, expense=expense, uploads=[h.receipt()]),
            lambda: services.receipt_delete(
                actor=world.rep_a, receipt=ExpenseReceipt.objects.get(expense=expense)
            ),
            lambda: services.expense_submit(actor=world.rep_a, expense=expense),
        ):
            with pytest.raises(BusinessRuleError):
                attempt()
        assert h.refresh(world, expense).amount == Decimal("99.00")


def test_submit_without_a_flow_approves_at_once(world):
    expense = h.expense(world)
    with org_scope(world.org):
        assert services.expense_submit(actor=world.rep_a, expense=expense) is None
    assert h.refresh(world, expense).status == Expense.Status.APPROVED


def test_flow_conditions_see_amount_and_category(world):
    """Only entertainment over 500 goes to approval; the rest is approved at once."""
    h.flow(
        world,
        conditions=[
            {"variable": "amount", "op": ">", "value": "500"},
            {"variable": "category", "op": "=", "value": "entertainment"},
        ],
    )
    small = h.expense(world, category="entertainment", amount="300")
    big = h.expense(world, category="entertainment", amount="1500")
    taxi = h.expense(world, category="transport", amount="1500")
    with org_scope(world.org):
        for expense in (small, big, taxi):
            services.expense_submit(actor=world.rep_a, expense=expense)
    assert h.refresh(world, small).status == Expense.Status.APPROVED
    assert h.refresh(world, big).status == Expense.Status.SUBMITTED
    assert h.refresh(world, taxi).status == Expense.Status.APPROVED


def test_withdraw_goes_back_to_draft(world):
    h.flow(world)
    expense = h.expense(world)
    with org_scope(world.org):
        request = services.expense_submit(actor=world.rep_a, expense=expense)
        approvals.withdraw(actor=world.rep_a, request=request)
    assert h.refresh(world, expense).status == Expense.Status.DRAFT


def test_stale_version_is_refused(world):
    expense = h.expense(world)
    with org_scope(world.org):
        services.expense_update(actor=world.rep_a, expense=expense, description="第一次")
        with pytest.raises(StaleVersion):
            services.expense_update(
                actor=world.rep_a, expense=expense, version=expense.version, description="旧"
            )
    assert h.refresh(world, expense).description == "第一次"


def test_reimburse_needs_approve_and_an_approved_expense(world):
    expense = h.expense(world)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.expense_reimburse(actor=world.manager, expense=expense)
        services.expense_submit(actor=world.rep_a, expense=expense)
        with pytest.raises(PermissionDenied):
            services.expense_reimburse(actor=world.rep_a, expense=expense)
        done = services.expense_reimburse(actor=world.manager, expense=expense)
        assert done.reimbursed and done.reimbursed_by_id == world.manager.pk
        undone = services.expense_reimburse(actor=world.manager, expense=expense, reimbursed=False)
        assert not undone.reimbursed


def test_delete_is_soft_and_needs_delete(world):
    expense = h.expense(world)
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):  # reps may not delete
            services.expense_delete(actor=world.rep_a, expense=expense)
        services.expense_delete(actor=world.manager, expense=expense)
        assert not Expense.objects.filter(pk=expense.pk).exists()
    assert h.refresh(world, expense).deleted_at is not None


def test_data_scope(world):
    """A rep sees their own expenses, the manager their department tree, another
    rep's expense is a 404."""
    mine = h.expense(world, actor=world.rep_a)
    theirs = h.expense(world, actor=world.rep_b)
    with org_scope(world.org):
        seen_by_a = set(
            selectors.expense_queryset(employee=world.rep_a).values_list("pk", flat=True)
        )
        seen_by_boss = set(
            selectors.expense_queryset(employee=world.manager).values_list("pk", flat=True)
        )
        assert seen_by_a == {mine.pk}
        assert seen_by_boss == {mine.pk, theirs.pk}
        with pytest.raises(Http404):
            selectors.access_expense(world.rep_a, theirs.pk)
        with pytest.raises(Http404):
            services.expense_update(actor=world.rep_a, expense=theirs, description="改")
        with pytest.raises(PermissionDenied):
            selectors.access_expense(world.agent, mine.pk)
    assert h.refresh(world, theirs).description == "拜访客户打车"


def test_totals_and_expense_totals(world):
    client = h.customer(world)
    other = h.customer(world, name="第二家")
    approved = h.expense(world, customer=client, amount="100")
    h.expense(world, customer=client, amount="40")  # a draft: not counted
    dollars = h.expense(world, customer=other, amount="7", currency="USD")
    with org_scope(world.org):
        services.expense_submit(actor=world.rep_a, expense=approved)
        services.expense_submit(actor=world.rep_a, expense=dollars)
        assert selectors.expense_totals([client.pk, other.pk]) == {client.pk: Decimal("100")}
        assert selectors.expense_totals([other.pk], currency="USD") == {other.pk: Decimal("7")}
        assert selectors.expense_totals([]) == {}
        rows = selectors.totals(selectors.expense_queryset(employee=world.rep_a))
    assert [(r["currency"], r["total"], r["count"]) for r in rows] == [
        ("CNY", Decimal("140"), 2),
        ("USD", Decimal("7"), 1),
    ]


def test_merge_moves_expenses_to_the_survivor(world):
    loser = h.customer(world, name="华星贸易（旧）")
    survivor = h.customer(world, name="华星贸易")
    expense = h.expense(world, customer=loser)
    related = next(r for r in extensions.related_kinds() if r.key == "expenses")
    with org_scope(world.org):
        assert related.count([loser.pk]) == 1
        assert related.move([loser.pk], survivor, world.admin) == 1
    assert h.refresh(world, expense).customer_id == survivor.pk


def test_search_finds_an_expense_by_code_within_scope(world):
    from guanxi.search import selectors as search

    expense = h.expense(world, description="宴请客户")
    with org_scope(world.org):
        hits = search.search(employee=world.rep_a, query=expense.code)
        assert [(hit.kind, hit.id) for hit in hits if hit.kind == "expense"] == [
            ("expense", expense.pk)
        ]
        assert not [hit for hit in search.search(employee=world.rep_b, query=expense.code)
                    if hit.kind == "expense"]  # fmt: skip
        services.expense_delete(actor=world.manager, expense=expense)
        assert not [hit for hit in search.search(employee=world.rep_a, query=expense.code)
                    if hit.kind == "expense"]  # fmt: skip


def test_amount_rounds_half_up(world):
    assert h.expense(world, amount="10.005").amount == Decimal("10.01")
