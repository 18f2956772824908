"""Real-browser flow of the bell: a notification appears, opening it goes to its record
and the count drops; "mark all read" clears it; in Chinese and in English."""

import re

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.workspace.notifications import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Bell:
    """The bell in the top bar (page object)."""

    def __init__(self, page):
        self.page = page
        self.count = page.locator("[data-testid=bell-notifications-count]")

    def unread(self):
        self.count.wait_for()
        return int(re.match(r"\d+", self.count.inner_text()).group())

    def open(self):
        self.page.locator("[data-testid=bell]").click()
        menu = self.page.locator("[data-testid=bell-menu]")
        menu.wait_for()
        return menu


def test_a_notification_opens_its_record_and_the_count_drops(world, page, sign_in):
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")
        services.notify(recipients=[world.rep_a], kind="renewal", title="合同下月到期")
        services.notify(
            recipients=[world.rep_a],
            kind="approval_waiting",
            title="西湖茶业报价单待审批",
            link=f"/customers/{customer.pk}/",
            target=customer,
        )
    sign_in(world.rep_a)
    page.goto("/notifications/settings/")
    bell = Bell(page)
    assert bell.unread() == 2
    menu = bell.open()
    item = menu.locator("[data-testid=bell-notification]", has_text="西湖茶业报价单待审批")
    assert "待我审批" in item.inner_text()
    item.click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert "杭州西湖茶业有限公司" in page.locator("h1").first.inner_text()
    page.wait_for_function(
        "document.querySelector('[data-testid=bell-notifications-count]')?.innerText.startsWith('1')"
    )
    assert bell.unread() == 1


def test_mark_all_read_in_english(world, page, sign_in):
    with org_scope(world.org):
        services.notify(recipients=[world.rep_b], kind="follow_up_overdue", title="Follow up ACME")
    sign_in(world.rep_b)
    page.locator("[data-testid=lang-switch]").click()
    page.wait_for_selector("html[lang=en]")
    bell = Bell(page)
    assert bell.unread() == 1
    menu = bell.open()
    assert "Follow-up overdue" in menu.locator("[data-testid=bell-notification]").inner_text()
    menu.locator("[data-testid=bell-read-all]").click()
    page.wait_for_selector("[data-testid=bell-empty]", state="attached")
    assert page.locator("[data-testid=bell-notifications-count]").count() == 0
    page.goto("/notifications/")
    assert page.locator("h1").inner_text() == "My notifications"
    assert "Read" in page.locator("[data-testid=notification-row]").inner_text()
