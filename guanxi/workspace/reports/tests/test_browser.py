"""Real-browser flow of work reports: the admin makes a daily template, a rep writes and
submits a report, the manager opens it, comments and scores it, and the rep sees the
notifications."""

import datetime

import pytest
import time_machine

from guanxi.core.tenancy import org_scope
from guanxi.workspace.reports.models import ReportScore, WorkReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _in_the_morning():
    """A daily report is due at 18:00 (Beijing): write it on a weekday morning whatever
    the wall clock says, or a run in the evening would see it "submitted late"."""
    morning = datetime.datetime(2026, 5, 12, 1, 30, tzinfo=datetime.UTC)  # Tue 09:30 +08
    with time_machine.travel(morning, tick=True):
        yield


class TemplateFormPage:
    def __init__(self, page):
        self.page = page

    def create(self, *, name, fields):
        self.page.goto("/work-reports/templates/new/")
        self.page.fill("[data-testid=template-name]", name)
        self.page.select_option("[data-testid=template-period]", "daily")
        for index, (label, kind, required) in enumerate(fields):
            self.page.fill(f"input[name=fields-{index}-label]", label)
            self.page.select_option(f"select[name=fields-{index}-type]", kind)
            if required:
                self.page.check(f"input[name=fields-{index}-required]")
        self.page.click("[data-testid=template-save]")
        self.page.wait_for_selector("[data-testid=templates]")


class ReportPage:
    def __init__(self, page):
        self.page = page

    def start(self, template_name):
        self.page.goto("/work-reports/")
        self.page.select_option("[data-testid=report-template]", label=f"{template_name}（日报）")
        self.page.click("[data-testid=report-new]")
        self.page.wait_for_selector("[data-testid=report-form]")

    def open_from_inbox(self, author):
        self.page.goto("/work-reports/inbox/")
        row = self.page.locator("[data-testid=inbox-row]", has_text=author)
        row.locator("[data-testid=inbox-link]").click()
        self.page.wait_for_selector("[data-testid=report-values]")


def _sign_out(page):
    page.context.clear_cookies()


def test_template_report_comment_score_and_notification(world, page, sign_in):
    sign_in(world.admin)
    TemplateFormPage(page).create(
        name="销售日报", fields=[("今日工作", "textarea", True), ("拜访客户数", "number", False)]
    )
    _sign_out(page)

    sign_in(world.rep_a)
    report_page = ReportPage(page)
    report_page.start("销售日报")
    page.click("[data-testid=report-submit]")  # the required field is empty: refused
    page.wait_for_selector("text=请填写“今日工作”。")
    page.fill("[data-testid=report-field-f1]", "拜访了西湖茶业，签下试用订单")
    page.fill("[data-testid=report-field-f2]", "3")
    page.click("[data-testid=report-submit]")
    page.wait_for_selector("[data-testid=report-values]")
    assert "已提交" in page.inner_text("[data-testid=report-status]")
    _sign_out(page)

    sign_in(world.manager)
    report_page.open_from_inbox("张三")
    assert "西湖茶业" in page.inner_text("[data-testid=report-value-f1]")
    page.fill("[data-testid=comment-body]", "做得好，明天跟进合同")
    page.click("[data-testid=comment-send]")
    page.wait_for_selector("[data-testid=report-comment]")
    page.click("[data-testid=score-4]")
    page.click("[data-testid=score-save]")
    page.wait_for_selector("[data-testid=score-average]")
    _sign_out(page)

    with org_scope(world.org):
        report = WorkReport.objects.get()
        assert ReportScore.objects.get(report=report).score == 4
        assert report.reads.filter(reader=world.manager).exists()

    sign_in(world.rep_a)
    page.goto("/notifications/")
    listing = page.locator("[data-testid=notifications]")
    listing.locator("text=王经理评论了您的销售日报").first.wait_for()
    assert listing.locator("text=王经理给您的销售日报").count() == 1


def test_writing_a_report_on_a_phone_in_english(world, browser, live_server):
    from guanxi.core.tenancy import all_orgs
    from guanxi.orgs.tests.factories import PASSWORD
    from guanxi.workspace.reports.tests.helpers import make_template

    make_template(world, name="Daily report")
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 390, "height": 800},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        with all_orgs():
            username = world.rep_a.user.username
        phone.goto("/login/")
        org_box = phone.locator("input[name=org]")
        if org_box.count():
            org_box.fill(world.org.code)
        phone.fill("input[name=username]", username)
        phone.fill("input[name=password]", PASSWORD)
        phone.click("[data-testid=login-form] button[type=submit]")
        phone.wait_for_selector("[data-testid=topbar]")

        phone.goto("/work-reports/")
        phone.click("[data-testid=report-new]")
        phone.wait_for_selector("[data-testid=report-form]")
        assert phone.locator("[data-testid=report-submit]").inner_text() == "Submit"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.fill("[data-testid=report-field-done]", "Visited three customers")
        phone.fill("[data-testid=report-field-amount]", "1.234")
        phone.click("[data-testid=report-submit]")
        phone.wait_for_selector("text=“成交金额” takes at most 2 decimal places.")
        phone.fill("[data-testid=report-field-amount]", "1.23")
        phone.click("[data-testid=report-submit]")
        phone.wait_for_selector("[data-testid=report-values]")
        assert phone.inner_text("[data-testid=report-status]") == "Submitted"
        assert phone.inner_text("[data-testid=report-value-amount]") == "1.23"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
