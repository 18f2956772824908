"""The quote screens: list (filters, scope, query count), create with the lines editor's
post, detail (lines, totals, revisions, actions, query count), edit, send form, PDF,
the customer card — and refusals that leave everything unchanged."""

import json
from decimal import Decimal

from django.core import mail
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.sales.quotes.models import Quote
from guanxi.sales.quotes.tests.helpers import (
    customer,
    line,
    product,
    quote,
    refresh,
)


def _post_body(client_record, item, rows=None, **fields):
    rows = rows or [
        {"product": item.pk, "quantity": "2", "unit_price": "100", "discount": "0",
         "tax_rate": "13", "description": ""},
    ]  # fmt: skip
    return {
        "customer": client_record.pk,
        "contact": "",
        "title": "网页报价",
        "quote_date": "2026-12-03",
        "valid_until": "2026-12-31",
        "language": "zh-hans",
        "terms": "",
        "notes": "",
        "lines_json": json.dumps(rows),
        **fields,
    }


def test_create_from_the_form(world, web):
    client_record = customer(world)
    item = product(world)
    page = web(world.rep_a).get(reverse("quotes:quote_create"), {"customer": client_record.pk})
    assert page.status_code == 200
    assert b'x-data="linesEditor"' in page.content
    response = web(world.rep_a).post(
        reverse("quotes:quote_create"), _post_body(client_record, item)
    )
    assert response.status_code == 302
    with org_scope(world.org):
        made = Quote.objects.get(title="网页报价")
    assert made.total == Decimal("226.00")
    assert response["Location"] == reverse("quotes:quote_detail", args=[made.pk])


def test_bad_line_shows_the_error_and_creates_nothing(world, web):
    client_record = customer(world)
    item = product(world)
    rows = [{"product": item.pk, "quantity": "-1", "discount": "120"}]
    response = web(world.rep_a).post(
        reverse("quotes:quote_create"), _post_body(client_record, item, rows=rows)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "第 1 行：数量必须大于 0。" in text
    assert "第 1 行：折扣必须在 0 到 100 之间" in text
    with org_scope(world.org):
        assert not Quote.with_deleted.exists()


def test_list_scope_and_filters(world, web):
    mine = quote(world, title="我的报价")
    quote(world, actor=world.rep_b, title="别人的报价")
    page = web(world.rep_a).get(reverse("quotes:quote_list"))
    text = page.content.decode()
    assert mine.label in text and "我的报价" in text
    assert "别人的报价" not in text
    filtered = web(world.manager).get(reverse("quotes:quote_list"), {"q": "别人"})
    assert "别人的报价" in filtered.content.decode()
    assert "我的报价" not in filtered.content.decode()


def test_list_query_count_is_constant(world, web, django_assert_max_num_queries):
    client = web(world.rep_a)
    quote(world)
    client.get(reverse("quotes:quote_list"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("quotes:quote_list"))
    for _ in range(5):
        quote(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("quotes:quote_list")).status_code == 200


def test_detail_shows_lines_totals_versions_and_pdf_links(world, web):
    made = quote(world, title="详情报价")
    page = web(world.rep_a).get(reverse("quotes:quote_detail", args=[made.pk]))
    text = page.content.decode()
    assert "工业网关" in text
    assert "2260.00" in text  # 2 × 1000 + 13%
    assert 'data-testid="quote-revision"' in text
    assert reverse("quotes:quote_pdf", args=[made.pk]) in text
    assert 'data-testid="quote-send"' in text


def test_detail_query_count_is_constant(world, web, django_assert_max_num_queries):
    item = product(world)
    small = quote(world, lines=[line(item)])
    big = quote(world, lines=[line(item)] * 25)
    client = web(world.rep_a)
    client.get(reverse("quotes:quote_detail", args=[small.pk]))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("quotes:quote_detail", args=[small.pk]))
    with org_scope(world.org):
        from guanxi.sales.quotes import services

        services.quote_revise(actor=world.rep_a, quote=big)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("quotes:quote_detail", args=[big.pk])).status_code == 200


def test_other_department_gets_404(world, web):
    made = quote(world)
    for name in ("quote_detail", "quote_edit", "quote_pdf", "quote_send"):
        assert web(world.rep_b).get(reverse(f"quotes:{name}", args=[made.pk])).status_code == 404


def test_readonly_cannot_open_the_form(world, web):
    assert web(world.readonly).get(reverse("quotes:quote_create")).status_code == 403


def test_edit_and_stale_version(world, web):
    made = quote(world)
    item = product(world, name="传感器", price="10", tax_rate="0")
    body = _post_body(
        made.customer,
        item,
        rows=[{"product": item.pk, "quantity": "5"}],
        version=made.version,
        title="改过",
    )
    client = web(world.rep_a)
    assert client.get(reverse("quotes:quote_edit", args=[made.pk])).status_code == 200
    assert client.post(reverse("quotes:quote_edit", args=[made.pk]), body).status_code == 302
    fresh = refresh(world, made)
    assert (fresh.title, fresh.total) == ("改过", Decimal("50.00"))
    stale = client.post(reverse("quotes:quote_edit", args=[made.pk]), {**body, "title": "再改"})
    assert stale.status_code == 409
    assert refresh(world, made).title == "改过"


def test_send_form_mails_and_records(world, web):
    made = quote(world)
    client = web(world.rep_a)
    form = client.get(reverse("quotes:quote_send", args=[made.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("quotes:quote_send", args=[made.pk]),
        {
            "to": "buyer@example.com",
            "cc": "",
            "subject": "",
            "message": "您好",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    assert refresh(world, made).status == Quote.Status.SENT
    page = client.get(reverse("quotes:quote_detail", args=[made.pk])).content.decode()
    assert "buyer@example.com" in page
    # a sent quote offers a contract or an order made from it
    assert reverse("contracts:contract_create") + f"?quote={made.pk}" in page
    assert reverse("orders:order_create") + f"?quote={made.pk}" in page
    # and the order form starts from its lines
    form = client.get(reverse("orders:order_create") + f"?quote={made.pk}")
    assert form.status_code == 200 and made.code in form.content.decode()


def test_send_form_refuses_bad_address(world, web):
    made = quote(world)
    response = web(world.rep_a).post(
        reverse("quotes:quote_send", args=[made.pk]),
        {"to": "nobody", "language": "zh-hans"},
    )
    assert response.status_code == 400
    assert mail.outbox == []
    assert refresh(world, made).status == Quote.Status.DRAFT


def test_revise_button_makes_a_new_version(world, web):
    made = quote(world)
    response = web(world.rep_a).post(reverse("quotes:quote_revise", args=[made.pk]))
    with org_scope(world.org):
        new = Quote.objects.get(code=made.code, revision=2)
    assert response["Location"] == reverse("quotes:quote_detail", args=[new.pk])
    old_page = web(world.rep_a).get(reverse("quotes:quote_detail", args=[made.pk]))
    assert 'data-testid="quote-superseded-note"' in old_page.content.decode()
    assert 'data-testid="quote-edit"' not in old_page.content.decode()


def test_pdf_view(world, web):
    made = quote(world)
    response = web(world.rep_a).get(reverse("quotes:quote_pdf", args=[made.pk]), {"lang": "en"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_customer_card_and_contact_options(world, web):
    made = quote(world)
    card = web(world.rep_a).get(reverse("quotes:customer_card", args=[made.customer_id]))
    assert made.label in card.content.decode()
    options = web(world.rep_a).get(
        reverse("quotes:contact_options"), {"customer": made.customer_id}
    )
    assert options.status_code == 200
