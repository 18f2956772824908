"""``/api/v1/work-reports`` and ``/api/v1/work-report-templates``: permissions, isolation,
validation (400, never 500), stale versions (409), actions and query counts."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.workspace.reports.models import ReportScore, ReportTemplate, WorkReport
from guanxi.workspace.reports.tests.helpers import DAILY_FIELDS, make_template, write

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-reports"
MORNING = datetime.datetime(
    2026, 12, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


def test_rep_writes_and_submits_through_the_api(world, api):
    template = make_template(world)
    client = api(world.rep_a)
    created = client.post(
        URL,
        {
            "template": template.pk,
            "values": {"done": "拜访", "visits": 2},
            "readers": [world.rep_b.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["values"]["visits"] == "2"
    assert body["readers"] == [world.rep_b.pk]
    assert api(world.rep_b).get(f"{URL}/{body['id']}").status_code == 404  # draft
    submitted = client.post(
        f"{URL}/{body['id']}/submit", {"version": body["version"]}, format="json"
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert api(world.rep_b).get(f"{URL}/{body['id']}").status_code == 200  # named reader
    stale = client.patch(
        f"{URL}/{body['id']}", {"values": {"done": "x"}, "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"


@pytest.mark.parametrize(
    "payload",
    [
        {"values": {"done": "x", "visits": "abc"}},
        {"values": {"done": "x", "nope": 1}},
        {"values": "text"},
        {"values": {"done": "x", "mood": ["好"]}},
        {"date": "2999-01-01"},
        {"date": "not-a-date"},
        {"readers": [999999]},
        {"readers": ["x"]},
        {"template": 2**63},
        {"submit": True, "values": {}},
    ],
)
def test_bad_input_is_a_translated_400_and_writes_nothing(world, api, payload):
    template = make_template(world)
    body = {"template": template.pk, "values": {"done": "x"}, **payload}
    response = api(world.rep_a).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    with org_scope(world.org):
        assert not WorkReport.objects.exists()


def test_error_messages_follow_the_language(world, api):
    template = make_template(world)
    body = {"template": template.pk, "values": {"done": "x", "visits": "abc"}}
    response = api(world.rep_a).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "must be a number" in response.json()["fields"]["values.visits"][0]


def test_duplicate_period_is_422(world, api):
    template = make_template(world)
    write(world, world.rep_a, template, submit=False)
    response = api(world.rep_a).post(URL, {"template": template.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "report_exists"


def test_only_the_author_changes_a_report(world, api):
    template = make_template(world)
    report = write(world, world.rep_a, template)
    response = api(world.manager).patch(
        f"{URL}/{report.pk}", {"values": {"done": "改"}}, format="json"
    )
    assert response.status_code == 403
    with org_scope(world.org):
        assert WorkReport.objects.get(pk=report.pk).values["done"] == "拜访了三家客户"


def test_scope_and_filters_on_the_list(world, api):
    template = make_template(world)
    mine = write(world, world.rep_a, template)
    theirs = write(world, world.rep_b, template)
    assert [i["id"] for i in api(world.rep_a).get(URL).json()["items"]] == [mine.pk]
    ids = {i["id"] for i in api(world.manager).get(URL).json()["items"]}
    assert ids == {mine.pk, theirs.pk}
    filtered = api(world.manager).get(URL, {"author": world.rep_b.pk, "status": "submitted"})
    assert [i["id"] for i in filtered.json()["items"]] == [theirs.pk]
    assert api(world.manager).get(URL, {"period_start": "2026-12-02"}).json()["count"] == 2
    assert api(world.manager).get(URL, {"period_start": "nope"}).status_code == 400
    assert api(world.manager).get(URL, {"status": "nope"}).status_code == 400


def test_comments_score_read_and_history_actions(world, api):
    template = make_template(world)
    report = write(world, world.rep_a, template)
    manager = api(world.manager)
    assert (
        manager.post(f"{URL}/{report.pk}/comments", {"body": "不错"}, format="json").status_code
        == 201
    )
    assert [c["body"] for c in manager.get(f"{URL}/{report.pk}/comments").json()] == ["不错"]
    scored = manager.post(f"{URL}/{report.pk}/score", {"score": 4}, format="json")
    assert scored.status_code == 200 and scored.json()["average"] == 4.0
    assert manager.post(f"{URL}/{report.pk}/score", {"score": 9}, format="json").status_code == 400
    assert (
        api(world.rep_a).post(f"{URL}/{report.pk}/score", {"score": 5}, format="json").status_code
        == 403
    )
    read = api(world.admin).post(f"{URL}/{report.pk}/read")
    assert read.json() == {"read": True, "first_time": True}
    author = api(world.rep_a)
    author.patch(f"{URL}/{report.pk}", {"values": {"done": "补充"}}, format="json")
    history = author.get(f"{URL}/{report.pk}/history").json()
    assert [h["values"]["done"] for h in history] == ["拜访了三家客户"]
    with org_scope(world.org):
        assert ReportScore.objects.filter(report=report).count() == 1


def test_outsider_and_readonly(world, other_world, api):
    template = make_template(world)
    report = write(world, world.manager, template)
    assert (
        api(other_world.admin)
        .post(f"{URL}/{report.pk}/comments", {"body": "x"}, format="json")
        .status_code
        == 404
    )
    assert (
        api(other_world.admin)
        .post(f"{URL}/{report.pk}/score", {"score": 3}, format="json")
        .status_code
        == 404
    )
    readonly = api(world.readonly)
    assert readonly.get(f"{URL}/{report.pk}").status_code == 200  # 销售部 scope
    # a read-only role reads (and is marked as having read) but never writes
    assert readonly.post(f"{URL}/{report.pk}/read").status_code == 200
    assert (
        readonly.post(f"{URL}/{report.pk}/comments", {"body": "x"}, format="json").status_code
        == 403
    )
    assert readonly.post(f"{URL}/{report.pk}/score", {"score": 3}, format="json").status_code == 403
    with org_scope(world.org):
        assert not report.comments.exists() and not report.scores.exists()
    assert readonly.post(URL, {"template": template.pk}, format="json").status_code == 403
    # the other org cannot use this org's template
    response = api(other_world.admin).post(URL, {"template": template.pk}, format="json")
    assert response.status_code == 400


def test_template_api_needs_template_permissions(world, api):
    body = {"name": "周报", "period": "weekly", "due_weekday": 5, "fields": DAILY_FIELDS}
    assert (
        api(world.manager).post("/api/v1/work-report-templates", body, format="json").status_code
        == 403
    )
    created = api(world.admin).post("/api/v1/work-report-templates", body, format="json")
    assert created.status_code == 201, created.content
    assert [f["key"] for f in created.json()["fields"]][:2] == ["done", "visits"]
    bad = api(world.admin).post(
        "/api/v1/work-report-templates",
        {"name": "坏", "period": "daily", "fields": [{"label": "x", "type": "choice"}]},
        format="json",
    )
    assert bad.status_code == 400
    with org_scope(world.org):
        assert ReportTemplate.objects.count() == 1


def test_list_queries_do_not_grow_with_rows(world, api):
    template = make_template(world)
    client = api(world.manager)
    write(world, world.rep_a, template, readers=[world.rep_b])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx)

    few = count()
    with all_orgs():
        for _n in range(6):
            member = EmployeeFactory(
                org=world.org, department=world.east, manager=world.manager,
                roles=[role(world.org, "销售代表")],
            )  # fmt: skip
            write(world, member, template, readers=[world.rep_b, world.agent])
    assert count() <= few
