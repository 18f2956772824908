"""The work report screens: who may open what, forms that refuse without writing, read
marks, the start page card, and query counts that do not grow with the rows."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.workspace.reports import services
from guanxi.workspace.reports.models import ReportRead, ReportTemplate, WorkReport
from guanxi.workspace.reports.tests.helpers import make_template, write

pytestmark = pytest.mark.django_db
MORNING = datetime.datetime(
    2026, 12, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


def test_writing_a_report_through_the_form(world, web):
    template = make_template(world)
    client = web(world.rep_a)
    page = client.get(f"/work-reports/new/?template={template.pk}&date=2026-12-02")
    assert page.status_code == 200
    assert "今日工作" in page.content.decode()
    refused = client.post(
        "/work-reports/new/",
        {"template": template.pk, "date": "2026-12-02", "v_visits": "1.5", "submit": "1"},
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "请填写“今日工作”。" in text and "“拜访客户数”必须是整数。" in text
    with org_scope(world.org):
        assert not WorkReport.objects.exists()
    saved = client.post(
        "/work-reports/new/",
        {"template": template.pk, "date": "2026-12-02", "v_done": "拜访三家", "v_help": "1",
         "v_topics": ["A", "B"], "readers": [world.rep_b.pk], "submit": "1"},
    )  # fmt: skip
    assert saved.status_code == 302
    with org_scope(world.org):
        report = WorkReport.objects.get()
    assert report.status == "submitted"
    assert report.values["help"] is True and report.values["topics"] == ["A", "B"]
    # the same period opens the existing report for editing
    again = client.get(f"/work-reports/new/?template={template.pk}&date=2026-12-02")
    assert again.status_code == 302 and again.url.endswith(f"/{report.pk}/edit/")


def test_editing_keeps_history_and_refuses_others(world, web):
    template = make_template(world)
    report = write(world, world.rep_a, template)
    assert web(world.manager).get(f"/work-reports/{report.pk}/edit/").status_code == 404
    client = web(world.rep_a)
    response = client.post(
        f"/work-reports/{report.pk}/edit/", {"v_done": "更正", "version": report.version}
    )
    assert response.status_code == 302
    stale = client.post(f"/work-reports/{report.pk}/edit/", {"v_done": "再改", "version": 1})
    assert stale.status_code == 409
    detail = client.get(f"/work-reports/{report.pk}/").content.decode()
    assert "拜访了三家客户" in detail and "更正" in detail  # history shows the old values


def test_manager_reads_comments_and_scores(world, web):
    template = make_template(world)
    report = write(world, world.rep_a, template)
    client = web(world.manager)
    page = client.get(f"/work-reports/{report.pk}/")
    assert page.status_code == 200
    assert 'data-testid="score-form"' in page.content.decode()
    with org_scope(world.org):
        assert ReportRead.objects.filter(report=report, reader=world.manager).exists()
    client.post(f"/work-reports/{report.pk}/comment/", {"body": "继续保持"})
    client.post(f"/work-reports/{report.pk}/score/", {"score": "4", "note": "好"})
    text = client.get(f"/work-reports/{report.pk}/").content.decode()
    assert "继续保持" in text and 'data-testid="score-average"' in text
    # a peer sees nothing; the author sees no score form
    assert web(world.rep_b).get(f"/work-reports/{report.pk}/").status_code == 404


def test_author_page_has_no_score_form(world, web):
    template = make_template(world)
    report = write(world, world.rep_a, template)
    text = web(world.rep_a).get(f"/work-reports/{report.pk}/").content.decode()
    assert 'data-testid="score-form"' not in text


def test_template_screens_need_template_permissions(world, web):
    assert web(world.manager).get("/work-reports/templates/").status_code == 403
    client = web(world.admin)
    assert client.get("/work-reports/templates/new/").status_code == 200
    data = {
        "name": "周报", "period": "weekly", "is_active": "on", "due_time": "17:00",
        "due_weekday": "5", "due_day": "31", "due_month": "12",
        "fields-TOTAL_FORMS": "3", "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "50",
        "fields-0-label": "本周总结", "fields-0-type": "textarea", "fields-0-required": "on",
        "fields-1-label": "满意度", "fields-1-type": "choice", "fields-1-options": "高\n低",
        "fields-2-label": "", "fields-2-type": "text",
    }  # fmt: skip
    assert client.post("/work-reports/templates/new/", data).status_code == 302
    with org_scope(world.org):
        template = ReportTemplate.objects.get(name="周报")
    assert [f["label"] for f in template.fields] == ["本周总结", "满意度"]
    assert template.fields[1]["options"] == ["高", "低"]
    bad = dict(data, name="坏模板", **{"fields-1-options": ""})
    response = client.post("/work-reports/templates/new/", bad)
    assert response.status_code == 400
    assert "需要至少一个选项" in response.content.decode()
    with org_scope(world.org):
        assert not ReportTemplate.objects.filter(name="坏模板").exists()
    edit = client.get(f"/work-reports/templates/{template.pk}/")
    assert edit.status_code == 200 and "本周总结" in edit.content.decode()


def test_lists_and_overview_render_for_each_role(world, web):
    template = make_template(world)
    write(world, world.rep_a, template)
    for employee in (world.admin, world.manager, world.rep_a, world.readonly, world.agent):
        client = web(employee)
        for url in ("/work-reports/", "/work-reports/inbox/", "/work-reports/team/"):
            assert client.get(url).status_code == 200, (employee, url)
    team = web(world.manager).get(f"/work-reports/team/?template={template.pk}&date=2026-12-02")
    text = team.content.decode()
    assert "张三" in text and "李四" in text
    assert (
        web(world.manager).get("/work-reports/inbox/?unread=1&author=x&period=bad").status_code
        == 200
    )


def test_start_page_card(world, web):
    template = make_template(world)
    text = web(world.rep_a).get("/").content.decode()
    assert 'data-testid="work-reports-card"' in text and template.name in text


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_query_counts_do_not_grow(world, web):
    template = make_template(world)
    first = write(world, world.rep_a, template)
    with org_scope(world.org):
        services.report_comment(actor=world.manager, report=first, body="一")
        services.report_score(actor=world.manager, report=first, score=3)
    client = web(world.manager)
    urls = ("/work-reports/inbox/", "/work-reports/team/", f"/work-reports/{first.pk}/")
    before = {url: _count(client, url) for url in urls}
    with all_orgs():
        members = [
            EmployeeFactory(
                org=world.org, department=world.east, manager=world.manager,
                roles=[role(world.org, "销售代表")],
            )
            for _n in range(6)
        ]  # fmt: skip
    for member in members:
        report = write(world, member, template)
        with org_scope(world.org):
            services.report_comment(actor=world.manager, report=report, body="二")
    with org_scope(world.org):
        for _n in range(3):
            services.report_comment(actor=world.admin, report=first, body="更多")
        services.report_score(actor=world.admin, report=first, score=5)
    after = {url: _count(client, url) for url in urls}
    for url in urls:
        assert after[url] <= before[url], url
