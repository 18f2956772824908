"""Screens acting on many customers: bulk edit, transfer, merge, handover, lifecycle,
and the duplicate warning of the customer form."""

import re

import pytest
from django.urls import reverse

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


@pytest.fixture
def book(world):
    with org_scope(world.org):
        a = services.customer_create(
            actor=world.rep_a, name="北京华为技术有限公司", phone="13800001111"
        )
        b = services.customer_create(actor=world.rep_a, name="华为技术（北京）有限公司")
        services.contact_create(actor=world.rep_a, customer=b, name="李娜")
        c = services.customer_create(actor=world.manager, owner=world.rep_b, name="丙公司")
    return a, b, c


def _get(pk):
    with all_orgs():
        return Customer.with_deleted.get(pk=pk)


def test_list_offers_bulk_actions_by_permission(world, web, book):
    page = text(web(world.manager).get(reverse("customers:customer_list")))
    for testid in ("bulk-edit", "bulk-transfer", "bulk-merge", "select-all", "handover-page"):
        assert f'data-testid="{testid}"' in page
    rep_page = text(web(world.rep_a).get(reverse("customers:customer_list")))
    assert 'data-testid="bulk-edit"' in rep_page and 'data-testid="bulk-merge"' not in rep_page
    readonly = text(web(world.readonly).get(reverse("customers:customer_list")))
    assert 'data-testid="select-row"' not in readonly


def test_bulk_edit_screen_changes_all_chosen(world, web, book):
    a, b, _c = book
    client = web(world.rep_a)
    url = reverse("customers:bulk_edit")
    page = client.get(url, {"ids": [a.pk, b.pk]})
    assert "已选 2 个客户" in text(page)
    response = client.post(
        url, {"ids": f"{a.pk},{b.pk}", "region": "北京市", "add_tags": "重点 战略"}
    )
    assert response.status_code == 302
    assert _get(a.pk).region == "北京市" and _get(b.pk).tags == ["重点", "战略"]


def test_bulk_edit_refusal_shows_the_reason_and_changes_nothing(world, web, book):
    a, _b, c = book
    response = web(world.rep_a).post(
        reverse("customers:bulk_edit"), {"ids": f"{a.pk},{c.pk}", "region": "上海"}
    )
    assert response.status_code == 400
    assert "不在您的数据权限内" in text(response)
    assert _get(a.pk).region == ""
    empty = web(world.rep_a).post(reverse("customers:bulk_edit"), {"ids": f"{a.pk}"})
    assert empty.status_code == 400 and "请至少填写一项" in text(empty)


def test_transfer_screen(world, web, book):
    a, b, _c = book
    response = web(world.manager).post(
        reverse("customers:transfer"),
        {"ids": f"{a.pk},{b.pk}", "owner": str(world.rep_b.pk), "with_contacts": "on"},
    )
    assert response.status_code == 302
    assert _get(a.pk).owner_id == world.rep_b.pk and _get(b.pk).owner_id == world.rep_b.pk
    assert web(world.rep_a).get(reverse("customers:transfer")).status_code == 403


def test_merge_screen_previews_then_merges(world, web, book):
    a, b, _c = book
    client = web(world.manager)
    url = reverse("customers:merge")
    page = text(client.get(url, {"ids": [a.pk, b.pk]}))
    assert 'data-testid="merge-field-name"' in page
    assert re.search(r"联系人：<strong>1</strong>", page)
    response = client.post(
        url,
        {"ids": f"{a.pk},{b.pk}", "survivor": str(a.pk), "pick_name": str(b.pk),
         "version": str(a.version)},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/customers/{a.pk}/"
    survivor = _get(a.pk)
    assert survivor.name == "华为技术（北京）有限公司"
    assert _get(b.pk).merged_into_id == a.pk
    with all_orgs():
        assert Contact.objects.get(name="李娜").customer_id == a.pk
    detail = text(client.get(f"/customers/{a.pk}/"))
    assert 'data-testid="merge-history"' in detail and b.code in detail


def test_merge_screen_refuses_a_single_customer(world, web, book):
    a, _b, _c = book
    response = web(world.manager).get(reverse("customers:merge"), {"ids": [a.pk]}, follow=True)
    assert "请至少选择一个要并入的客户" in text(response)


def test_handover_screen_moves_chosen_customers(world, web, book):
    a, b, _c = book
    client = web(world.manager)
    url = reverse("customers:handover")
    page = text(client.get(url, {"source": world.rep_a.pk}))
    assert 'data-testid="owned-list"' in page and "张三 负责 2 个客户" in page
    response = client.post(
        url,
        {"source": str(world.rep_a.pk), "target": str(world.rep_b.pk), "scope": "chosen",
         "customers": [str(b.pk)]},
    )  # fmt: skip
    assert response.status_code == 302
    assert _get(b.pk).owner_id == world.rep_b.pk and _get(a.pk).owner_id == world.rep_a.pk


def test_left_employee_page_offers_handover(world, web):
    with org_scope(world.org):
        from guanxi.orgs import services as org_services

        org_services.employee_leave(actor=world.admin, employee=world.rep_a)
    page = text(web(world.admin).get(reverse("orgs:employee_edit", args=[world.rep_a.pk])))
    assert f"/customers/handover/?source={world.rep_a.pk}" in page


def test_lifecycle_page_counts_within_scope(world, web, book):
    a, _b, _c = book
    with org_scope(world.org):
        services.customer_update(actor=world.rep_a, customer=a, lifecycle_stage="potential")
    page = text(web(world.rep_a).get(reverse("customers:lifecycle")))
    assert re.search(r'data-testid="count-target">1<', page)
    assert re.search(r'data-testid="count-potential">1<', page)
    assert 'data-testid="stage-changes"' in page
    manager = text(web(world.manager).get(reverse("customers:lifecycle")))
    assert re.search(r'data-testid="count-target">2<', manager)


def test_create_form_warns_of_duplicates_until_confirmed(world, web, book):
    client = web(world.rep_a)
    url = reverse("customers:customer_create")
    data = {"name": "华为技术有限公司（北京）", "lifecycle_stage": "target"}
    warned = client.post(url, data)
    assert warned.status_code == 200 and 'data-testid="duplicate-warning"' in text(warned)
    with org_scope(world.org):
        assert Customer.objects.count() == 3
    created = client.post(url, {**data, "allow_duplicate": "1"})
    assert created.status_code == 302
    partial = text(client.get(reverse("customers:duplicates"), {"phone": "138-0000-1111"}))
    assert "北京华为技术有限公司" in partial


def test_customer_page_lists_every_contact_but_offers_edits_only_in_scope(world, web):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="甲公司")
        services.contact_create(actor=world.rep_a, customer=customer, name="自己的联系人")
        services.contact_create(
            actor=world.admin, customer=customer, name="同事的联系人", owner=world.rep_b
        )
    page = text(web(world.rep_a).get(f"/customers/{customer.pk}/"))
    assert "自己的联系人" in page and "同事的联系人" in page
    assert page.count('data-testid="edit-contact"') == 1


def test_customer_page_shows_credit_value_follow_ups_and_loads_pool_and_care_cards(world, web):
    import datetime

    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="甲公司", credit_limit="8000")
        services.customer_set_followups(
            customer_id=customer.pk,
            last_at=datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC),
            next_on=datetime.date(2026, 12, 8),
        )
        Customer.objects.filter(pk=customer.pk).update(value_tier="A")
    client = web(world.rep_a)
    page = text(client.get(f"/customers/{customer.pk}/"))
    assert re.search(r'data-testid="value-tier">A 类', page)
    assert 'data-testid="next-followup">2026-12-08<' in page
    assert "8000.00" in page
    for card in ("pool_panel", "care_panel"):
        url = reverse(f"customers:{card}", args=[customer.pk])
        assert f'hx-get="{url}"' in page
        assert client.get(url).status_code == 200


def test_api_shows_value_tier_and_follow_ups_read_only(world, api):
    client = api(world.rep_a)
    created = client.post(
        "/api/v1/customers", {"name": "乙公司", "value_tier": "A", "in_pool": True}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["value_tier"] == "" and body["in_pool"] is False
    assert body["last_followup_at"] is None and body["next_followup_on"] is None


def test_navigation_marks_only_the_closest_entry(world, web):
    page = text(web(world.manager).get(reverse("customers:pool_list")))
    active = re.findall(r'class="nav-link active" href="([^"]+)"', page)
    assert active == [reverse("customers:pool_list")]


def test_holiday_greetings_for_the_ticked_customers(world, web, book):
    from guanxi.customers.models import CareTask

    a, b, _c = book
    client = web(world.rep_a)
    page = text(client.get(reverse("customers:greeting"), {"ids": [a.pk, b.pk]}))
    assert "已选 2 个客户" in page
    response = client.post(
        reverse("customers:care_holiday"),
        {"ids": [str(a.pk), str(b.pk)], "title": "春节问候", "due_on": "2027-02-05"},
    )
    assert response.status_code == 302
    with all_orgs():
        tasks = CareTask.objects.filter(kind="holiday").order_by("customer_id")
        assert [t.customer_id for t in tasks] == [a.pk, b.pk]
        assert {t.title for t in tasks} == {"春节问候"}


def test_customer_page_shows_the_lifecycle_history(world, web):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="丁公司")
        services.customer_update(actor=world.rep_a, customer=customer, lifecycle_stage="potential")
        services.lifecycle_event(customer=customer, event="opportunity")
    page = text(web(world.rep_a).get(f"/customers/{customer.pk}/"))
    assert page.count('data-testid="stage-change"') == 3
    assert "潜在客户 → <strong>机会客户</strong>" in page


def test_handover_page_lists_only_customers_in_the_actors_scope(world, web):
    with org_scope(world.org):
        services.customer_create(actor=world.admin, owner=world.agent, name="客服部的客户")
    page = text(web(world.manager).get(reverse("customers:handover"), {"source": world.agent.pk}))
    assert "客服部的客户" not in page
    admin_page = text(
        web(world.admin).get(reverse("customers:handover"), {"source": world.agent.pk})
    )
    assert "客服部的客户" in admin_page
