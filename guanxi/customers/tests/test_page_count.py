"""Turning pages costs no count: the first page's (capped) count travels on in the API's
cursors and in the screens' next-page links; a missing or damaged one is counted afresh."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.api.pagination import (
    carried_count,
    count_and_newest,
    count_token,
    parse_count_token,
)
from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db
URL = "/api/v1/customers"


def counts_run(context):
    return [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.fixture
def twelve(world):
    with org_scope(world.org):
        for index in range(12):
            services.customer_create(actor=world.admin, name=f"翻页客户{index:02d}")


def test_api_next_pages_carry_the_first_count(world, api, twelve):
    client = api(world.admin)
    with CaptureQueriesContext(connection) as first_page:
        first = client.get(URL, {"limit": 5}).json()
    # the first page's ids, newest first, give the count too: no COUNT of its own
    assert first["count"] == 12 and counts_run(first_page) == []
    assert [item["name"] for item in first["items"]] == [
        f"翻页客户{i:02d}" for i in (11, 10, 9, 8, 7)
    ]
    with CaptureQueriesContext(connection) as second_page:
        second = client.get(first["next"]).json()
    assert second["count"] == 12 and second["count_is_estimate"] is False
    assert counts_run(second_page) == []
    assert len(second["items"]) == 5
    third = client.get(second["next"]).json()
    assert len(third["items"]) == 2 and third["count"] == 12 and third["next"] is None


@pytest.mark.parametrize("token", ["abc", "-1", "10001", "99999999+", "", "1e3"])
def test_api_counts_afresh_for_a_count_it_did_not_write(world, api, twelve, token):
    cursor = base64.b64encode(f"p=999999999&n={token}".encode()).decode()
    with CaptureQueriesContext(connection) as page:
        body = api(world.admin).get(URL, {"limit": 5, "cursor": cursor}).json()
    assert body["count"] == 12 and len(counts_run(page)) == 1


def test_damaged_cursor_is_still_refused(world, api, twelve):
    response = api(world.admin).get(URL, {"cursor": "%%%not-base64"})
    assert response.status_code == 404


def test_first_page_ids_and_count_come_from_one_statement(world, twelve):
    with org_scope(world.org):
        queryset = Customer.objects.filter(name__startswith="翻页客户")
        newest = list(queryset.order_by("-id").values_list("id", flat=True))
        with CaptureQueriesContext(connection) as statements:
            assert count_and_newest(queryset, 3) == (12, True, newest[:3])
        assert len(statements) == 1
        # past the cap the count is the cap, not exact, and the page still the newest
        assert count_and_newest(queryset, 3, limit=10) == (10, False, newest[:3])
        assert count_and_newest(queryset.none(), 3) == (0, True, [])


def test_count_tokens_round_trip():
    assert parse_count_token(count_token(1234, True)) == (1234, True)
    assert parse_count_token(count_token(10_000, False)) == (10_000, False)
    assert parse_count_token("12a") is None and parse_count_token(None) is None
    assert carried_count(base64.b64encode(b"p=5&n=7").decode()) == (7, True)
    assert carried_count("not base64 at all!") is None


def test_screen_next_link_carries_the_count(world, web, twelve, monkeypatch):
    monkeypatch.setattr("guanxi.customers.views.PAGE_SIZE", 5)
    client = web(world.admin)
    first = client.get(reverse("customers:customer_list"))
    assert "共 12 条" in first.content.decode()
    next_url = first.context["next_url"]
    assert "n=12" in next_url
    with CaptureQueriesContext(connection) as second_page:
        second = client.get(reverse("customers:customer_list") + next_url)
    assert "共 12 条" in second.content.decode() and counts_run(second_page) == []
    # a hand-made link without it (or with a wrong one) is counted afresh
    after = first.context["rows"][-1].pk
    for query in (f"?after={after}", f"?after={after}&n=xyz"):
        page = client.get(reverse("customers:customer_list") + query)
        assert "共 12 条" in page.content.decode()
