"""Real-browser flow of the start page (我的工作台): a manager's day on one page."""

import datetime

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.workspace import services as activity_services
from guanxi.workspace.approvals.tests.helpers import flow, submitted
from guanxi.workspace.notifications import services as notifications
from guanxi.workspace.schedule import services as schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_starts_the_day_from_the_start_page(world, page, sign_in):
    now = timezone.now()
    flow(world, {"kind": "manager"})
    with org_scope(world.org):
        customer = customer_services.customer_create(
            actor=world.manager, name="宁波港城物流有限公司", owner=world.manager
        )
        schedule.task_create(actor=world.manager, title="给宁波港城打电话", due_at=now)
        activity_services.activity_create(
            actor=world.manager,
            customer=customer,
            content="报价已发出",
            occurred_at=now - datetime.timedelta(days=3),
            next_followup_on=timezone.localdate() - datetime.timedelta(days=1),
        )
        notifications.notify(
            recipients=[world.manager],
            kind="mention",
            title="张三在宁波港城的跟进里提到了您",
            link=f"/customers/{customer.pk}/",
        )
    submitted(world, title="采购投影仪")
    sign_in(world.manager)
    page.goto("/")
    assert "给宁波港城打电话" in page.locator("[data-testid=start-card-schedule]").inner_text()
    followups = page.locator("[data-testid=start-card-followups]")
    assert "宁波港城物流有限公司" in followups.inner_text() and "已逾期" in followups.inner_text()
    waiting = page.locator("[data-testid=start-card-approvals]")
    assert "采购投影仪" in waiting.inner_text()
    assert page.locator("[data-testid=approvals-waiting-count]").inner_text() == "1"
    # the approval also told him; opening the mention from its card goes to the customer
    # and reads it
    cards = page.locator("[data-testid=start-notification]")
    assert cards.count() == 2 and "待您审批：采购投影仪" in cards.all_inner_texts()[0]
    cards.get_by_role("link", name="张三在宁波港城的跟进里提到了您").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    page.goto("/")
    assert page.locator("[data-testid=start-notification]").count() == 1
    assert "提到了您" not in page.locator("[data-testid=start-card-notifications]").inner_text()


def test_start_page_in_english_for_a_service_agent(world, page, sign_in):
    sign_in(world.agent)
    page.goto("/")
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("[data-testid=start-card-schedule]").count() == 0
    assert "My follow-ups" in page.locator("[data-testid=start-card-followups]").inner_text()
    assert page.locator("[data-testid=start-card-notifications]").is_visible()
