"""Service project screens: list and detail query budgets that do not grow with rows,
filters, the form (with a refusal shown on the page), the small forms of the detail page,
the export, the customer card and the start page card."""

import datetime

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.service.projects import services
from guanxi.service.projects.models import Milestone, ProjectTask, ServiceProject, TimeEntry
from guanxi.service.projects.tests import helpers as h

pytestmark = pytest.mark.django_db


def _day(n):
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def _busy(world, count):
    for number in range(count):
        made = h.started(world, name=f"项目{number}", members=[world.rep_a.pk, world.rep_b.pk])
        stone = h.milestone(world, made, due_date=_day(5))
        for title in ("安装", "调试", "培训"):
            job = h.task(world, made, title=title, milestone=stone.pk, assignee=world.agent.pk)
            with org_scope(world.org):
                services.time_entry_create(
                    actor=world.agent, project=made, task=job.pk, hours="1", work_date=_day(-number)
                )
    return made


def test_list_and_detail_keep_their_query_budget(world, web, django_assert_max_num_queries):
    _busy(world, 2)
    client = web(world.agent)
    with django_assert_max_num_queries(18) as few:
        text = client.get("/service-projects/").content.decode()
    assert text.count('data-testid="project-row"') == 2
    last = _busy(world, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        text = client.get("/service-projects/").content.decode()
    assert text.count('data-testid="project-row"') == 6
    with django_assert_max_num_queries(30) as detail:
        page = client.get(f"/service-projects/{last.pk}/").content.decode()
    assert page.count('data-testid="task-row"') == 3
    assert page.count('data-testid="time-entry"') == 3
    for title in ("验收", "移交", "回访"):
        h.task(world, last, title=title, assignee=world.rep_a.pk)
    h.milestone(world, last, name="竣工", due_date=_day(9))
    with django_assert_max_num_queries(len(detail.captured_queries)):
        page = client.get(f"/service-projects/{last.pk}/").content.decode()
    assert page.count('data-testid="task-row"') == 6


def test_list_filters_and_search(world, web):
    first = h.started(world, name="年度巡检")
    second = h.project(world, name="系统升级改造")
    client = web(world.agent)
    text = client.get("/service-projects/?status=planned").content.decode()
    assert second.code in text and first.code not in text
    text = client.get("/service-projects/?q=巡检").content.decode()
    assert first.code in text and second.code not in text
    text = client.get(f"/service-projects/?q={second.code}").content.decode()
    assert second.code in text and first.code not in text
    text = client.get(f"/service-projects/?customer={first.customer_id}").content.decode()
    assert first.code in text and second.code not in text
    assert client.get("/service-projects/?customer=abc").status_code == 200


def test_create_and_edit_through_the_form(world, web):
    client_record = h.customer(world)
    client = web(world.agent)
    page = client.get(f"/service-projects/new/?customer={client_record.pk}")
    assert page.status_code == 200
    refused = client.post(
        "/service-projects/new/",
        {"customer": client_record.pk, "name": "安装", "start_date": _day(5), "due_date": _day(1)},
    )
    assert refused.status_code == 400
    assert "计划完成日期不能早于开始日期" in refused.content.decode()
    with org_scope(world.org):
        assert not ServiceProject.objects.exists()
    done = client.post(
        "/service-projects/new/",
        {
            "customer": client_record.pk,
            "name": "生产线设备安装调试",
            "budget_hours": "40",
            "members": [world.rep_a.pk],
        },
    )
    assert done.status_code == 302
    with org_scope(world.org):
        made = ServiceProject.objects.get()
    edited = client.post(
        f"/service-projects/{made.pk}/edit/",
        {"name": "生产线设备安装调试（二期）", "version": made.version, "budget_hours": "60"},
    )
    assert edited.status_code == 302
    assert h.reload(world, made).name == "生产线设备安装调试（二期）"
    stale = client.post(
        f"/service-projects/{made.pk}/edit/", {"name": "过期", "version": made.version}
    )
    assert stale.status_code == 409


def test_detail_forms_add_milestone_task_hours_and_move_status(world, web):
    made = h.project(world)
    client = web(world.agent)
    base = f"/service-projects/{made.pk}"
    client.post(f"{base}/status/", {"status": "in_progress"})
    client.post(f"{base}/milestones/", {"name": "到货验收", "due_date": _day(3)})
    with org_scope(world.org):
        stone = Milestone.objects.get()
    client.post(
        f"{base}/tasks/", {"title": "开箱检查", "milestone": stone.pk, "assignee": world.agent.pk}
    )
    with org_scope(world.org):
        job = ProjectTask.objects.get()
    client.post(
        f"{base}/hours/", {"work_date": _day(0), "hours": "2", "task": job.pk, "billable": "on"}
    )
    client.post(f"{base}/tasks/{job.pk}/status/", {"status": "done"})
    client.post(f"{base}/milestones/{stone.pk}/reach/")
    page = client.get(f"{base}/").content.decode()
    assert 'data-testid="milestone-reached"' in page
    assert 'data-testid="project-progress">100%' in page
    with org_scope(world.org):
        assert TimeEntry.objects.get().hours == 2
        assert ServiceProject.objects.get().status == "in_progress"
    response = client.post(f"{base}/status/", {"status": "completed"}, follow=True)
    assert "已完成" in response.content.decode()
    # closed: the hours form is gone, a late post is refused with a message
    late = client.post(f"{base}/hours/", {"work_date": _day(0), "hours": "1"}, follow=True)
    assert "不能再修改" in late.content.decode()
    with org_scope(world.org):
        assert TimeEntry.objects.count() == 1


def test_task_and_milestone_edit_pages(world, web):
    made = h.started(world)
    stone = h.milestone(world, made)
    job = h.task(world, made)
    client = web(world.agent)
    base = f"/service-projects/{made.pk}"
    assert client.get(f"{base}/tasks/{job.pk}/edit/").status_code == 200
    client.post(f"{base}/tasks/{job.pk}/edit/", {"title": "设备就位与接线", "planned_hours": "5"})
    assert h.reload(world, job).title == "设备就位与接线"
    client.post(f"{base}/milestones/{stone.pk}/edit/", {"name": "到货", "due_date": _day(4)})
    assert h.reload(world, stone).name == "到货"
    other = h.started(world, name="别的项目")
    assert client.get(f"/service-projects/{other.pk}/tasks/{job.pk}/edit/").status_code == 404


def test_other_people_and_other_orgs(world, other_world, web, agent_b):
    made = h.started(world)
    foreign = h.started(other_world)
    assert web(world.agent).get(f"/service-projects/{foreign.pk}/").status_code == 404
    assert web(agent_b).get(f"/service-projects/{made.pk}/").status_code == 404
    response = web(world.readonly).post(
        f"/service-projects/{made.pk}/status/", {"status": "on_hold"}
    )
    assert response.status_code in (403, 404)
    assert h.reload(world, made).status == "in_progress"


def test_export_is_an_excel_file(world, web):
    h.started(world)
    response = web(world.admin).get("/service-projects/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert web(world.agent).get("/service-projects/export/").status_code == 403


def test_customer_card_and_start_card(world, web):
    made = h.started(world)
    h.task(world, made, title="逾期任务", assignee=world.agent.pk, due_date=_day(-1))
    client = web(world.agent)
    card = client.get(f"/service-projects/customer/{made.customer_id}/card/").content.decode()
    assert made.code in card and 'data-testid="projects-card"' in card
    start = client.get("/").content.decode()
    assert 'data-testid="projects-start-card"' in start
    assert "逾期任务" in start


def test_delete_from_the_page(world, web):
    made = h.project(world)
    refused = web(world.agent).post(f"/service-projects/{made.pk}/delete/", follow=True)
    assert "您没有执行此操作的权限" in refused.content.decode()
    with org_scope(world.org):
        assert ServiceProject.objects.filter(pk=made.pk).exists()
    response = web(world.admin).post(f"/service-projects/{made.pk}/delete/")
    assert response.status_code == 302
    with org_scope(world.org):
        assert not ServiceProject.objects.filter(pk=made.pk).exists()


def test_detail_forms_remove_and_undo(world, web):
    """Members in and out, a bad form's errors as a message, a milestone taken back, and
    the deletes: each changes the rows and says so on the page it returns to."""
    made = h.started(world)
    client = web(world.agent)
    base = f"/service-projects/{made.pk}"
    added = client.post(f"{base}/members/", {"employee": world.rep_b.pk}, follow=True)
    assert "项目成员已添加" in added.content.decode()
    with org_scope(world.org):
        assert world.rep_b.pk in set(made.members.values_list("pk", flat=True))
    removed = client.post(f"{base}/members/{world.rep_b.pk}/remove/", follow=True)
    assert "项目成员已移除" in removed.content.decode()
    with org_scope(world.org):
        assert world.rep_b.pk not in set(made.members.values_list("pk", flat=True))

    bad = client.post(f"{base}/milestones/", {"name": "", "due_date": "not a date"}, follow=True)
    assert "请检查里程碑" in bad.content.decode()
    with org_scope(world.org):
        assert not Milestone.objects.exists()

    stone = h.milestone(world, made, due_date=_day(2))
    client.post(f"{base}/milestones/{stone.pk}/reach/")
    assert h.reload(world, stone).reached_on == timezone.localdate()
    back = client.post(f"{base}/milestones/{stone.pk}/reach/", {"reached": "0"}, follow=True)
    assert "里程碑已改为未达成" in back.content.decode()
    assert h.reload(world, stone).reached_on is None

    job = h.task(world, made, milestone=stone.pk)
    with org_scope(world.org):
        entry = services.time_entry_create(
            actor=world.agent, project=made, task=job.pk, hours="1.5", work_date=_day(0)
        )
    gone = client.post(f"{base}/hours/{entry.pk}/delete/", follow=True)
    assert "工时已删除" in gone.content.decode()
    client.post(f"{base}/tasks/{job.pk}/delete/")
    client.post(f"{base}/milestones/{stone.pk}/delete/")
    with org_scope(world.org):
        assert not TimeEntry.objects.exists()
        assert not ProjectTask.objects.exists()
        assert not Milestone.objects.exists()
    # another project's child is not found through this one
    other = h.started(world, name="别的项目")
    other_stone = h.milestone(world, other)
    assert client.post(f"{base}/milestones/{other_stone.pk}/delete/").status_code == 404
