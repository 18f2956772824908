"""Real-browser flow: a service agent creates a project for a customer, adds a milestone
and a task under it, logs hours on the task, finishes the task and sees the progress and
the hours against the budget."""

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.service.projects.models import ServiceProject, TimeEntry
from guanxi.service.projects.tests import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ProjectPages:
    def __init__(self, page):
        self.page = page

    def create(self, *, customer, name, budget):
        self.page.goto(f"/service-projects/new/?customer={customer.pk}")
        form = self.page.locator("[data-testid=project-form]")
        form.locator("[data-testid=project-name]").fill(name)
        form.locator("[data-testid=project-budget-hours]").fill(budget)
        form.locator("[data-testid=project-save]").click()
        self.page.wait_for_selector("[data-testid=project-title]")

    def submit(self, form_id, button_id):
        with self.page.expect_navigation():
            self.page.locator(f"[data-testid={form_id}] [data-testid={button_id}]").click()

    def add_milestone(self, *, name, due):
        form = self.page.locator("[data-testid=milestone-form]")
        form.locator("[data-testid=milestone-name]").fill(name)
        form.locator("[data-testid=milestone-due-date]").fill(due)
        self.submit("milestone-form", "milestone-add")

    def add_task(self, *, title, milestone, planned):
        form = self.page.locator("[data-testid=task-form]")
        form.locator("[data-testid=task-title]").fill(title)
        form.locator("[data-testid=task-milestone]").select_option(label=milestone)
        form.locator("[data-testid=task-planned-hours]").fill(planned)
        self.submit("task-form", "task-add")

    def log_hours(self, *, hours, task, note):
        form = self.page.locator("[data-testid=entry-form]")
        form.locator("[data-testid=entry-hours]").fill(hours)
        form.locator("[data-testid=entry-task]").select_option(label=task)
        form.locator("[data-testid=entry-note]").fill(note)
        self.submit("entry-form", "entry-add")

    def finish_first_task(self):
        row = self.page.locator("[data-testid=task-row]").first
        row.locator("[data-testid=task-status-select]").select_option("done")
        with self.page.expect_navigation():
            row.locator("[data-testid=task-status-save]").click()

    def text(self, testid):
        return self.page.locator(f"[data-testid={testid}]").first.inner_text().strip()


def test_create_a_project_plan_it_log_hours_and_see_progress(world, page, sign_in):
    client = h.customer(world, name="苏州精工机械有限公司")
    sign_in(world.agent)
    pages = ProjectPages(page)
    pages.create(customer=client, name="生产线设备安装调试", budget="10")
    assert "生产线设备安装调试" in pages.text("project-title")
    assert pages.text("project-status") == "计划中"
    with page.expect_navigation():
        page.click("[data-testid=project-to-in_progress]")
    assert pages.text("project-status") == "进行中"
    pages.add_milestone(name="设备到货验收", due=timezone.localdate().isoformat())
    assert page.locator("[data-testid=milestone-row]").count() == 1
    pages.add_task(title="开箱清点", milestone="设备到货验收", planned="4")
    assert page.locator("[data-testid=task-row]").count() == 1
    assert pages.text("project-progress") == "0%"
    pages.log_hours(hours="2.5", task="开箱清点", note="开箱清点，外观无损")
    assert page.locator("[data-testid=time-entry]").count() == 1
    assert pages.text("project-logged-hours") == "2.5"
    pages.finish_first_task()
    assert pages.text("project-progress") == "100%"
    assert pages.text("task-status") == "已完成"
    with page.expect_navigation():
        page.click("[data-testid=milestone-reach]")
    assert page.locator("[data-testid=milestone-reached]").count() == 1
    with org_scope(world.org):
        project = ServiceProject.objects.get()
        assert project.owner == world.agent
        entry = TimeEntry.objects.get()
        assert entry.employee == world.agent and entry.task.title == "开箱清点"
