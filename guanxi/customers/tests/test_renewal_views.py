"""The renewals screens: the list by period with status counts and inline follow-up, the
card on the customer page, the nightly run on demand."""

import datetime

import pytest
import time_machine

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import renewals, services
from guanxi.customers.models import RenewalItem
from guanxi.orgs.models import OrgSettings

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 6, 10, 2, 0, tzinfo=datetime.UTC)
LIST = "/customers/renewals/"
LIST_QUERIES = 9


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _customer(world, name, owner=None):
    with org_scope(world.org):
        return services.customer_create(actor=world.admin, name=name, owner=owner or world.rep_a)


def _items(world, customer, n, *, start=1, kind="repurchase"):
    with org_scope(world.org):
        return [
            renewals.renewal_create(
                actor=world.admin,
                customer=customer,
                kind=kind,
                due_on=datetime.date(2026, 6, 10) + datetime.timedelta(days=start + i),
            )
            for i in range(n)
        ]


def _reload(item):
    with all_orgs():
        return RenewalItem.objects.get(pk=item.pk)


@pytest.mark.parametrize("who", ["rep_a", "manager"])
def test_list_queries_do_not_grow_with_rows(world, web, who, django_assert_max_num_queries):
    """The list page costs the same few queries with 1 row as with a full page and more:
    the session, the employee, the data scope, the count, the rows, the status counts,
    the owners to filter by."""
    customer = _customer(world, "华信科技")
    _items(world, customer, 1)
    client = web(getattr(world, who))
    client.get(LIST)
    with django_assert_max_num_queries(LIST_QUERIES) as one:
        assert client.get(LIST).content.decode().count('data-testid="renewal-row"') == 1
    _items(world, customer, 28, start=2)
    with django_assert_max_num_queries(LIST_QUERIES) as many:
        page = client.get(LIST).content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)
    assert page.count('data-testid="renewal-row"') == 25
    assert 'data-testid="renewal-next"' in page


def test_periods_counts_and_the_next_page(world, web):
    customer = _customer(world, "华信科技")
    items = _items(world, customer, 27)  # 6-11 … 7-07
    with org_scope(world.org):
        renewals.renewal_update(actor=world.admin, item=items[0], version=1, status="will_renew")
    client = web(world.rep_a)
    page = client.get(LIST).content.decode()
    assert "续约与复购" in page
    assert 'data-testid="count-will_renew"' in page
    assert '会续约 <span class="badge text-bg-light">1</span>' in page
    assert '全部 <span class="badge text-bg-light">27</span>' in page
    next_page = client.get(LIST + "?after=2026-07-05." + str(items[24].pk)).content.decode()
    assert next_page.count('data-testid="renewal-row"') == 2
    month = client.get(LIST, {"period": "month"}).content.decode()
    assert month.count('data-testid="renewal-row"') == 20  # 6-11 … 6-30
    only = client.get(LIST, {"status": "will_renew"}).content.decode()
    assert only.count('data-testid="renewal-row"') == 1


def test_bad_conditions_are_named_and_left_out(world, web):
    _items(world, _customer(world, "华信科技"), 2)
    page = web(world.rep_a).get(
        LIST, {"period": "custom", "start": "2026-07-01", "end": "2026-06-01", "kind": "x"}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="filter-errors"' in text
    assert "结束日期不能早于开始日期。" in text
    assert text.count('data-testid="renewal-row"') == 2  # the default period instead


def test_inline_status_change_swaps_the_row(world, web):
    (item,) = _items(world, _customer(world, "华信科技"), 1)
    client = web(world.rep_a)
    url = f"/customers/renewals/{item.pk}/status/"
    body = {"version": 1, "status": "will_renew", "note": "月底签约"}
    response = client.post(url, body, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and text.lstrip().startswith("<tr")
    assert 'data-testid="renewal-saved"' in text and "会续约" in text
    assert (_reload(item).status, _reload(item).note) == ("will_renew", "月底签约")
    # the same form again: stale, refused in the row, nothing changed
    stale = client.post(url, {**body, "status": "wont_renew"}, HTTP_HX_REQUEST="true")
    assert "该记录已被他人修改" in stale.content.decode()
    assert _reload(item).status == "will_renew"
    # without htmx: back to the list with a message
    plain = client.post(url, {"version": 2, "status": "renewed", "next": LIST}, follow=True)
    assert "已设为已续约" in plain.content.decode()


def test_readonly_cannot_change_and_others_items_are_404(world, web):
    (theirs,) = _items(world, _customer(world, "乙的客户", world.rep_b), 1)
    body = {"version": 1, "status": "renewed"}
    assert (
        web(world.rep_a).post(f"/customers/renewals/{theirs.pk}/status/", body).status_code == 404
    )
    page = web(world.readonly).get(LIST).content.decode()
    assert 'data-testid="renewal-form"' not in page
    web(world.readonly).post(f"/customers/renewals/{theirs.pk}/status/", body)
    assert _reload(theirs).status == "undecided"


def test_customer_card_lists_open_items_with_constant_queries(
    world, web, django_assert_max_num_queries
):
    customer = _customer(world, "华信科技")
    client = web(world.rep_a)
    url = f"/customers/{customer.pk}/renewals/"
    client.get(url)
    with django_assert_max_num_queries(5) as none:
        assert 'data-testid="renewal-items-empty"' in client.get(url).content.decode()
    items = _items(world, customer, 12)
    with org_scope(world.org):
        renewals.renewal_update(actor=world.admin, item=items[0], version=1, status="renewed")
    with django_assert_max_num_queries(5) as lots:
        card = client.get(url).content.decode()
    assert len(lots.captured_queries) == len(none.captured_queries)
    assert card.count('data-testid="renewal-item"') == 10  # open ones, soonest first
    assert "2026-06-11" not in card  # the renewed one
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'hx-get="/customers/{customer.pk}/renewals/"' in detail


def test_add_from_the_card(world, web):
    customer = _customer(world, "华信科技")
    client = web(world.rep_a)
    response = client.post(
        "/customers/renewals/new/",
        {"customer": customer.pk, "kind": "renewal", "due_on": "2026-08-01",
         "next": f"/customers/{customer.pk}/"},
        follow=True,
    )  # fmt: skip
    assert "续约/复购事项已添加" in response.content.decode()
    with org_scope(world.org):
        item = RenewalItem.objects.get()
    assert (item.kind, item.due_on, item.owner_id) == (
        "renewal", datetime.date(2026, 8, 1), world.rep_a.pk,
    )  # fmt: skip
    bad = client.post("/customers/renewals/new/", {"customer": customer.pk, "due_on": "x"},
                      follow=True)  # fmt: skip
    assert "请输入有效的日期。" in bad.content.decode()
    with org_scope(world.org):
        assert RenewalItem.objects.count() == 1


def test_run_now_is_for_parameter_editors(world, web):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(repurchase_cycle_days=30)
        customer = _customer(world, "复购客户")
        type(customer).objects.filter(pk=customer.pk).update(
            last_order_on=datetime.date(2026, 5, 20)
        )
    web(world.rep_a).post("/customers/renewals/run/")
    with all_orgs():
        assert not RenewalItem.objects.exists()
    response = web(world.admin).post("/customers/renewals/run/", follow=True)
    assert "已生成 1 条复购事项" in response.content.decode()


def test_the_list_speaks_english_too(world, web):
    _items(world, _customer(world, "华信科技"), 1, kind="renewal")
    client = web(world.rep_a)
    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in ("Renewals and repeat purchases", "Next 30 days", "Will renew", "Undecided"):
        assert text in page
    bad = client.get(LIST, {"period": "week"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "“week” is not a valid choice." in bad
