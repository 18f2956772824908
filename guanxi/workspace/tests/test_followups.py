"""Timelines of any record, and 我的跟进 (my follow-ups): what they show, to whom, flagged
how, paged how, and at what cost in queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customer_services
from guanxi.workspace import selectors, services, targets
from guanxi.workspace.models import Activity

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MINE = "/activities/mine/"


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")


@pytest.fixture
def contact(world, customer):
    with org_scope(world.org):
        return customer_services.contact_create(actor=world.rep_a, customer=customer, name="陈静")


def _add(world, actor=None, **fields):
    fields.setdefault("content", "电话沟通了报价")
    with org_scope(world.org):
        return services.activity_create(actor=actor or world.rep_a, **fields)


def _ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def _in(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_contact_timeline_and_customer_timeline(world, web, customer, contact):
    """A follow-up on a contact shows on the contact's timeline and on its customer's; one on
    the customer naming the contact shows on both too; others only on the customer's."""
    _add(world, target=("contact", contact.pk), content="微信问候陈静")
    _add(world, customer=customer, contact=contact, content="与陈静开会")
    _add(world, customer=customer, content="寄送样品")
    client = web(world.rep_a)
    card = client.get(f"/activities/for/contact/{contact.pk}/", **HTMX).content.decode()
    assert card.lstrip().startswith('<div class="card mt-3" id="activities"')
    assert "微信问候陈静" in card and "与陈静开会" in card and "寄送样品" not in card
    assert 'name="contact"' not in card  # the contact is the record itself
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert page.count('data-testid="activity-item"') == 3
    full = client.get(f"/activities/for/contact/{contact.pk}/").content.decode()
    assert "<html" in full and full.count('data-testid="activity-item"') == 2


def test_timeline_of_an_unknown_type_or_invisible_record_is_404(world, other_world, web, customer):
    with org_scope(other_world.org):
        foreign = customer_services.customer_create(actor=other_world.admin, name="外组织客户")
    assert web(world.rep_a).get("/activities/for/planet/1/").status_code == 404
    assert web(world.rep_b).get(f"/activities/for/customer/{customer.pk}/").status_code == 404
    assert web(world.admin).get(f"/activities/for/customer/{foreign.pk}/").status_code == 404
    response = web(world.rep_b).post(
        f"/activities/for/customer/{customer.pk}/add/", {"content": "x", "kind": "call"}
    )
    assert response.status_code == 404
    with all_orgs():
        assert Activity.objects.count() == 0


def test_add_on_a_contact_with_htmx_and_the_full_form_with_participants(
    world, web, customer, contact
):
    client = web(world.rep_a)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/activities/for/contact/{contact.pk}/add/",
        {"kind": "visit", "occurred_at": now, "content": "拜访陈静", "outcome": "同意试用"},
        **HTMX,
    )
    html = response.content.decode()
    assert 'data-testid="activity-saved"' in html and "同意试用" in html
    form = client.get(f"/activities/for/customer/{customer.pk}/add/").content.decode()
    assert f'<option value="{world.manager.pk}">' in form  # colleagues may take part
    response = client.post(
        f"/activities/for/customer/{customer.pk}/add/",
        {"kind": "meeting", "occurred_at": now, "content": "季度会议",
         "participants": [str(world.manager.pk)], "participant_contacts": [str(contact.pk)]},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("#activities")
    with org_scope(world.org):
        meeting = Activity.objects.get(content="季度会议")
        on_contact = Activity.objects.get(content="拜访陈静")
        assert meeting.participant_ids == [world.manager.pk]
        assert meeting.participant_contact_ids == [contact.pk]
    assert (on_contact.target_type, on_contact.target_id) == ("contact", contact.pk)
    assert on_contact.customer_id == customer.pk and on_contact.contact_id == contact.pk
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "王经理" in page and 'data-testid="activity-participants"' in page


def test_timeline_queries_do_not_grow_with_the_rows(world, web, customer, contact):
    client = web(world.rep_a)
    url = f"/activities/for/contact/{contact.pk}/"

    def add(n):
        for i in range(n):
            _add(world, target=("contact", contact.pk), content=f"第{i}次",
                 participants=[world.manager], participant_contacts=[contact],
                 next_followup_on=_in(1))  # fmt: skip

    add(1)
    client.get(url, **HTMX)
    with CaptureQueriesContext(connection) as one:
        client.get(url, **HTMX)
    add(29)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url, **HTMX).content.decode()
    assert html.count('data-testid="activity-item"') == selectors.TIMELINE_LIMIT
    assert len(many.captured_queries) == len(one.captured_queries)


def test_my_followups_flags_overdue_in_red_and_tabs_by_due_date(world, web, customer, contact):
    with org_scope(world.org):
        other = customer_services.customer_create(actor=world.rep_a, name="宁波港务")
    _add(world, customer=customer, content="报价", occurred_at=_ago(5), next_followup_on=_in(-2),
         next_followup_note="催回款")  # fmt: skip
    _add(world, customer=other, content="演示", occurred_at=_ago(1), next_followup_on=_in(0))
    _add(world, target=("contact", contact.pk), content="问候", next_followup_on=_in(3))
    _add(world, actor=world.manager, customer=other, content="主管的", occurred_at=_ago(3),
         next_followup_on=_in(0))  # fmt: skip
    client = web(world.rep_a)
    page = client.get(MINE).content.decode()
    assert page.count('data-testid="activity-item"') == 3  # mine only, planned
    assert page.index("报价") < page.index("演示") < page.index("问候")  # by next date
    assert page.count('data-testid="activity-overdue"') == 1
    assert 'text-danger fw-semibold" data-testid="activity-next" data-state="overdue"' in page
    assert 'data-testid="overdue-count"' in page
    assert "杭州西湖茶业有限公司" in page and 'data-testid="activity-target"' in page
    overdue = client.get(MINE, {"due": "overdue"}).content.decode()
    assert overdue.count('data-testid="activity-item"') == 1 and "催回款" in overdue
    assert client.get(MINE, {"due": "today"}).content.decode().count("activity-item") == 1
    upcoming = client.get(MINE, {"due": "upcoming", "target": "contact"}).content.decode()
    assert upcoming.count('data-testid="activity-item"') == 1 and "问候" in upcoming
    assert (
        "问候" not in client.get(MINE, {"due": "upcoming", "target": "customer"}).content.decode()
    )
    # a later follow-up on the customer takes the overdue plan over
    _add(world, customer=customer, content="已回访")
    assert 'data-testid="activity-overdue"' not in client.get(MINE).content.decode()
    everything = client.get(MINE, {"due": "all", "type": "call"}).content.decode()
    assert everything.count('data-testid="activity-item"') == 4


def test_my_followups_pages_by_keyset_with_constant_queries(world, web, customer):
    client = web(world.rep_a)
    moment = _ago(40)

    def add(n, start):
        for i in range(n):
            _add(world, customer=customer, content=f"计划{start + i:02d}", occurred_at=moment,
                 next_followup_on=_in(-30 + start + i))  # fmt: skip

    add(1, 0)
    client.get(MINE)
    with CaptureQueriesContext(connection) as one:
        client.get(MINE)
    add(29, 1)
    with CaptureQueriesContext(connection) as many:
        first = client.get(MINE).content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)
    # none superseded: each was recorded at the same moment, none later than another
    assert first.count('data-testid="activity-item"') == 25 and "计划24" in first
    response = client.get(MINE)
    next_url = response.context["next_url"]
    assert next_url and "after=" in next_url
    second = client.get(MINE + next_url).content.decode()
    assert second.count('data-testid="activity-item"') == 5
    assert "计划25" in second and "计划24" not in second
    assert client.get(MINE, {"after": "garbage", "due": "nonsense"}).status_code == 200


def test_followups_due_selector_and_card(world, customer):
    from django.template.loader import render_to_string

    _add(world, customer=customer, content="过期", occurred_at=_ago(3), next_followup_on=_in(-1))
    with org_scope(world.org):
        other = customer_services.customer_create(actor=world.rep_a, name="宁波港务")
    _add(world, customer=other, content="以后", next_followup_on=_in(5))
    with org_scope(world.org):
        rows = selectors.followups_due(world.rep_a, 5)
        assert [row.content for row in rows] == ["过期"]
        assert selectors.followups_due(world.rep_b, 5) == []
        html = render_to_string(
            "workspace/_followups_due_card.html",
            {"followups_due": rows, "today": timezone.localdate()},
        )
    assert "杭州西湖茶业有限公司" in html and "text-danger" in html


def test_a_registered_type_without_customer_works_end_to_end(world, web):
    """A later module registers its records (here: employees stand in for a lead-like
    record with its own module); follow-ups on them need no customer."""
    from guanxi.orgs.models import Employee

    targets.register(
        Employee,
        key="colleague",
        module="employees",
        label="同事",
        link=lambda employee: f"/employees/{employee.pk}/",
        visible=lambda employee: Employee.objects.all(),
    )
    try:
        activity = _add(world, actor=world.admin, target=("colleague", world.rep_b.pk),
                        next_followup_on=_in(-1), occurred_at=_ago(2))  # fmt: skip
        with org_scope(world.org):
            assert activity.customer_id is None and activity.is_overdue
        page = web(world.admin).get(MINE).content.decode()
        assert "同事" in page and f"/employees/{world.rep_b.pk}/" in page
        card = web(world.admin).get(f"/activities/for/colleague/{world.rep_b.pk}/", **HTMX)
        assert "电话沟通了报价" in card.content.decode()
    finally:
        targets._targets.pop("colleague", None)


def test_edit_a_follow_up_on_a_contact_returns_to_the_contacts_timeline(
    world, web, customer, contact
):
    activity = _add(world, target=("contact", contact.pk), content="微信问候",
                    participants=[world.manager])  # fmt: skip
    client = web(world.rep_a)
    assert client.get(f"/activities/for/contact/{contact.pk}/add/").status_code == 200
    form = client.get(f"/activities/{activity.pk}/edit/").content.decode()
    assert 'name="contact"' not in form and f'<option value="{world.manager.pk}" selected>' in form
    response = client.post(
        f"/activities/{activity.pk}/edit/",
        {"kind": "note", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
         "content": "微信问候，已回复", "outcome": "约下周见面", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/activities/for/contact/{contact.pk}/#activities"
    with org_scope(world.org):
        stored = Activity.objects.get(pk=activity.pk)
        assert stored.outcome == "约下周见面" and stored.contact_id == contact.pk
        assert stored.participant_ids == []  # the form sent none
    assert client.post(f"/activities/{activity.pk}/delete/").status_code == 302
