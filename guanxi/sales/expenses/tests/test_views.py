"""The expense screens: list with filters and totals, create with receipts, detail,
edit, submit, reimburse, delete, export, the customer 360° and opportunity cards, and
bounded query counts."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from guanxi.core.tenancy import org_scope
from guanxi.sales.expenses import services
from guanxi.sales.expenses.models import Expense, ExpenseReceipt
from guanxi.sales.expenses.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_list_filters_and_totals(world, web):
    client_record = h.customer(world)
    h.expense(world, amount="100", category="travel", customer=client_record)
    h.expense(world, amount="20.5", category="transport", description="地铁")
    h.expense(world, actor=world.rep_b, amount="999", description="李四的费用")
    client = web(world.rep_a)
    page = client.get(reverse("expenses:expense_list")).content.decode()
    assert page.count('data-testid="expense-row"') == 2
    assert "120.50" in page  # the total of the filtered set
    assert "李四的费用" not in page
    filtered = client.get(reverse("expenses:expense_list"), {"category": "travel"})
    text = filtered.content.decode()
    assert text.count('data-testid="expense-row"') == 1 and "100.00" in text
    by_customer = client.get(reverse("expenses:expense_list"), {"customer": client_record.pk})
    assert 'data-testid="expense-filter-customer"' in by_customer.content.decode()
    bad = client.get(reverse("expenses:expense_list"), {"date_from": "not-a-date"})
    assert bad.status_code == 200 and "筛选条件有误" in bad.content.decode()


def test_list_query_count_is_constant(world, web, django_assert_max_num_queries):
    client = web(world.manager)
    h.expense(world)
    client.get(reverse("expenses:expense_list"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("expenses:expense_list"))
    deal_client = h.customer(world)
    deal = h.opportunity(world, deal_client)
    for _ in range(6):
        h.expense(world, opportunity=deal)
        h.expense(world, actor=world.rep_b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("expenses:expense_list")).status_code == 200


def test_create_with_receipt_then_submit(world, web):
    client_record = h.customer(world)
    deal = h.opportunity(world, client_record)
    client = web(world.rep_a)
    form = client.get(reverse("expenses:expense_create"), {"opportunity": deal.pk})
    assert form.status_code == 200
    assert f'<option value="{deal.pk}" selected>' in form.content.decode()
    response = client.post(
        reverse("expenses:expense_create"),
        {
            "category": "entertainment",
            "amount": "356.8",
            "currency": "CNY",
            "incurred_on": h.yesterday().isoformat(),
            "description": "宴请客户",
            "customer": "",
            "opportunity": deal.pk,
            "receipts": [h.receipt("餐费.png"), h.receipt("小票.pdf", b"%PDF-1.4")],
        },
    )
    assert response.status_code == 302, response.content.decode()
    with org_scope(world.org):
        made = Expense.objects.get()
        assert made.customer_id == client_record.pk
        assert made.amount == Decimal("356.80")
        assert ExpenseReceipt.objects.filter(expense=made).count() == 2
        receipt = ExpenseReceipt.objects.filter(expense=made).first()
    detail = client.get(response["Location"]).content.decode()
    assert "餐费.png" in detail and 'data-testid="expense-submit"' in detail
    download = client.get(reverse("expenses:receipt_download", args=[receipt.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == h.PNG
    client.post(reverse("expenses:expense_submit", args=[made.pk]))
    assert h.refresh(world, made).status == Expense.Status.APPROVED  # no flow
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="expense-edit"' not in detail
    assert web(world.rep_b).get(response["Location"]).status_code == 404
    assert (
        web(world.rep_b).get(reverse("expenses:receipt_download", args=[receipt.pk])).status_code
        == 404
    )


def test_create_refusals_show_on_the_form(world, web):
    response = web(world.rep_a).post(
        reverse("expenses:expense_create"),
        {
            "category": "travel",
            "amount": "-3",
            "currency": "CNY",
            "incurred_on": h.yesterday().isoformat(),
            "description": "出差",
        },
    )
    assert response.status_code == 400
    assert "金额必须大于零。" in response.content.decode()
    with org_scope(world.org):
        assert not Expense.with_deleted.exists()


def test_edit_and_stale_edit(world, web):
    expense = h.expense(world)
    client = web(world.rep_a)
    url = reverse("expenses:expense_edit", args=[expense.pk])
    assert client.get(url).status_code == 200
    body = {
        "category": "travel",
        "amount": "50",
        "currency": "CNY",
        "incurred_on": h.yesterday().isoformat(),
        "description": "改过的事由",
        "version": expense.version,
    }
    assert client.post(url, body).status_code == 302
    stale = client.post(url, {**body, "description": "旧页面"})
    assert stale.status_code == 409
    assert h.refresh(world, expense).description == "改过的事由"


def test_detail_query_count_is_constant(world, web, django_assert_max_num_queries):
    small = h.expense(world)
    big = h.expense(world, receipts=[h.receipt(f"{n}.png") for n in range(8)])
    client = web(world.rep_a)
    client.get(reverse("expenses:expense_detail", args=[small.pk]))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("expenses:expense_detail", args=[small.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("expenses:expense_detail", args=[big.pk]))
    assert page.content.decode().count('data-testid="expense-receipt"') == 8


def test_reimburse_and_delete_buttons(world, web):
    expense = h.expense(world)
    with org_scope(world.org):
        services.expense_submit(actor=world.rep_a, expense=expense)
    rep_page = web(world.rep_a).get(reverse("expenses:expense_detail", args=[expense.pk]))
    assert 'data-testid="expense-reimburse"' not in rep_page.content.decode()
    manager = web(world.manager)
    manager.post(reverse("expenses:expense_reimburse", args=[expense.pk]), {"reimbursed": "true"})
    assert h.refresh(world, expense).reimbursed
    # approved: deleting is refused with a message, the expense stays
    manager.post(reverse("expenses:expense_delete", args=[expense.pk]))
    assert h.refresh(world, expense).deleted_at is None
    draft = h.expense(world)
    manager.post(reverse("expenses:expense_delete", args=[draft.pk]))
    assert h.refresh(world, draft).deleted_at is not None


def test_export_needs_export_and_follows_the_filters(world, web):
    h.expense(world, amount="100", category="travel", description="=HYPERLINK(1)")
    h.expense(world, amount="30", category="gift")
    assert web(world.rep_a).get(reverse("expenses:expense_export")).status_code == 403
    response = web(world.manager).get(reverse("expenses:expense_export"), {"category": "travel"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3  # header, one expense, the total
    assert rows[1][3] == 100 and rows[1][5] == "'=HYPERLINK(1)"
    assert rows[2][2:5] == ("合计", 100, "CNY")


def test_customer_panel(world, web, django_assert_max_num_queries):
    client_record = h.customer(world)
    approved = h.expense(world, customer=client_record, amount="200")
    h.expense(world, customer=client_record, amount="50")
    with org_scope(world.org):
        services.expense_submit(actor=world.rep_a, expense=approved)
    client = web(world.rep_a)
    customer_page = client.get(reverse("customers:customer_detail", args=[client_record.pk]))
    assert 'data-testid="expenses-panel"' in customer_page.content.decode()
    url = reverse("expenses:customer_panel", args=[client_record.pk])
    client.get(url)
    with django_assert_max_num_queries(15):
        body = client.get(url).content.decode()
    assert body.count('data-testid="panel-expense-row"') == 2
    assert "250.00" in body and "200.00" in body
    assert web(world.rep_b).get(url).status_code == 404


def test_opportunity_panel(world, web):
    client_record = h.customer(world)
    deal = h.opportunity(world, client_record)
    h.expense(world, opportunity=deal, amount="75")
    url = reverse("expenses:opportunity_panel", args=[deal.pk])
    body = web(world.rep_a).get(url).content.decode()
    assert body.count('data-testid="panel-expense-row"') == 1 and "75.00" in body
    assert web(world.rep_b).get(url).status_code == 404


def test_opportunity_options(world, web):
    client_record = h.customer(world)
    deal = h.opportunity(world, client_record)
    other = h.opportunity(world, h.customer(world, name="另一家"), name="另一个商机")
    body = (
        web(world.rep_a)
        .get(reverse("expenses:opportunity_options"), {"customer": client_record.pk})
        .content.decode()
    )
    assert f'value="{deal.pk}"' in body and f'value="{other.pk}"' not in body


def test_opportunity_card_tag(world, rf):
    from django.template import Context, Template

    deal = h.opportunity(world, h.customer(world))
    template = Template("{% load expenses_cards %}{% expenses_opportunity_card deal %}")
    for employee, shown in ((world.rep_a, True), (world.agent, False)):
        request = rf.get("/")
        request.employee = employee
        with org_scope(world.org):
            html = template.render(Context({"request": request, "deal": deal}))
        assert ('data-testid="expenses-opportunity-panel"' in html) is shown
        if shown:
            assert reverse("expenses:opportunity_panel", args=[deal.pk]) in html


def test_receipt_delete_on_a_draft(world, web):
    expense = h.expense(world, receipts=[h.receipt()])
    with org_scope(world.org):
        receipt = ExpenseReceipt.objects.get(expense=expense)
    assert (
        web(world.rep_b).post(reverse("expenses:receipt_delete", args=[receipt.pk])).status_code
        == 404
    )
    web(world.rep_a).post(reverse("expenses:receipt_delete", args=[receipt.pk]))
    with org_scope(world.org):
        assert not ExpenseReceipt.objects.filter(pk=receipt.pk).exists()


def test_list_pages_by_keyset_with_the_filters_kept(world, web, monkeypatch):
    from guanxi.sales.expenses import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for amount in ("1", "2", "3"):
        h.expense(world, amount=amount, category="travel")
    h.expense(world, amount="50", category="gift")
    client = web(world.rep_a)
    first = client.get(reverse("expenses:expense_list"), {"category": "travel"})
    text = first.content.decode()
    assert text.count('data-testid="expense-row"') == 2
    assert "6.00" in text  # the total of the whole filtered set, not of the page
    next_url = first.context["next_url"]
    assert "category=travel" in next_url
    second = client.get(reverse("expenses:expense_list") + next_url)
    assert second.content.decode().count('data-testid="expense-row"') == 1
