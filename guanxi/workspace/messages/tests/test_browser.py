"""Real-browser flows: a rep writes to a colleague, who sees the unread badge, reads and
replies, and the reply reaches the first rep's open conversation without a reload; a
rep @mentions the manager on a follow-up with the autocomplete and the manager finds it
under "提及我的"."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.orgs.tests.factories import PASSWORD
from guanxi.workspace.messages.models import Mention, Message
from guanxi.workspace.notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _second_tab(browser, live_server, employee, *, mobile=False):
    """Another signed-in browser (another person at another desk, or a phone)."""
    viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=viewport)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto("/login/")
    org_box = tab.locator("input[name=org]")
    if org_box.count():
        org_box.fill(employee.org.code)
    tab.fill("input[name=username]", employee.user.username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("[data-testid=login-form] button[type=submit]")
    tab.wait_for_selector("[data-testid=topbar]")
    return context, tab


class ConversationPage:
    def __init__(self, page):
        self.page = page

    def send(self, text):
        count = self.page.locator("[data-testid=message]").count()
        self.page.fill("[data-testid=message-input]", text)
        self.page.click("[data-testid=message-send]")
        self.page.locator("[data-testid=message]").nth(count).wait_for()

    def texts(self):
        return [
            t.strip() for t in self.page.locator("[data-testid=message-text]").all_inner_texts()
        ]


def test_a_message_arrives_with_an_unread_badge_and_the_reply_comes_back_live(
    world, page, sign_in, browser, live_server
):
    sign_in(world.rep_a)
    page.goto(f"/messages/new/?to={world.rep_b.pk}")
    form = page.locator("[data-testid=direct-form]")
    form.locator("textarea[name=body]").fill("明天上午一起去拜访天津港？")
    form.locator("[data-testid=direct-send]").click()
    page.wait_for_selector("[data-testid=message-list] [data-testid=message]")
    conversation = ConversationPage(page)
    page.evaluate("window.gxNoReload = true")
    conversation.send("<b>十点</b>出发")
    assert conversation.texts() == ["明天上午一起去拜访天津港？", "<b>十点</b>出发"]
    assert page.evaluate("window.gxNoReload") is True  # sent with htmx, no page load
    assert page.locator("[data-testid=message-input]").input_value() == ""

    # too long: refused on the box itself, the text kept
    page.fill("[data-testid=message-input]", "长" * 2001)
    page.click("[data-testid=message-send]")
    page.wait_for_selector("[data-testid=message-error]")
    assert "不能超过 2000 字" in page.locator("[data-testid=message-error]").inner_text()
    assert len(conversation.texts()) == 2

    # the colleague, on a phone
    context, tab = _second_tab(browser, live_server, world.rep_b, mobile=True)
    try:
        tab.goto("/messages/")
        row = tab.locator("[data-testid=conversation-row]")
        assert row.count() == 1
        assert row.locator("[data-testid=conversation-title]").inner_text() == "张三"
        assert row.locator("[data-testid=unread-badge]").inner_text() == "2"
        row.click()
        tab.wait_for_selector("[data-testid=message-list] [data-testid=message]")
        assert ConversationPage(tab).texts() == conversation.texts()
        ConversationPage(tab).send("好的，十点见")
        tab.goto("/messages/")
        assert tab.locator("[data-testid=unread-badge]").count() == 0
    finally:
        context.close()

    # the first rep's open conversation asks for news (every 15 s; here: at once)
    page.evaluate("htmx.trigger('#message-poller', 'gx-poll')")
    page.locator("[data-testid=message]").nth(2).wait_for()
    assert conversation.texts()[-1] == "好的，十点见"
    assert page.locator("[data-testid=message]").count() == 3
    with org_scope(world.org):
        assert Message.objects.count() == 3
        assert Notification.objects.filter(kind="message", recipient=world.rep_b).count() == 2


def test_a_mention_picked_from_the_autocomplete_reaches_the_manager(
    world, page, sign_in, browser, live_server
):
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.rep_b, name="天津港务集团")
    sign_in(world.rep_b)
    page.goto(f"/customers/{customer.pk}/")
    form = page.locator("[data-testid=activity-form]")
    box = form.locator("textarea[name=content]")
    box.click()
    box.press_sequentially("报价已发，请 @王")
    page.wait_for_selector("[data-testid=mention-menu]")
    option = page.locator("[data-testid=mention-option]")
    assert option.count() == 1 and option.inner_text().startswith("王经理")
    option.click()
    box.press_sequentially("审核")
    assert box.input_value() == f"报价已发，请 @[王经理](employee:{world.manager.pk}) 审核"
    form.locator("[data-testid=add-activity]").click()
    page.wait_for_selector("[data-testid=activity-saved]")
    mention = page.locator("[data-testid=activity-item] [data-testid=mention]")
    assert mention.inner_text() == "@王经理"
    assert "employee:" not in page.locator("[data-testid=activity-content]").inner_text()
    with org_scope(world.org):
        assert Mention.objects.get().employee_id == world.manager.pk
        assert Notification.objects.filter(kind="mention", recipient=world.manager).exists()

    context, tab = _second_tab(browser, live_server, world.manager)
    try:
        tab.goto("/messages/mentions/")
        row = tab.locator("[data-testid=mention-row]")
        assert row.count() == 1
        assert "李四" in row.locator("[data-testid=mention-author]").inner_text()
        row.locator("[data-testid=mention-open]").click()
        tab.wait_for_selector("[data-testid=activity-item] [data-testid=mention]")
    finally:
        context.close()
