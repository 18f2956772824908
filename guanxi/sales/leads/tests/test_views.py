"""The lead screens: list (filters, bulk), detail (score, timeline), create, edit,
status, convert (duplicate warning and pick), rules pages, start-page card, search."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.leads import services
from guanxi.sales.leads.models import AssignmentRule, Lead, ScoringRule
from guanxi.sales.leads.tests.helpers import make_lead
from guanxi.workspace import services as activity_services

pytestmark = pytest.mark.django_db


def test_list_shows_scope_and_filters(world, web):
    mine = make_lead(world.rep_a, owner=world.rep_a, company_name="我的公司")
    make_lead(world.rep_b, owner=world.rep_b, company_name="别人的公司")
    page = web(world.rep_a).get("/leads/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "我的公司" in text and "别人的公司" not in text
    page = web(world.rep_a).get("/leads/", {"q": "不存在"})
    assert "我的公司" not in page.content.decode()
    assert web(world.rep_a).get("/leads/", {"score_min": "abc"}).status_code == 200
    assert web(world.agent).get("/leads/").status_code == 403
    assert mine.pk


def test_list_and_detail_query_counts(world, web, django_assert_max_num_queries):
    for i in range(3):
        make_lead(world.manager, owner=world.rep_a, mobile=f"1380000{i:04d}")
    client = web(world.manager)
    client.get("/leads/")
    with django_assert_max_num_queries(30) as few:
        client.get("/leads/")
    listed = len(few.captured_queries)
    for i in range(12):
        make_lead(world.manager, owner=world.rep_b, mobile=f"1390000{i:04d}")
    with django_assert_max_num_queries(listed):
        assert client.get("/leads/").status_code == 200
    lead = make_lead(world.manager, owner=world.rep_a)
    client.get(f"/leads/{lead.pk}/")
    with django_assert_max_num_queries(30) as detail:
        client.get(f"/leads/{lead.pk}/")
    queries = len(detail.captured_queries)  # read now: the next request resets the log
    with org_scope(world.org):
        for n in range(5):
            activity_services.activity_create(
                actor=world.rep_a, content=f"第{n}次跟进", target=("lead", lead.pk)
            )
    with django_assert_max_num_queries(queries):
        assert client.get(f"/leads/{lead.pk}/").status_code == 200
    timeline = f"/activities/for/lead/{lead.pk}/"
    assert client.get(timeline, HTTP_HX_REQUEST="true").status_code == 200


def test_create_edit_and_status(world, web):
    client = web(world.rep_a)
    answer = client.post(
        "/leads/new/",
        {"contact_name": "刘洋", "company_name": "成都锦程物流", "mobile": "13611112222",
         "industry": "logistics", "owner": str(world.rep_a.pk)},
    )  # fmt: skip
    assert answer.status_code == 302
    with org_scope(world.org):
        lead = Lead.objects.get(contact_name="刘洋")
    assert lead.owner == world.rep_a and lead.score == 8
    answer = client.post("/leads/new/", {"contact_name": "", "mobile": "xx"})
    assert answer.status_code == 400
    page = client.get(f"/leads/{lead.pk}/")
    assert (
        "成都锦程物流" in page.content.decode()
        and 'data-testid="score-breakdown"' in page.content.decode()
    )
    answer = client.post(
        f"/leads/{lead.pk}/edit/",
        {"contact_name": "刘洋", "company_name": "成都锦程物流", "mobile": "13611112222",
         "title": "总经理", "version": "1"},
    )  # fmt: skip
    assert answer.status_code == 302
    answer = client.post(
        f"/leads/{lead.pk}/edit/",
        {"contact_name": "刘洋", "mobile": "13611112222", "title": "x", "version": "1"},
    )
    assert answer.status_code == 409
    client.post(f"/leads/{lead.pk}/status/", {"status": "qualified", "version": "2"})
    with org_scope(world.org):
        lead.refresh_from_db()
    assert lead.title == "总经理" and lead.status == "qualified"


def test_bulk_transfer_and_assign(world, web):
    a, b = make_lead(world.admin), make_lead(world.admin)
    with org_scope(world.org):
        services.assignment_rule_create(
            actor=world.admin, name="都给李四", method="employee", employee=world.rep_b
        )
    client = web(world.manager)
    client.post("/leads/bulk/", {"action": "assign", "ids": [a.pk]})
    client.post("/leads/bulk/", {"action": "transfer", "ids": [b.pk], "owner": world.rep_a.pk})
    with org_scope(world.org):
        assert Lead.objects.get(pk=a.pk).owner == world.rep_b
        assert Lead.objects.get(pk=b.pk).owner == world.rep_a
    web(world.rep_a).post("/leads/bulk/", {"action": "transfer", "ids": [b.pk], "owner": ""})
    with org_scope(world.org):
        assert Lead.objects.get(pk=b.pk).owner == world.rep_a  # refused: no transfer right


def test_convert_page_warns_and_picks_the_duplicate(world, web):
    with org_scope(world.org):
        existing = customer_services.customer_create(actor=world.rep_a, name="杭州云帆科技有限公司")
    lead = make_lead(world.rep_a, owner=world.rep_a)
    client = web(world.rep_a)
    assert client.get(f"/leads/{lead.pk}/convert/").status_code == 200
    form = {"mode": "new", "customer_name": "杭州云帆科技有限公司", "contact_name": "周明",
            "version": "1"}  # fmt: skip
    answer = client.post(f"/leads/{lead.pk}/convert/", form)
    assert answer.status_code == 422
    assert 'data-testid="duplicate-warning"' in answer.content.decode()
    answer = client.post(f"/leads/{lead.pk}/convert/", {**form, "use_customer": existing.pk})
    assert answer.status_code == 302
    with org_scope(world.org):
        lead.refresh_from_db()
    assert lead.converted_customer == existing and lead.status == "converted"
    page = client.get(f"/leads/{lead.pk}/")
    assert 'data-testid="lead-converted"' in page.content.decode()
    assert client.get(f"/leads/{lead.pk}/edit/").status_code == 302


def test_convert_page_finds_existing_customers(world, web):
    with org_scope(world.org):
        customer_services.customer_create(actor=world.rep_a, name="宁波港通贸易有限公司")
    lead = make_lead(world.rep_a, owner=world.rep_a)
    page = web(world.rep_a).get(f"/leads/{lead.pk}/convert/", {"customer_q": "港通"})
    assert "宁波港通贸易有限公司" in page.content.decode()


def test_rules_pages_need_sales_setup(world, web):
    assert web(world.rep_a).get("/leads/rules/scoring/").status_code == 403
    assert web(world.readonly).get("/leads/rules/scoring/").status_code == 200
    assert (
        web(world.readonly)
        .post("/leads/rules/scoring/", {"criterion": "industry", "value": "energy", "points": "5"})
        .status_code
        == 403
    )
    client = web(world.admin)
    assert client.get("/leads/rules/scoring/").status_code == 200
    answer = client.post(
        "/leads/rules/scoring/", {"criterion": "industry", "value": "energy", "points": "5",
                                  "is_active": "on"}
    )  # fmt: skip
    assert answer.status_code == 302
    answer = client.post(
        "/leads/rules/assignment/",
        {"name": "华东轮流", "position": "1", "method": "round_robin",
         "department": str(world.east.pk), "is_active": "on"},
    )  # fmt: skip
    assert answer.status_code == 302
    answer = client.post(
        "/leads/rules/assignment/", {"name": "缺部门", "position": "1", "method": "round_robin"}
    )
    assert answer.status_code == 400
    with org_scope(world.org):
        assert ScoringRule.objects.filter(value="energy").exists()
        assert AssignmentRule.objects.count() == 1


def test_start_card_and_search(world, web):
    lead = make_lead(world.rep_a, owner=world.rep_a, company_name="厦门海韵茶业")
    home = web(world.rep_a).get("/")
    assert 'data-testid="start-card-leads"' in home.content.decode()
    assert "厦门海韵茶业" in home.content.decode()
    found = web(world.rep_a).get("/search/", {"q": "海韵"})
    assert f"/leads/{lead.pk}/" in found.content.decode()
    hidden = web(world.rep_b).get("/search/", {"q": "海韵"})
    assert f"/leads/{lead.pk}/" not in hidden.content.decode()


def test_recycle_bin_lists_and_restores(world, web):
    lead = make_lead(world.rep_a, owner=world.rep_a, company_name="回收站里的公司")
    client = web(world.manager)
    client.post(f"/leads/{lead.pk}/delete/")
    assert "回收站里的公司" in client.get("/leads/recycle-bin/").content.decode()
    assert client.post(f"/leads/{lead.pk}/restore/").status_code == 302
    with org_scope(world.org):
        assert Lead.objects.filter(pk=lead.pk).exists()
    # the same test client, now signed in as a rep, who may not delete leads
    assert web(world.rep_a).get("/leads/recycle-bin/").status_code == 403
