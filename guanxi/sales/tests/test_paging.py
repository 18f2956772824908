"""Keyset pagination of the sales lists: walking the pages shows every row once, in the
list's order (ties and empty sort values included), with the capped count carried by the
page links, at a fixed number of queries whichever page."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import org_scope
from guanxi.sales import paging
from guanxi.sales.contracts import views as contract_views
from guanxi.sales.contracts.tests import helpers as ch
from guanxi.sales.leads import views as lead_views
from guanxi.sales.leads.tests.helpers import make_lead
from guanxi.sales.opportunities import views as opportunity_views
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity
from guanxi.sales.orders import views as order_views
from guanxi.sales.orders.tests.helpers import order
from guanxi.sales.quotes import views as quote_views
from guanxi.sales.quotes.tests import helpers as qh
from guanxi.sales.receivables import services as receivable_services
from guanxi.sales.receivables import views as receivable_views
from guanxi.sales.receivables.tests.helpers import make_customer as receivable_customer
from guanxi.sales.receivables.tests.helpers import make_receivable, pay

pytestmark = pytest.mark.django_db


def _walk(client, url, key, row_pattern):
    """Follow the 下一页 links from ``url``; returns (row ids in order, pages, the count
    line of the last page)."""
    seen, pages = [], []
    while url:
        page = client.get(url).content.decode()
        pages.append(page)
        for pk in re.findall(row_pattern, page):
            if int(pk) not in seen:
                seen.append(int(pk))
        found = re.search(rf'href="([^"]+)" data-testid="{key}-next"', page)
        url = url.split("?")[0] + html.unescape(found.group(1)) if found else None
        assert len(pages) < 20
    count = re.search(rf'data-testid="{key}-count">([^<]+)<', pages[-1]).group(1)
    return seen, pages, count


def test_opportunities_by_close_date_with_ties_and_empty_dates(world, web, monkeypatch):
    monkeypatch.setattr(opportunity_views, "PAGE_SIZE", 2)
    customer = make_customer(world, world.rep_a)
    day = datetime.date(2027, 3, 1)
    closes = [day, None, day, day + datetime.timedelta(days=1), None, day - datetime.timedelta(1)]
    made = [
        make_opportunity(
            world, world.rep_a, customer=customer, name=f"项目{n}", expected_close_date=close
        )
        for n, close in enumerate(closes)
    ]
    client = web(world.rep_a)
    for sort, reverse in (("close", False), ("-close", True)):
        dated = sorted((o for o in made if o.expected_close_date), reverse=reverse,
                       key=lambda o: (o.expected_close_date, o.pk))  # fmt: skip
        empty = sorted((o for o in made if not o.expected_close_date), reverse=reverse,
                       key=lambda o: o.pk)  # fmt: skip
        seen, pages, count = _walk(
            client, f"/opportunities/?sort={sort}", "opportunity", r'href="/opportunities/(\d+)/"'
        )
        assert seen == [o.pk for o in dated + empty], sort
        assert len(pages) == 3 and "共 6 条" in count


def test_opportunities_filtered_and_by_name(world, web, monkeypatch):
    monkeypatch.setattr(opportunity_views, "PAGE_SIZE", 2)
    customer = make_customer(world, world.rep_a)
    for name in ("乙", "甲", "乙", "丙", "甲"):
        make_opportunity(world, world.rep_a, customer=customer, name=name)
    make_opportunity(world, world.rep_a, customer=customer, name="丁", amount=Decimal("5"))
    with org_scope(world.org):
        expected = list(
            Opportunity.objects.filter(amount=0)
            .order_by("-name", "-id")
            .values_list("pk", flat=True)
        )
    seen, _pages, count = _walk(
        web(world.rep_a), "/opportunities/?sort=-name&amount_max=1", "opportunity",
        r'href="/opportunities/(\d+)/"',
    )  # fmt: skip
    assert seen == expected and "共 5 条" in count


def test_payments_newest_received_first_with_same_day_ties(world, web, monkeypatch):
    monkeypatch.setattr(receivable_views, "PAGE_SIZE", 2)
    customer = receivable_customer(world)
    days = ["2026-11-30", "2026-12-01", "2026-11-30", "2026-12-01", "2026-11-29"]
    made = [pay(world, customer, "10", day=day) for day in days]
    expected = [p.pk for p in sorted(made, key=lambda p: (p.received_at, p.pk), reverse=True)]
    seen, pages, count = _walk(
        web(world.admin), "/receivables/payments/", "payment",
        r'href="/receivables/payments/(\d+)/"',
    )  # fmt: skip
    assert seen == expected and len(pages) == 3 and "共 5 条" in count


def test_receivables_soonest_due_first(world, web, monkeypatch):
    monkeypatch.setattr(receivable_views, "PAGE_SIZE", 2)
    customer = receivable_customer(world)
    dues = ["2026-12-31", "2026-12-01", "2026-12-31", "2027-01-15", "2026-12-01"]
    made = [make_receivable(world, customer, "100", due=due) for due in dues]
    expected = [r.pk for r in sorted(made, key=lambda r: (r.due_date.isoformat(), r.pk))]
    seen, _pages, count = _walk(
        web(world.admin), f"/receivables/?customer={customer.pk}", "receivable",
        r'href="/receivables/(\d+)/"',
    )  # fmt: skip
    assert seen == expected and "共 5 条" in count


def test_invoices_newest_issued_first(world, web, monkeypatch):
    monkeypatch.setattr(receivable_views, "PAGE_SIZE", 2)
    customer = receivable_customer(world)
    made = []
    for n, day in enumerate(["2026-11-01", "2026-11-03", "2026-11-01", "2026-11-02"]):
        with org_scope(world.org):
            made.append(
                receivable_services.invoice_create(
                    actor=world.admin,
                    customer=customer,
                    number=f"0440010{n}",
                    amount="10",
                    issued_on=day,
                )
            )
    expected = [i.pk for i in sorted(made, key=lambda i: (str(i.issued_on), i.pk), reverse=True)]
    seen, _pages, count = _walk(
        web(world.admin), "/receivables/invoices/", "invoice",
        r'href="/receivables/invoices/(\d+)/edit/"',
    )  # fmt: skip
    assert seen == expected and "共 4 条" in count


@pytest.mark.parametrize("kind", ["quotes", "contracts", "orders", "leads"])
def test_newest_first_lists_walk_every_row_once(world, web, monkeypatch, kind):
    views = {"quotes": quote_views, "contracts": contract_views, "orders": order_views,
             "leads": lead_views}  # fmt: skip
    monkeypatch.setattr(views[kind], "PAGE_SIZE", 2)
    if kind == "quotes":
        client_ = qh.customer(world)
        made = [qh.quote(world, client=client_) for _ in range(5)]
    elif kind == "contracts":
        client_ = ch.customer(world)
        made = [ch.contract(world, client=client_) for _ in range(5)]
    elif kind == "orders":
        client_ = ch.customer(world)
        made = [order(world, client=client_) for _ in range(5)]
    else:
        made = [make_lead(world.rep_a, mobile=f"1380000{n:04d}") for n in range(5)]
    key = kind[:-1]
    seen, pages, count = _walk(web(world.rep_a), f"/{kind}/", key, rf'href="/{kind}/(\d+)/"')
    assert seen == sorted((r.pk for r in made), reverse=True)
    assert len(pages) == 3 and "共 5 条" in count
    assert f'data-testid="{key}-first"' in pages[1]


def test_count_is_capped_and_carried_by_the_links(world, web, monkeypatch):
    """Past the cap the list says "3+" and never counts exactly; later pages take the
    count from the link instead of counting again."""
    monkeypatch.setattr(receivable_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    customer = receivable_customer(world)
    for day in ["2026-11-30", "2026-12-01", "2026-11-29", "2026-11-28", "2026-11-27"]:
        pay(world, customer, "10", day=day)
    client = web(world.admin)
    first = client.get("/receivables/payments/").content.decode()
    assert "共 3+ 条" in first
    link = html.unescape(re.search(r'href="([^"]+)" data-testid="payment-next"', first).group(1))
    assert "n=3%2B" in link
    with CaptureQueriesContext(connection) as later:
        second = client.get("/receivables/payments/" + link).content.decode()
    assert "共 3+ 条" in second
    assert not any("COUNT(" in q["sql"].upper() for q in later.captured_queries)


def test_a_later_page_costs_what_the_first_costs(world, web, monkeypatch):
    monkeypatch.setattr(receivable_views, "PAGE_SIZE", 2)
    customer = receivable_customer(world)
    for n in range(7):
        pay(world, customer, "10", day=f"2026-11-{n + 10}")
    client = web(world.admin)
    client.get("/receivables/payments/")
    with CaptureQueriesContext(connection) as first:
        page = client.get("/receivables/payments/").content.decode()
    link = html.unescape(re.search(r'href="([^"]+)" data-testid="payment-next"', page).group(1))
    with CaptureQueriesContext(connection) as later:
        client.get("/receivables/payments/" + link)
    # the later page does not count (the link carries the count)
    assert len(later) == len(first) - 1


def test_a_damaged_link_shows_the_first_page(world, web):
    customer = receivable_customer(world)
    payment = pay(world, customer, "10")
    client = web(world.admin)
    for query in ("?after=abc", "?after=1&at=not-a-date", "?after=99999999999999999999&n=x"):
        response = client.get("/receivables/payments/" + query)
        assert response.status_code == 200
    assert (
        f"/receivables/payments/{payment.pk}/"
        in client.get("/receivables/payments/?after=1&at=not-a-date").content.decode()
    )
