"""``/api/v1/quotes``: the API names, validation (400), permissions (403), other orgs
(404), stale versions (409), rule refusals (422) — each leaving the data unchanged."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from guanxi.core.tenancy import org_scope
from guanxi.sales.quotes.models import Quote, QuoteLine
from guanxi.sales.quotes.tests.helpers import (
    customer,
    flow,
    line,
    product,
    quote,
    refresh,
    settings,
)

URL = "/api/v1/quotes"


def _body(world, client=None, item=None, **fields):
    client = client or customer(world)
    item = item or product(world, price="1000", tax_rate="13")
    return {
        "customer": client.pk,
        "title": "年度报价",
        "valid_until": "2099-12-31",
        "lines": [
            {"product": item.pk, "quantity": "2", "unit_price": "999.995", "discount": "5",
             "tax_rate": "13"},
            {"product": item.pk, "quantity": "1.5"},
        ],
        **fields,
    }  # fmt: skip


def _counts(world):
    with org_scope(world.org):
        return Quote.with_deleted.count(), QuoteLine.objects.count()


def test_create_with_lines_and_read_back(world, api):
    settings(world, price_decimals=3)
    response = api(world.rep_a).post(URL, _body(world), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["revision"] == 1
    assert data["status"] == "draft"
    assert data["currency"] == "CNY"
    first, second = data["lines"]
    assert set(first) >= {"product", "quantity", "unit_price", "discount", "tax_rate",
                          "amount", "tax", "total", "product_name", "product_code"}  # fmt: skip
    # 2 × 999.995 = 1999.99 less 5% = 1899.9905 → 1899.99; tax 247.00 (246.9987)
    assert Decimal(first["amount"]) == Decimal("1899.99")
    assert Decimal(first["tax"]) == Decimal("247.00")
    # the list price and the product's tax rate by default: 1500.00 + 195.00
    assert Decimal(second["unit_price"]) == Decimal("1000")
    assert Decimal(second["total"]) == Decimal("1695.00")
    assert Decimal(data["total"]) == Decimal("3841.99")
    assert Decimal(data["total"]) == sum(Decimal(row["total"]) for row in data["lines"])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"discount": "100.01"}, "折扣必须在 0 到 100 之间"),
        ({"quantity": "-1"}, "数量必须大于 0"),
        ({"quantity": "0"}, "数量必须大于 0"),
        ({"unit_price": "-5"}, "单价不能为负数"),
        ({"tax_rate": "101"}, "税率必须在 0 到 100 之间"),
    ],
)
def test_bad_lines_are_400_and_create_nothing(world, api, change, fragment):
    body = _body(world)
    body["lines"][1].update(change)
    before = _counts(world)
    response = api(world.rep_a).post(URL, body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert any(fragment in message and message.startswith("第 2 行")
               for message in data["fields"]["lines"])  # fmt: skip
    assert _counts(world) == before


def test_product_of_another_org_is_400(world, other_world, api):
    with org_scope(other_world.org):
        from guanxi.catalog import services as catalog

        foreign = catalog.product_create(actor=other_world.admin, name="外部产品", list_price=1)
    body = _body(world)
    body["lines"][0]["product"] = foreign.pk
    before = _counts(world)
    response = api(world.rep_a).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["lines"] == ["第 1 行：产品不存在。"]
    assert _counts(world) == before


def test_no_lines_is_400(world, api):
    response = api(world.rep_a).post(URL, {**_body(world), "lines": []}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["lines"] == ["请至少添加一行明细。"]


def test_customer_of_another_org_is_400(world, other_world, api):
    foreign = customer(other_world)
    before = _counts(world)
    response = api(world.admin).post(URL, _body(world, client=foreign), format="json")
    assert response.status_code == 400
    assert _counts(world) == before


def test_patch_lines_and_stale_version_is_409(world, api):
    made = quote(world)
    client = api(world.rep_a)
    item = product(world, name="传感器", price="10", tax_rate="0")
    response = client.patch(
        f"{URL}/{made.pk}",
        {"version": made.version, "lines": [line(item, quantity="3")]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Decimal(response.json()["total"]) == Decimal("30.00")
    assert response.json()["version"] == made.version + 1
    stale = client.patch(
        f"{URL}/{made.pk}", {"version": made.version, "title": "旧"}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert refresh(world, made).title == made.title


def test_patch_bad_line_is_400_and_keeps_lines(world, api):
    made = quote(world)
    with org_scope(world.org):
        lines_before = list(made.lines.values_list("pk", flat=True))
        product_id = made.lines.first().product_id
    response = api(world.rep_a).patch(
        f"{URL}/{made.pk}",
        {"lines": [{"product": product_id, "quantity": "1", "discount": "150"}]},
        format="json",
    )
    assert response.status_code == 400
    with org_scope(world.org):
        assert list(made.lines.values_list("pk", flat=True)) == lines_before
    assert refresh(world, made).version == made.version


def test_list_filters(world, api):
    mine = quote(world, title="甲方报价")
    other_client = customer(world, name="乙方公司")
    quote(world, client=other_client, title="乙方报价", quote_date="2026-01-05")
    client = api(world.rep_a)
    assert [i["id"] for i in client.get(URL, {"customer": mine.customer_id}).json()["items"]] == [
        mine.pk
    ]
    assert [i["title"] for i in client.get(URL, {"q": "乙方"}).json()["items"]] == ["乙方报价"]
    dated = client.get(URL, {"date_from": "2026-01-01", "date_to": "2026-01-31"}).json()
    assert [i["title"] for i in dated["items"]] == ["乙方报价"]
    assert client.get(URL, {"status": "sent"}).json()["items"] == []
    assert len(client.get(URL, {"owner": world.rep_a.pk}).json()["items"]) == 2
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


def test_list_query_count_is_constant(world, api, django_assert_max_num_queries):
    client = api(world.rep_a)
    quote(world)
    client.get(URL)  # warm the permission cache and the token
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for _ in range(4):
        quote(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["items"]) == 5


def test_detail_query_count_is_constant(world, api, django_assert_max_num_queries):
    item = product(world)
    made = quote(world, lines=[line(item)])
    big = quote(world, lines=[line(item)] * 20)
    client = api(world.rep_a)
    client.get(f"{URL}/{made.pk}")
    with django_assert_max_num_queries(14) as few:
        client.get(f"{URL}/{made.pk}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{URL}/{big.pk}").json()["lines"]) == 20


def test_submit_send_and_mark_actions(world, api):
    made = quote(world)
    client = api(world.rep_a)
    answer = client.post(f"{URL}/{made.pk}/submit", {}, format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "approved"
    sent = client.post(
        f"{URL}/{made.pk}/send", {"to": "buyer@example.com", "language": "en"}, format="json"
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"
    assert len(mail.outbox) == 1
    assert "Quotation" in mail.outbox[0].subject
    deliveries = client.get(f"{URL}/{made.pk}/deliveries").json()
    assert deliveries[0]["to"] == "buyer@example.com"
    assert deliveries[0]["sent_by"] == world.rep_a.pk
    marked = client.post(f"{URL}/{made.pk}/mark", {"outcome": "accepted"}, format="json")
    assert marked.json()["status"] == "accepted"


def test_send_before_approval_is_422_and_changes_nothing(world, api):
    settings(world, quote_discount_limit=Decimal("10"))
    flow(world)
    made = quote(world, lines=[line(product(world), discount="30")])
    client = api(world.rep_a)
    refused = client.post(f"{URL}/{made.pk}/send", {"to": "buyer@example.com"}, format="json")
    assert refused.status_code == 422
    assert refused.json()["code"] == "quote_needs_approval"
    assert refused.json()["detail"]
    assert refresh(world, made).status == Quote.Status.DRAFT
    assert mail.outbox == []
    pending = client.post(f"{URL}/{made.pk}/submit", {}, format="json")
    assert pending.json()["status"] == "pending"
    assert pending.json()["approval_status"] == "pending"
    locked = client.patch(f"{URL}/{made.pk}", {"title": "审批中修改"}, format="json")
    assert locked.status_code == 422
    assert locked.json()["code"] == "approval_pending"
    assert refresh(world, made).title == made.title


def test_revise_answers_the_new_version(world, api):
    made = quote(world)
    client = api(world.rep_a)
    response = client.post(f"{URL}/{made.pk}/revise")
    assert response.status_code == 201
    data = response.json()
    assert (data["code"], data["revision"], data["previous"]) == (made.code, 2, made.pk)
    assert refresh(world, made).superseded
    # the list shows the current revision, ?superseded=all both
    assert [i["revision"] for i in client.get(URL).json()["items"]] == [2]
    assert len(client.get(URL, {"superseded": "all"}).json()["items"]) == 2
    old = client.patch(f"{URL}/{made.pk}", {"title": "改旧版"}, format="json")
    assert old.status_code == 422
    assert old.json()["code"] == "quote_superseded"


def test_delete_is_soft_and_needs_permission(world, api):
    made = quote(world)
    assert api(world.rep_a).delete(f"{URL}/{made.pk}").status_code == 403
    assert refresh(world, made).deleted_at is None
    assert api(world.manager).delete(f"{URL}/{made.pk}").status_code == 204
    assert refresh(world, made).deleted_at is not None
    assert api(world.manager).get(f"{URL}/{made.pk}").status_code == 404


def test_pdf_endpoint(world, api):
    made = quote(world, valid_until=datetime.date(2099, 1, 1))
    response = api(world.rep_a).get(f"{URL}/{made.pk}/pdf", {"lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_other_department_and_other_org_see_404(world, other_world, api):
    made = quote(world)
    assert api(world.rep_b).get(f"{URL}/{made.pk}").status_code == 404
    assert api(world.rep_b).post(f"{URL}/{made.pk}/revise").status_code == 404
    assert api(other_world.admin).get(f"{URL}/{made.pk}/pdf").status_code == 404
    assert api(world.manager).get(f"{URL}/{made.pk}").status_code == 200


def test_readonly_cannot_act(world, api):
    made = quote(world)
    client = api(world.readonly)
    assert client.post(f"{URL}/{made.pk}/submit", {}, format="json").status_code == 403
    assert client.post(f"{URL}/{made.pk}/revise").status_code == 403
    assert refresh(world, made).status == Quote.Status.DRAFT
