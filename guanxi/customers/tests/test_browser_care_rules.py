"""Real-browser flows: a sales manager sets up a care plan and runs it; an admin runs
the churn scan from the lifecycle page."""

import datetime

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.customers.models import CareRule, CareTask, Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class CareRulesPage:
    """The care plan list and form."""

    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/customers/care/")
        self.page.click("[data-testid=care-rules-link]")
        self.page.wait_for_selector("[data-testid=no-care-rules], [data-testid=care-rules]")

    def create_holiday(self, *, name, day, tag):
        self.page.click("[data-testid=care-rule-new]")
        form = self.page.locator("[data-testid=care-rule-form]")
        form.locator("input[name=name]").fill(name)
        form.locator("input[name=kind][value=holiday]").check()
        form.locator("input[name=holiday_on]").fill(day.isoformat())
        form.locator("input[name=lead_days]").fill("5")
        form.locator("input[name=tags]").fill(tag)
        form.locator("[data-testid=save]").click()
        self.page.wait_for_selector("[data-testid=care-rules]")

    def names(self):
        return self.page.locator("[data-testid=care-rule-name]").all_inner_texts()


def test_manager_sets_up_a_holiday_greeting_plan_and_runs_it(world, page, sign_in):
    with org_scope(world.org):
        tagged = services.customer_create(
            actor=world.admin, name="杭州茶业", owner=world.rep_a, tags=["华东"]
        )
        services.customer_create(actor=world.admin, name="北京机械", owner=world.rep_b)
    day = timezone.localdate() + datetime.timedelta(days=2)
    sign_in(world.manager)
    rules = CareRulesPage(page)
    rules.open()
    rules.create_holiday(name="端午问候", day=day, tag="华东")
    assert rules.names() == ["端午问候"]
    page.click("[data-testid=care-rules-run]")
    page.wait_for_selector("[data-testid=care-rule-last-run]:has-text('1')")
    with org_scope(world.org):
        rule = CareRule.objects.get()
        task = CareTask.objects.get(rule=rule)
    assert (task.customer_id, task.assignee_id, task.due_on) == (tagged.pk, world.rep_a.pk, day)
    page.click("[data-testid=care-rule-toggle]")
    page.wait_for_selector("[data-testid=care-rule-status]:has-text('已停用')")


def test_admin_runs_the_churn_scan_from_the_lifecycle_page(world, page, sign_in):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.admin, name="沉睡客户", owner=world.rep_a)
        Customer.objects.filter(pk=customer.pk).update(
            lifecycle_stage="repeat",
            last_order_on=timezone.localdate() - datetime.timedelta(days=400),
        )
        customer.lifecycle_changes.update(created_at=timezone.now() - datetime.timedelta(days=400))
    sign_in(world.admin)
    page.goto("/customers/lifecycle/")
    page.wait_for_selector("[data-testid=lifecycle-scan-last]:has-text('尚未运行')")
    page.click("[data-testid=lifecycle-scan-run]")
    page.wait_for_selector("[data-testid=lifecycle-scan-last]:has-text('1 个客户转为休眠')")
    assert page.inner_text("[data-testid=count-dormant]") == "1"
    assert "长期未购买" in page.inner_text("[data-testid=stage-changes]")
