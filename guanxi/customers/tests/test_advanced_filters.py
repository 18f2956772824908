"""The customer list's advanced conditions: value tier, credit limit, parent company,
e-mail and phone, dates, tags, source and follow-ups — on the screen, the API, saved
filters and the export, always inside the reader's data scope."""

import datetime
import decimal
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.urls import reverse

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import jobs, services
from guanxi.customers.filters import CustomerFilter
from guanxi.customers.models import Customer
from guanxi.orgs.models import SavedFilter

pytestmark = pytest.mark.django_db
URL = "/api/v1/customers"
LIST = reverse("customers:customer_list")
TODAY = datetime.datetime(2026, 12, 2, 9, tzinfo=datetime.UTC)


def names(response):
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def listed(response):
    assert response.status_code == 200
    return sorted(row.name for row in response.context["rows"])


@pytest.fixture
def book(world):
    """Three customers of rep_a (a group, its subsidiary, a shop) and one of rep_b."""
    created = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    with time_machine.travel(created, tick=False), org_scope(world.org):
        group = services.customer_create(
            actor=world.rep_a, name="西湖茶业集团", email="hq@xihutea.example",
            phone="0571-8888 1234", credit_limit=decimal.Decimal("500000"),
            tags=["重点", "华东"], source="exhibition", registered_on=datetime.date(2025, 3, 1),
        )  # fmt: skip
    with org_scope(world.org):
        branch = services.customer_create(
            actor=world.rep_a, name="龙井分公司", parent=group, email="lj@xihutea.example",
            phone="0571-6666 9999", credit_limit=decimal.Decimal("80000"), tags=["华东"],
            source="referral", registered_on=datetime.date(2026, 10, 8),
        )  # fmt: skip
        shop = services.customer_create(
            actor=world.rep_a, name="街角小店", email="shop@corner.example",
            phone="13900001111", registered_on=datetime.date(2026, 11, 20),
        )  # fmt: skip
        other = services.customer_create(
            actor=world.rep_b, name="北方茶庄", parent=group, email="north@xihutea.example",
            phone="0571-8888 5678", credit_limit=decimal.Decimal("90000"), tags=["重点"],
            source="referral", registered_on=datetime.date(2026, 10, 9),
        )  # fmt: skip
        Customer.objects.filter(pk__in=[group.pk, other.pk]).update(value_tier="A")
        Customer.objects.filter(pk=branch.pk).update(value_tier="B")
        services.customer_set_followups(
            customer_id=branch.pk,
            last_at=datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
            next_on=datetime.date(2026, 12, 10),
        )
        services.customer_set_followups(
            customer_id=shop.pk,
            last_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
            next_on=datetime.date(2026, 12, 3),
        )
    return {"group": group, "branch": branch, "shop": shop, "other": other}


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"value_tier": "A"}, ["西湖茶业集团"]),  # rep_b's A customer stays out of sight
        ({"value_tier": "B"}, ["龙井分公司"]),
        ({"credit_limit_min": "80000"}, ["西湖茶业集团", "龙井分公司"]),
        ({"credit_limit_max": "100000"}, ["龙井分公司"]),
        ({"credit_limit_min": "60000", "credit_limit_max": "90000.50"}, ["龙井分公司"]),
        ({"parent_q": "西湖茶业"}, ["龙井分公司"]),
        ({"parent_q": "xhcy"}, ["龙井分公司"]),  # pinyin initials of the parent
        ({"parent_q": "茶"}, ["龙井分公司"]),  # one character: scanned, still scoped
        ({"has_parent": "false"}, ["街角小店", "西湖茶业集团"]),
        ({"email": "xihutea"}, ["西湖茶业集团", "龙井分公司"]),
        ({"email": "hq@xihutea.example"}, ["西湖茶业集团"]),
        ({"email": "corner.example"}, ["街角小店"]),
        ({"phone": "8888"}, ["西湖茶业集团"]),
        ({"phone": "0571-6666"}, ["龙井分公司"]),
        ({"phone": "1390000 1111"}, ["街角小店"]),
        ({"tag": "华东"}, ["西湖茶业集团", "龙井分公司"]),
        ({"tag": "华东，重点"}, ["西湖茶业集团"]),  # every tag given
        ({"tag": "华东,无此标签"}, []),
        ({"source": "referral"}, ["龙井分公司"]),
        ({"registered_after": "2026-10-01", "registered_before": "2026-10-31"}, ["龙井分公司"]),
        ({"followup_after": "2026-12-05"}, ["龙井分公司"]),
        ({"followup_after": "2026-12-01", "followup_due": "2026-12-05"}, ["街角小店"]),
        ({"idle_days": "20"}, ["街角小店", "西湖茶业集团"]),
        ({"lifecycle_stage": "target"}, ["街角小店", "西湖茶业集团", "龙井分公司"]),
        ({"owner": "rep_b"}, []),  # another rep's customers: never, whatever the filter
    ],
)
def test_api_filters_each_condition_within_the_data_scope(world, api, book, query, expected):
    query = {k: str(world.rep_b.pk) if v == "rep_b" else v for k, v in query.items()}
    assert names(api(world.rep_a).get(URL, query)) == expected


@time_machine.travel(TODAY, tick=False)
def test_api_filters_by_parent_id_and_the_manager_sees_both_reps(world, api, book):
    client = api(world.manager)
    assert names(client.get(URL, {"parent": book["group"].pk})) == ["北方茶庄", "龙井分公司"]
    assert names(client.get(URL, {"value_tier": "A"})) == ["北方茶庄", "西湖茶业集团"]
    assert names(client.get(URL, {"phone": "0571 8888"})) == ["北方茶庄", "西湖茶业集团"]
    # the rep sees only their own subsidiary of the same parent
    assert names(api(world.rep_a).get(URL, {"parent": book["group"].pk})) == ["龙井分公司"]


@pytest.mark.parametrize(
    "query",
    [
        {"value_tier": "Z"},
        {"credit_limit_min": "很多"},
        {"credit_limit_max": "-1"},
        {"phone": "123"},  # fewer than 4 digits
        {"followup_after": "明天"},
        {"parent": "abc"},
        {"owner": "4.354301790119036e+16"},  # a record id is a whole number
        {"department": "-4.488459486337341e+184"},  # that the database can hold
        {"parent": str(2**63)},
    ],
)
def test_api_refuses_bad_conditions_with_a_clear_error(world, api, book, query):
    response = api(world.rep_a).get(URL, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json()["fields"])


def test_phone_condition_error_is_translated(world, api, book):
    response = api(world.rep_a).get(URL, {"phone": "12"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "4 位数字" in str(response.json())


@time_machine.travel(TODAY, tick=False)
def test_list_screen_applies_new_conditions_and_keeps_them_in_the_page_links(world, web, book):
    client = web(world.rep_a)
    query = {"value_tier": "B", "credit_limit_min": "1000", "parent_q": "西湖", "email": "lj@"}
    page = client.get(LIST, query)
    assert listed(page) == ["龙井分公司"]
    html = page.content.decode()
    assert '<details class="col-12 order-last" open' in html
    assert 'name="credit_limit_min" value="1000"' in html
    assert 'value="B" selected' in html
    assert dict(parse_qsl(page.context["current_query"])) == query  # what "save" would store


@time_machine.travel(TODAY, tick=False)
def test_list_screen_shows_bad_conditions_and_leaves_them_out(world, web, book):
    page = web(world.rep_a).get(LIST, {"phone": "12", "value_tier": "B"})
    assert listed(page) == ["龙井分公司"]  # the valid condition still applies
    html = page.content.decode()
    assert 'data-testid="filter-errors"' in html and "4 位数字" in html


@time_machine.travel(TODAY, tick=False)
def test_saved_filter_round_trip_with_the_new_conditions(world, web, book):
    client = web(world.rep_a)
    query = (
        "value_tier=B&credit_limit_min=1000&credit_limit_max=100000&parent_q=%E8%A5%BF%E6%B9%96"
        "&email=xihutea&phone=0571&tag=%E5%8D%8E%E4%B8%9C&source=referral"
        "&registered_after=2026-01-01&followup_after=2026-12-01&followup_due=2026-12-31"
        "&lifecycle_stage=target&after=5"
    )
    response = client.post(
        reverse("customers:saved_filter_save"),
        {"name": "华东子公司", "query": query, "shared": "1"},
    )
    assert response.status_code == 302
    with all_orgs():
        saved = SavedFilter.objects.get(name="华东子公司")
    assert saved.entity == "customer"
    stored = dict(parse_qsl(saved.query))
    assert "after" not in stored and stored["parent_q"] == "西湖" and stored["value_tier"] == "B"
    # reapplied from the saved-filter link, the list shows the same customers
    page = client.get(f"{LIST}?{saved.query}")
    assert listed(page) == ["龙井分公司"]
    assert page.context["current_query"] == saved.query  # the saved filter shows as active
    assert 'class="btn btn-outline-primary active"' in page.content.decode()
    # shared with rep_b, it runs inside rep_b's own scope: none of rep_a's customers
    other = web(world.rep_b).get(f"{LIST}?{saved.query}")
    assert listed(other) == []
    assert "华东子公司" in other.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_export_takes_the_new_conditions(world, book):
    params = jobs.filter_params(
        {"value_tier": "A", "credit_limit_min": "1", "phone": "8888", "ignored": "x"}
    )
    assert params == {"value_tier": "A", "credit_limit_min": "1", "phone": "8888"}
    assert {"value_tier", "parent_q", "email", "phone", "followup_after"} <= set(jobs.FILTER_KEYS)


@time_machine.travel(TODAY, tick=False)
def test_filter_never_leaves_the_org(world, other_world, api, book):
    with org_scope(other_world.org):
        services.customer_create(
            actor=other_world.admin, name="西湖茶业外部", email="x@xihutea.example",
            phone="0571-8888 0000", credit_limit=decimal.Decimal("1"),
        )  # fmt: skip
    client = api(world.admin)
    assert "西湖茶业外部" not in names(client.get(URL, {"email": "xihutea"}))
    assert "西湖茶业外部" not in names(client.get(URL, {"phone": "8888"}))
    assert "西湖茶业外部" not in names(client.get(URL, {"credit_limit_max": "10"}))


def test_every_filter_declares_a_label_or_choices():
    """The list panel, the API schema and the export read the same declared filters."""
    for name, declared in CustomerFilter.base_filters.items():
        assert declared.label or declared.extra.get("choices"), name


@time_machine.travel(TODAY, tick=False)
def test_list_query_count_does_not_grow_with_conditions_or_rows(
    world, web, book, django_assert_max_num_queries
):
    client = web(world.manager)
    every = {
        "value_tier": "A", "credit_limit_min": "1", "credit_limit_max": "9999999",
        "parent_q": "西湖茶业", "has_parent": "true", "email": "xihutea", "phone": "0571 8888",
        "tag": "重点", "source": "referral", "registered_after": "2020-01-01",
        "registered_before": "2030-01-01", "lifecycle_stage": "target",
    }  # fmt: skip
    # same budget as the plain list (test_views): the conditions are in the list's queries
    with django_assert_max_num_queries(14):
        page = client.get(LIST, every)
    assert page.status_code == 200
    with org_scope(world.org):
        for index in range(30):
            services.customer_create(
                actor=world.rep_b, name=f"分号{index}", parent=book["group"],
                email=f"n{index}@xihutea.example", phone=f"0571-8888 {index:04d}",
                credit_limit=decimal.Decimal("100"), tags=["重点"], source="referral",
            )  # fmt: skip
        Customer.objects.filter(name__startswith="分号").update(value_tier="A")
    with django_assert_max_num_queries(14):
        page = client.get(LIST, every)
    assert len(page.context["rows"]) == 25


@time_machine.travel(TODAY, tick=False)
def test_api_list_query_count_stays_flat_with_conditions(
    world, api, book, django_assert_max_num_queries
):
    client = api(world.manager)
    query = {"parent_q": "西湖", "email": "xihutea", "phone": "8888", "value_tier": "A"}
    with django_assert_max_num_queries(10):
        assert names(client.get(URL, query)) == ["北方茶庄"]


@pytest.mark.parametrize(
    "query", [{"department": "-4.488459486337341e+184"}, {"owner": "0"}, {"customer": str(2**70)}]
)
def test_contact_api_refuses_ids_no_record_can_have(world, api, query):
    response = api(world.rep_a).get("/api/v1/contacts", query)
    assert response.status_code == 400
    assert set(query) <= set(response.json()["fields"])


@pytest.mark.parametrize(
    "query",
    [{"source": "地点不能超过 %(n)s 字。"}, {"level": "%s%d"}, {"industry": "100%"}],
)
def test_a_condition_value_with_percent_signs_is_refused_as_text(world, api, query):
    response = api(world.rep_a).get(URL, query)
    assert response.status_code == 400
    (name,) = query
    assert query[name] in response.json()["fields"][name][0]
