"""Audit pages: permission, filters, paging, query counts; the export button."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from guanxi.audit.tests.factories import all_exports, change, export, login, rename_department
from guanxi.core.tenancy import all_orgs
from guanxi.jobs.models import Job

pytestmark = pytest.mark.django_db

LOG, LOGINS, EXPORTS = "audit:log", "audit:logins", "audit:exports"


def _shown(response):
    return [record.pk for record in response.context["records"]]


@pytest.mark.parametrize("name", [LOG, LOGINS, EXPORTS])
def test_pages_need_audit_view(web, world, name):
    assert web(world.rep_a).get(reverse(name)).status_code == 403
    # the default read-only role is scoped to its department: the org-wide log is not its
    assert web(world.readonly).get(reverse(name)).status_code == 403
    assert web(world.admin).get(reverse(name)).status_code == 200


def test_change_log_shows_readable_changes_of_this_org_only(web, world, other_world):
    rename_department(world.admin, world.east, "华东一组")
    rename_department(other_world.admin, other_world.east, "贝塔华东")
    response = web(world.admin).get(reverse(LOG))
    body = response.content.decode()
    assert "华东组" in body and "→" in body and "华东一组" in body and "名称" in body
    assert "部门" in body and "管理员" in body
    assert "贝塔华东" not in body
    assert 'data-testid="audit-export"' in body  # admins may export


@pytest.fixture
def mixed_log(world):
    start = datetime.datetime(2026, 4, 1, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai
    with time_machine.travel(start, tick=False):
        a = change(
            world.org, entity="orgs.department", object_id=7, action="create", actor=world.admin
        )
    with time_machine.travel(start + datetime.timedelta(days=1), tick=False):
        b = change(
            world.org, entity="orgs.employee", object_id=7, action="update", actor=world.manager
        )
    with time_machine.travel(start + datetime.timedelta(days=2), tick=False):
        c = change(
            world.org, entity="orgs.department", object_id=8, action="delete", actor=world.manager
        )
    return a, b, c


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, "cba"),
        ({"entity": "orgs.department"}, "ca"),
        ({"action": "update"}, "b"),
        ({"object_id": " 7 "}, "ba"),
        ({"date_from": "2026-04-02"}, "cb"),
        ({"date_to": "2026-04-02"}, "ba"),
        ({"date_from": "2026-04-02", "date_to": "2026-04-02"}, "b"),
        ({"entity": "orgs.department", "object_id": "7"}, "a"),
    ],
)
def test_change_log_filters(web, world, mixed_log, query, expected):
    by_letter = dict(zip("abc", [r.pk for r in mixed_log], strict=True))
    response = web(world.admin).get(reverse(LOG), query)
    assert response.status_code == 200
    assert _shown(response) == [by_letter[letter] for letter in expected]


def test_change_log_filter_by_actor(web, world, mixed_log):
    response = web(world.admin).get(reverse(LOG), {"actor": world.manager.pk})
    assert _shown(response) == [mixed_log[2].pk, mixed_log[1].pk]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "not-a-date"},
        {"date_from": "2026-04-03", "date_to": "2026-04-01"},
        {"entity": "nope.model"},
        {"action": "explode"},
    ],
)
def test_bad_filters_show_errors_not_500(web, world, mixed_log, query):
    response = web(world.admin).get(reverse(LOG), query)
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert "invalid-feedback" in response.content.decode()


def test_actor_of_another_org_is_refused(web, world, outsider, mixed_log):
    response = web(world.admin).get(reverse(LOG), {"actor": outsider.pk})
    assert "actor" in response.context["filter"].errors


def test_change_log_pages_with_a_cursor(web, world):
    for n in range(55):
        change(world.org, object_id=n)
    client = web(world.admin)
    first = client.get(reverse(LOG), {"entity": "orgs.department"})
    assert len(_shown(first)) == 50 and first.context["count"] == 55
    next_url = first.context["next_url"]
    assert "entity=orgs.department" in next_url and "cursor=" in next_url
    second = client.get(reverse(LOG) + next_url)
    assert len(_shown(second)) == 5 and second.context["next_url"] is None
    assert not set(_shown(first)) & set(_shown(second))
    assert 'data-testid="audit-first"' in second.content.decode()


def test_change_log_query_count(web, world, django_assert_max_num_queries):
    for n in range(40):
        change(
            world.org,
            object_id=n,
            actor=world.admin,
            changes={
                "parent": {"old": {"id": 1, "repr": "甲"}, "new": {"id": 2, "repr": "乙"}},
                "name": {"old": "旧", "new": f"新{n}"},
            },
        )
    client = web(world.admin)
    with django_assert_max_num_queries(9):
        response = client.get(reverse(LOG))
    assert len(_shown(response)) == 40


def test_login_log_filters_and_shows_reasons(web, world, other_world):
    ok = login(world.org, username="rep_a", success=True, channel="web", ip="10.0.0.1")
    bad = login(
        world.org,
        username="rep_b",
        success=False,
        reason="password",
        channel="api",
        ip="192.168.1.9",
    )
    login(other_world.org, username="beta_user", success=False, reason="locked")
    client = web(world.admin)
    response = client.get(reverse(LOGINS))
    assert _shown(response) == [bad.pk, ok.pk]
    body = response.content.decode()
    assert "密码错误" in body and "192.168.1.9" in body and "Mozilla/5.0 Test" in body
    assert "beta_user" not in body
    assert _shown(client.get(reverse(LOGINS), {"success": "0"})) == [bad.pk]
    assert _shown(client.get(reverse(LOGINS), {"success": "1"})) == [ok.pk]
    assert _shown(client.get(reverse(LOGINS), {"channel": "api"})) == [bad.pk]
    assert _shown(client.get(reverse(LOGINS), {"ip": "192.168."})) == [bad.pk]
    assert _shown(client.get(reverse(LOGINS), {"username": "REP_A"})) == [ok.pk]
    assert _shown(client.get(reverse(LOGINS), {"reason": "password"})) == [bad.pk]


def test_login_log_query_count(web, world, django_assert_max_num_queries):
    for n in range(30):
        login(world.org, username=f"u{n}", success=bool(n % 2), reason="" if n % 2 else "password")
    client = web(world.admin)
    with django_assert_max_num_queries(7):
        assert len(_shown(client.get(reverse(LOGINS)))) == 30


def test_export_log_lists_and_filters(web, world, other_world, django_assert_max_num_queries):
    mine = export(world.manager, entity="orgs.employee", row_count=1234)
    other = export(world.admin, entity="orgs.role")
    export(other_world.admin)
    client = web(world.admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse(EXPORTS))
    assert _shown(response) == [other.pk, mine.pk]
    body = response.content.decode()
    assert "员工" in body and "1234" in body and "王经理" in body
    assert _shown(client.get(reverse(EXPORTS), {"entity": "orgs.role"})) == [other.pk]
    assert _shown(client.get(reverse(EXPORTS), {"actor": world.manager.pk})) == [mine.pk]


# ---- the export button ----------------------------------------------------------------


def _jobs():
    with all_orgs():
        return list(Job.objects.all())


def test_export_starts_the_job_and_redirects_to_it(
    web, world, mixed_log, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = web(world.admin).post(
            reverse("audit:log_export"), {"entity": "orgs.department", "cursor": "x"}
        )
    (job,) = _jobs()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.kind == "audit.export_log" and job.created_by_id == world.admin.pk
    assert job.params["filters"] == {"entity": "orgs.department"}
    assert job.status == Job.Status.SUCCEEDED and job.result == {"rows": 2}
    (record,) = all_exports()
    assert (record.entity, record.row_count, record.actor_id) == (
        "audit.changerecord",
        2,
        world.admin.pk,
    )


@pytest.mark.parametrize("who", ["rep_a", "readonly"])
def test_export_without_permission_is_403_and_starts_nothing(web, world, mixed_log, who):
    response = web(getattr(world, who)).post(reverse("audit:log_export"), {})
    assert response.status_code == 403
    assert _jobs() == [] and all_exports() == []


def test_export_with_bad_filters_starts_nothing(web, world, mixed_log):
    response = web(world.admin).post(reverse("audit:log_export"), {"date_from": "32/13/2026"})
    assert response.status_code == 302 and response["Location"].startswith(reverse(LOG))
    assert "date_from=" in response["Location"]
    assert _jobs() == []


def test_export_button_hidden_without_permission(web, world):
    body = web(world.readonly).get(reverse(LOG)).content.decode()
    assert 'data-testid="audit-export"' not in body


def test_export_is_post_only(web, world):
    assert web(world.admin).get(reverse("audit:log_export")).status_code == 405
