"""The contacts list: conditions (gender, title, department, mobile/e-mail, birthdays,
customer level…), saved filters, keyset pages and the vCard export of what it shows,
always inside the reader's data scope."""

import datetime
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.urls import reverse

from guanxi.audit.models import ExportRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.filters import month_day_ranges
from guanxi.orgs.models import SavedFilter

pytestmark = pytest.mark.django_db
URL = "/api/v1/contacts"
LIST = reverse("customers:contact_list")
TODAY = datetime.datetime(2026, 12, 20, 9, tzinfo=datetime.UTC)


def names(response):
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def listed(response):
    assert response.status_code == 200
    return sorted(row.name for row in response.context["rows"])


@pytest.fixture
def people(world):
    """rep_a's key customer with three contacts; rep_b's customer with one."""
    with org_scope(world.org):
        key = services.customer_create(actor=world.rep_a, name="西湖茶业", level="key")
        minor = services.customer_create(actor=world.rep_a, name="街角小店", level="minor")
        theirs = services.customer_create(actor=world.rep_b, name="北方茶庄", level="key")
        services.contact_create(
            actor=world.rep_a, customer=key, name="陈静", gender="female", title="采购经理",
            department_name="采购部", mobile="13612345678", email="chen@xihu.example",
            birthday=datetime.date(1990, 12, 25), is_primary=True,
        )  # fmt: skip
        services.contact_create(
            actor=world.rep_a, customer=key, name="王强", gender="male", title="财务总监",
            department_name="财务部", office_phone="0571-8765 4321",
            birthday=datetime.date(1985, 1, 3),
        )  # fmt: skip
        services.contact_create(
            actor=world.rep_a, customer=minor, name="刘洋", gender="male", title="店长",
            mobile="13900001111", birthday=datetime.date(1992, 6, 1),
        )  # fmt: skip
        services.contact_create(
            actor=world.rep_b, customer=theirs, name="李雷", gender="male", title="采购经理",
            mobile="13812340000", email="li@north.example", birthday=datetime.date(1988, 12, 22),
        )  # fmt: skip
    return {"key": key, "minor": minor, "theirs": theirs}


@pytest.mark.parametrize(
    ("start", "days", "ranges"),
    [
        (datetime.date(2026, 3, 1), 30, [(301, 331)]),
        (datetime.date(2026, 12, 20), 30, [(1220, 1231), (101, 119)]),
        (datetime.date(2026, 2, 20), 10, [(220, 302)]),  # takes in 29 February
        (datetime.date(2026, 5, 5), 0, [(505, 505)]),
        (datetime.date(2026, 5, 5), 366, [(101, 1231)]),
    ],
)
def test_birthday_window_as_month_day_ranges(start, days, ranges):
    assert month_day_ranges(start, days) == ranges


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"gender": "female"}, ["陈静"]),
        ({"gender": "male"}, ["刘洋", "王强"]),  # rep_b's 李雷 stays out of sight
        ({"title": "采购"}, ["陈静"]),
        ({"department_name": "财务"}, ["王强"]),
        ({"has_mobile": "true"}, ["刘洋", "陈静"]),
        ({"has_mobile": "false"}, ["王强"]),
        ({"has_email": "true"}, ["陈静"]),
        ({"has_email": "false"}, ["刘洋", "王强"]),
        ({"email": "xihu.example"}, ["陈静"]),
        ({"phone": "8765 4321"}, ["王强"]),
        ({"phone": "1390000"}, ["刘洋"]),
        ({"birthday_month": "12"}, ["陈静"]),
        ({"birthday_month": "1"}, ["王强"]),
        ({"birthday_within": "7"}, ["陈静"]),  # 20 Dec → 27 Dec
        ({"birthday_within": "30"}, ["王强", "陈静"]),  # across the new year
        ({"customer_level": "key"}, ["王强", "陈静"]),
        ({"customer_level": "minor", "gender": "male"}, ["刘洋"]),
        ({"is_primary": "true"}, ["刘洋", "陈静"]),  # 刘洋: the only contact, so primary
        ({"q": "陈静"}, ["陈静"]),
        ({"owner": "rep_b"}, []),
    ],
)
def test_api_filters_contacts_within_the_data_scope(world, api, people, query, expected):
    query = {k: str(world.rep_b.pk) if v == "rep_b" else v for k, v in query.items()}
    assert names(api(world.rep_a).get(URL, query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"gender": "other"},
        {"birthday_month": "13"},
        {"birthday_within": "-1"},
        {"birthday_within": "400"},
        {"phone": "12"},
        {"customer": "x"},
    ],
)
def test_api_refuses_bad_contact_conditions(world, api, people, query):
    response = api(world.rep_a).get(URL, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json()["fields"])


@time_machine.travel(TODAY, tick=False)
def test_contact_list_page_filters_masks_and_pages(world, web, people):
    client = web(world.rep_a)
    page = client.get(LIST)
    assert listed(page) == ["刘洋", "王强", "陈静"]  # not 李雷 (rep_b's)
    html = page.content.decode()
    assert "136****5678" in html and "13612345678" not in html  # reps see masked numbers
    assert 'data-testid="export-vcard"' not in html  # no export right
    page = client.get(LIST, {"gender": "male", "birthday_within": "30"})
    assert listed(page) == ["王强"]
    assert '<details class="col-12 order-last"' in page.content.decode()
    bad = client.get(LIST, {"birthday_month": "13", "gender": "female"})
    assert listed(bad) == ["陈静"]
    assert 'data-testid="filter-errors"' in bad.content.decode()


def test_contact_list_is_in_the_navigation_for_those_who_may_see_contacts(world, web):
    html = web(world.rep_a).get(reverse("customers:customer_list")).content.decode()
    assert f'href="{LIST}"' in html


def test_contact_list_needs_the_contacts_view_right(world, web):
    from guanxi.orgs.models import Role
    from guanxi.orgs.tests.factories import EmployeeFactory

    with all_orgs():
        bare = Role.objects.create(org=world.org, name="只看客户", permissions=["customers.view"])
        nobody = EmployeeFactory(
            org=world.org, name="无权限", username="nobody", department=world.sales, roles=[bare]
        )
    assert web(nobody).get(LIST).status_code == 403


def test_contact_list_pages_by_cursor_with_a_flat_query_count(
    world, web, people, django_assert_max_num_queries
):
    client = web(world.manager)
    with django_assert_max_num_queries(14):
        first = client.get(LIST, {"customer_level": "key", "has_mobile": "true"})
    assert listed(first) == ["李雷", "陈静"]
    with org_scope(world.org):
        for index in range(30):
            services.contact_create(
                actor=world.manager, customer=people["key"], name=f"联系人{index:02d}",
                mobile=f"1370000{index:04d}", owner=world.rep_a,
            )  # fmt: skip
    with django_assert_max_num_queries(14):
        first = client.get(LIST, {"customer_level": "key", "has_mobile": "true"})
    rows = first.context["rows"]
    assert len(rows) == 25 and rows[0].name == "联系人29"
    assert "共 32 条" in first.content.decode()
    next_url = first.context["next_url"]
    assert next_url and "after=" in next_url and "customer_level=key" in next_url
    second = client.get(LIST + next_url)
    assert [row.name for row in second.context["rows"]] == [
        *(f"联系人{i:02d}" for i in range(4, -1, -1)), "李雷", "陈静",
    ]  # fmt: skip
    assert second.context["next_url"] is None and 'data-testid="page-first"' in (
        second.content.decode()
    )


@time_machine.travel(TODAY, tick=False)
def test_contact_saved_filters_round_trip_and_stay_apart_from_customer_ones(world, web, people):
    client = web(world.rep_a)
    save = reverse("customers:saved_filter_save")
    query = "gender=male&birthday_within=30&has_mobile=false&customer_level=key&after=9"
    response = client.post(save, {"entity": "contact", "name": "年底生日", "query": query})
    assert response.status_code == 302 and response["Location"].startswith(LIST + "?")
    with all_orgs():
        saved = SavedFilter.objects.get(name="年底生日")
    assert saved.entity == "contact" and "after" not in dict(parse_qsl(saved.query))
    page = client.get(f"{LIST}?{saved.query}")
    assert listed(page) == ["王强"]
    assert page.context["saved_filters"] == [saved]
    assert client.get(reverse("customers:customer_list")).context["saved_filters"] == []
    # shared, it runs in the other rep's own scope
    client.post(save, {"entity": "contact", "name": "男士", "query": "gender=male", "shared": "1"})
    other = web(world.rep_b)
    page = other.get(LIST, {"gender": "male"})
    assert listed(page) == ["李雷"] and [s.name for s in page.context["saved_filters"]] == ["男士"]
    # the delete form names the list; the wrong kind or someone else's: not found
    delete = reverse("customers:saved_filter_delete", args=[saved.pk])
    assert web(world.rep_b).post(delete, {"entity": "contact"}).status_code == 404
    assert web(world.rep_a).post(delete, {"entity": "customer"}).status_code == 404
    assert web(world.rep_a).post(delete, {"entity": "lead"}).status_code == 404
    response = web(world.rep_a).post(delete, {"entity": "contact"})
    assert response.status_code == 302 and response["Location"] == LIST
    with all_orgs():
        assert not SavedFilter.objects.filter(pk=saved.pk).exists()


@time_machine.travel(TODAY, tick=False)
def test_vcard_button_exports_the_filtered_list_masked_and_audited(world, web, people):
    """The list's button downloads the API's vCard of the same conditions, signed in by
    the browser session; phones follow the reader's right to see them."""
    client = web(world.manager)
    page = client.get(LIST, {"gender": "male", "has_mobile": "true"})
    html = page.content.decode()
    assert 'data-testid="export-vcard"' in html
    href = "/api/v1/contacts/vcard?gender=male&amp;has_mobile=true"
    assert f'href="{href}"' in html
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/vcard")
    text = response.content.decode()
    assert text.count("BEGIN:VCARD") == 2 and "FN:刘洋" in text and "FN:李雷" in text
    assert "FN:王强" not in text  # no mobile
    with all_orgs():
        record = ExportRecord.objects.get(entity="customers.contact")
    assert record.row_count == 2
    assert record.filters == {"gender": "male", "has_mobile": "true"}  # the list's conditions


@time_machine.travel(TODAY, tick=False)
def test_vcard_of_the_list_respects_scope_and_masking_for_a_limited_reader(world, web, people):
    from guanxi.orgs.models import Role

    with all_orgs():
        rep_role = Role.objects.get(org=world.org, name="销售代表")
    _grant(rep_role, "contacts.export")
    client = web(world.rep_a)
    text = client.get("/api/v1/contacts/vcard", {"birthday_month": "12"}).content.decode()
    assert "FN:陈静" in text and "FN:李雷" not in text  # 李雷 is rep_b's
    assert "TEL;TYPE=CELL:136****5678" in text and "13612345678" not in text


def _grant(role_obj, capability):
    with all_orgs():
        role_obj.permissions = sorted({*role_obj.permissions, capability})
        role_obj.save(update_fields=["permissions"])
