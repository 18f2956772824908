"""The opportunity screens: list, board (and its move endpoint), funnel, detail, forms,
pipeline setup, the customer panel and the start card."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import Opportunity, Pipeline, StageChange
from guanxi.sales.opportunities.tests.helpers import make_customer, make_opportunity, stage_named

pytestmark = pytest.mark.django_db


def _money(body, text):
    """``text`` shown, with or without the thousands separator of the language."""
    grouped = f"{int(text.split('.')[0]):,}.{text.split('.')[1]}"
    return text in body or grouped in body


def _many(world, actor, count, *, start=0):
    customer = make_customer(world, actor, name=f"批量客户{start}")
    return [
        make_opportunity(
            world,
            actor,
            customer=customer,
            name=f"项目{start + i}",
            amount=1000 + i,
            expected_close_date="2026-12-20",
        )
        for i in range(count)
    ]


def test_list_filters_and_query_count(world, web, django_assert_max_num_queries):
    _many(world, world.rep_a, 3)
    client = web(world.manager)
    client.get("/opportunities/")
    with django_assert_max_num_queries(40) as first:
        assert client.get("/opportunities/").status_code == 200
    _many(world, world.rep_b, 12, start=10)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get("/opportunities/?sort=-amount")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="opportunity-row"') == 15
    filtered = client.get("/opportunities/", {"q": "项目1", "amount_min": "1005"})
    rows = filtered.content.decode().count('data-testid="opportunity-row"')
    assert rows == 5  # 项目15..项目19: the names holding 项目1 with an amount of 1005 or more
    assert client.get("/opportunities/", {"amount_min": "-1x"}).status_code == 200


def test_rep_sees_only_own(world, web):
    mine = make_opportunity(world, world.rep_a, name="我的项目")
    other = make_opportunity(world, world.rep_b, name="别人的项目")
    client = web(world.rep_a)
    body = client.get("/opportunities/").content.decode()
    assert "我的项目" in body and "别人的项目" not in body
    assert client.get(f"/opportunities/{other.pk}/").status_code == 404
    assert client.get(f"/opportunities/{mine.pk}/").status_code == 200


def test_board_columns_totals_and_query_count(world, web, django_assert_max_num_queries):
    _many(world, world.rep_a, 2)
    client = web(world.rep_a)
    client.get("/opportunities/board/")
    with django_assert_max_num_queries(40) as first:
        page = client.get("/opportunities/board/")
    body = page.content.decode()
    assert body.count('data-testid="kanban-column"') == 6
    assert body.count('data-testid="kanban-card"') == 2
    assert _money(body, "2001.00")  # 1000 + 1001 in the first column
    assert _money(body, "200.10")  # weighted at 10%
    _many(world, world.rep_a, 10, start=20)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get("/opportunities/board/").status_code == 200


def test_board_move_answers_columns_and_records_history(world, web):
    opp = make_opportunity(world, world.rep_a, amount=5000)
    with org_scope(world.org):
        target = stage_named(opp.pipeline, "商务谈判")
    client = web(world.rep_a)
    answer = client.post(
        f"/opportunities/{opp.pk}/move/",
        {"stage": target.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    body = answer.content.decode()
    assert body.count('hx-swap-oob="true"') == 3  # the message line and two columns
    assert f'id="kanban-column-{target.pk}"' in body
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.stage == target and opp.probability == 70 and opp.version == 2
        assert StageChange.objects.filter(opportunity=opp).count() == 2


def test_board_move_refusals_change_nothing(world, web):
    opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        target = stage_named(opp.pipeline, "方案报价")
        lost = stage_named(opp.pipeline, "输单")
    stale = web(world.rep_a).post(
        f"/opportunities/{opp.pk}/move/", {"stage": target.pk, "version": 7},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert stale.status_code == 409
    assert "已被他人修改" in stale.content.decode()
    no_reason = web(world.rep_a).post(
        f"/opportunities/{opp.pk}/move/", {"stage": lost.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert no_reason.status_code == 400
    readonly = web(world.readonly).post(
        f"/opportunities/{opp.pk}/move/", {"stage": target.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert readonly.status_code in (403, 404)
    other = web(world.rep_b).post(
        f"/opportunities/{opp.pk}/move/", {"stage": target.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert other.status_code == 404
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.stage.name == "初步接洽" and opp.version == 1


def test_lose_from_board_dialog_redirects_back(world, web):
    opp = make_opportunity(world, world.rep_a)
    with org_scope(world.org):
        lost = stage_named(opp.pipeline, "输单")
    answer = web(world.rep_a).post(
        f"/opportunities/{opp.pk}/move/",
        {"stage": lost.pk, "version": 1, "lost_reason": "price", "next": "/opportunities/board/"},
    )
    assert answer.status_code == 302 and answer["Location"] == "/opportunities/board/"
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.status == "lost" and opp.lost_reason == "price"


def test_detail_query_count_and_content(world, web, django_assert_max_num_queries):
    opp = make_opportunity(
        world, world.rep_a, competitors=[{"name": "沈阳机床", "notes": "价格低"}]
    )
    with org_scope(world.org):
        services.opportunity_move(
            actor=world.rep_a, opportunity=opp, stage=stage_named(opp.pipeline, "需求确认")
        )
    client = web(world.rep_a)
    client.get(f"/opportunities/{opp.pk}/")
    with django_assert_max_num_queries(40) as first:
        page = client.get(f"/opportunities/{opp.pk}/")
    body = page.content.decode()
    assert "沈阳机床" in body
    assert body.count('data-testid="history-row"') == 2
    assert 'data-testid="stage-path"' in body
    with org_scope(world.org):
        for name in ("方案报价", "商务谈判", "需求确认"):
            opp.refresh_from_db()
            services.opportunity_move(
                actor=world.rep_a, opportunity=opp, stage=stage_named(opp.pipeline, name)
            )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(f"/opportunities/{opp.pk}/").status_code == 200


def test_create_and_edit_through_the_form(world, web):
    customer = make_customer(world, world.rep_a)
    client = web(world.rep_a)
    assert client.get(f"/opportunities/new/?customer={customer.pk}").status_code == 200
    answer = client.post(
        "/opportunities/new/",
        {
            "name": "厂房自动化改造",
            "customer": customer.pk,
            "amount": "80000",
            "expected_close_date": "2027-01-15",
            "next_step": "安排技术交流",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    with org_scope(world.org):
        opp = Opportunity.objects.get(name="厂房自动化改造")
        assert opp.amount == 80000 and opp.probability == 10
    bad = client.post(f"/opportunities/{opp.pk}/edit/", {"name": "", "version": 1})
    assert bad.status_code == 400
    stale = client.post(
        f"/opportunities/{opp.pk}/edit/", {"name": "新名字", "amount": "1", "version": 9}
    )
    assert stale.status_code == 409
    ok = client.post(
        f"/opportunities/{opp.pk}/edit/",
        {"name": "厂房自动化改造二期", "amount": "90000", "probability": "35", "version": 1},
    )
    assert ok.status_code == 302
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.name == "厂房自动化改造二期" and opp.amount == 90000
        assert opp.probability == 35 and opp.version == 2


def test_create_refused_for_invisible_customer(world, web):
    customer = make_customer(world, world.rep_b)
    answer = web(world.rep_a).post(
        "/opportunities/new/", {"name": "x", "customer": customer.pk, "amount": "1"}
    )
    assert answer.status_code == 400
    with org_scope(world.org):
        assert not Opportunity.objects.exists()


def test_win_lose_reopen_buttons(world, web):
    customer = make_customer(world, world.rep_a)
    opp = make_opportunity(world, world.rep_a, customer=customer)
    client = web(world.rep_a)
    client.post(f"/opportunities/{opp.pk}/lose/", {"lost_reason": "", "version": 1})
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.status == "open"
    client.post(f"/opportunities/{opp.pk}/lose/", {"lost_reason": "no_budget", "version": 1})
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.status == "lost"
        assert Customer.objects.get(pk=customer.pk).lifecycle_stage == "lost"
    client.post(f"/opportunities/{opp.pk}/reopen/", {"version": 2})
    client.post(f"/opportunities/{opp.pk}/win/", {"version": 3})
    with org_scope(world.org):
        opp.refresh_from_db()
        assert opp.status == "won" and opp.closed_on is not None


def test_funnel_page(world, web):
    _many(world, world.rep_a, 2)
    page = web(world.rep_a).get("/opportunities/funnel/")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('data-testid="funnel-row"') == 6
    assert 'id="funnel-data"' in body


def test_pipeline_setup_screens(world, web):
    opp = make_opportunity(world, world.rep_a)
    assert web(world.rep_a).get("/opportunities/pipelines/").status_code == 403
    client = web(world.admin)
    assert client.get("/opportunities/pipelines/").status_code == 200
    with org_scope(world.org):
        pipeline = opp.pipeline
        stages = list(pipeline.stages.order_by("position"))
    page = client.get(f"/opportunities/pipelines/{pipeline.pk}/")
    assert page.status_code == 200 and "使用中" in page.content.decode()
    data = {
        "name": pipeline.name, "is_default": "on", "is_active": "on",
        "stages-TOTAL_FORMS": "7", "stages-INITIAL_FORMS": "6",
        "stages-MIN_NUM_FORMS": "0", "stages-MAX_NUM_FORMS": "30",
    }  # fmt: skip
    for i, stage in enumerate(stages):
        data.update({
            f"stages-{i}-id": stage.pk, f"stages-{i}-position": (i + 1) * 10,
            f"stages-{i}-name": stage.name, f"stages-{i}-probability": stage.probability,
            f"stages-{i}-kind": stage.kind, f"stages-{i}-is_active": "on",
        })  # fmt: skip
    data.update({
        "stages-6-position": "15", "stages-6-name": "现场考察", "stages-6-probability": "20",
        "stages-6-kind": "open", "stages-6-is_active": "on",
    })  # fmt: skip
    data["stages-0-remove"] = "on"  # in use: refused
    refused = client.post(f"/opportunities/pipelines/{pipeline.pk}/", data)
    assert refused.status_code == 422
    del data["stages-0-remove"]
    data["stages-2-remove"] = "on"  # 方案报价, unused: removed
    saved = client.post(f"/opportunities/pipelines/{pipeline.pk}/", data)
    assert saved.status_code == 302
    with org_scope(world.org):
        names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
        assert names == ["初步接洽", "现场考察", "需求确认", "商务谈判", "赢单", "输单"]
        assert Pipeline.objects.count() == 1


def test_customer_panel_and_start_card(world, web, django_assert_max_num_queries):
    customer = make_customer(world, world.rep_a)
    make_opportunity(world, world.rep_a, customer=customer, amount=3000)
    client = web(world.rep_a)
    page = client.get(f"/customers/{customer.pk}/")
    assert 'data-testid="customer-opportunities"' in page.content.decode()
    panel = client.get(f"/opportunities/customer/{customer.pk}/")
    assert _money(panel.content.decode(), "3000.00")
    home = client.get("/")
    assert 'data-testid="my-pipeline-card"' in home.content.decode()


def test_followups_timeline_on_opportunity(world, web):
    opp = make_opportunity(world, world.rep_a)
    answer = web(world.rep_a).get(f"/activities/for/opportunity/{opp.pk}/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
