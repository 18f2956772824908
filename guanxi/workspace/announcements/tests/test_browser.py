"""Real-browser flow: the admin composes an announcement to the sales department and
publishes it; a rep on a phone sees it in the bell and the list, opens it; the admin's
receipts page shows the rep as read and the rest of the audience as not."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.tests.factories import PASSWORD
from guanxi.workspace.announcements.models import Announcement, AnnouncementRead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ComposePage:
    def __init__(self, page):
        self.page = page

    def publish(self, *, title, body, department):
        self.page.goto("/announcements/")
        self.page.click("[data-testid=announcement-new]")
        form = self.page.locator("[data-testid=announcement-form]")
        form.locator("input[name=title]").fill(title)
        form.locator("textarea[name=body]").fill(body)
        form.locator("input[name=audience][value=departments]").check()
        form.locator("[data-testid=department-picker]").get_by_label(department).check()
        form.locator("input[name=pinned]").check()
        form.locator("[data-testid=save-publish]").click()
        self.page.wait_for_selector("[data-testid=announcement]")


def _phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _login(page, employee):
    with all_orgs():
        code, username = employee.org.code, employee.user.username
    page.goto("/login/")
    org_box = page.locator("input[name=org]")
    if org_box.count():
        org_box.fill(code)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=topbar]")


def test_compose_publish_read_and_receipts(world, page, sign_in, browser, live_server):
    sign_in(world.admin)
    ComposePage(page).publish(
        title="销售部季度会议", body="<script>x</script>\n**周五** 下午三点", department="销售部"
    )
    assert "公告已发布。" in page.locator("[data-testid=messages]").inner_text()
    assert page.locator("[data-testid=announcement-status]").inner_text().strip() == "已发布"
    body = page.locator("[data-testid=announcement-body]")
    assert "<script>x</script>" in body.inner_text()  # shown as text, never run
    assert body.locator("strong").inner_text() == "周五"
    with org_scope(world.org):
        announcement = Announcement.objects.get()
        assert list(announcement.departments.values_list("name", flat=True)) == ["销售部"]

    context, phone = _phone(browser, live_server)
    _login(phone, world.rep_a)
    phone.wait_for_selector("[data-testid=bell-notifications-count]")
    assert phone.locator("[data-testid=bell-notifications-count]").inner_text().startswith("1")
    assert "销售部季度会议" in phone.locator("[data-testid=announcements-card]").inner_text()
    phone.goto("/announcements/")
    row = phone.locator("[data-testid=announcement-row]")
    assert row.count() == 1
    assert row.get_attribute("data-read") == "0"
    row.locator("[data-testid=announcement-title]").click()
    phone.wait_for_selector("[data-testid=announcement-heading]")
    assert "销售部季度会议" in phone.locator("[data-testid=announcement-heading]").inner_text()
    assert phone.locator("[data-testid=announcement-edit]").count() == 0
    phone.goto("/announcements/")
    assert phone.locator("[data-testid=announcement-row]").get_attribute("data-read") == "1"
    with org_scope(world.org):
        assert AnnouncementRead.objects.filter(employee=world.rep_a).count() == 1
    context.close()

    page.goto(f"/announcements/{announcement.pk}/")
    page.click("[data-testid=announcement-receipts]")
    page.wait_for_selector("[data-testid=receipts-read]")
    assert page.locator("[data-testid=read-count]").inner_text() == "1"
    assert page.locator("[data-testid=unread-count]").inner_text() == "3"
    assert "张三" in page.locator("[data-testid=reader]").inner_text()
    assert "张三" not in page.locator("[data-testid=receipts-unread]").inner_text()

    page.goto(f"/announcements/{announcement.pk}/")
    page.click("[data-testid=announcement-withdraw]")
    page.wait_for_selector("[data-testid=messages] >> text=公告已撤回。")
    with org_scope(world.org):
        assert Announcement.objects.get().status == "withdrawn"
