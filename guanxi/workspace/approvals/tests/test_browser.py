"""Real-browser flow: an admin defines an approval flow, a rep submits a requisition over
the amount, the manager approves it from "waiting for me", the rep sees it approved."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.workspace.approvals.models import ApprovalFlow, Requisition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class FlowPages:
    def __init__(self, page):
        self.page = page

    def define(self, *, name, variable, op, value, approver):
        self.page.goto("/approvals/flows/")
        self.page.click("[data-testid=flow-new]")
        form = self.page.locator("[data-testid=flow-form]")
        form.locator("input[name=name]").fill(name)
        condition = form.locator("[data-testid=condition-row]").first
        condition.locator("select[name$=variable]").select_option(label=variable)
        condition.locator("select[name$=op]").select_option(value=op)
        condition.locator("input[name$=value]").fill(value)
        step = form.locator("[data-testid=step-row]").first
        step.locator("select[name$=kind]").select_option(label=approver)
        form.locator("[data-testid=save]").click()
        self.page.wait_for_url("**/approvals/flows/")


class RequisitionPages:
    def __init__(self, page):
        self.page = page

    def file_and_submit(self, *, title, category, amount):
        self.page.goto("/approvals/requisitions/")
        self.page.click("[data-testid=requisition-new]")
        form = self.page.locator("[data-testid=requisition-form]")
        form.locator("input[name=title]").fill(title)
        form.locator("select[name=category]").select_option(label=category)
        form.locator("input[name=amount]").fill(amount)
        form.locator("[data-testid=save]").click()
        self.page.wait_for_selector("[data-testid=requisition-submit]")
        self.page.click("[data-testid=requisition-submit]")
        self.page.wait_for_selector("[data-testid=approval-history]")

    def status(self):
        return self.page.locator("[data-testid=requisition-status]").first.inner_text().strip()


def _tab(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_flow_submit_approve_and_the_rep_sees_it_approved(
    world, page, sign_in, browser, live_server
):
    sign_in(world.admin)
    FlowPages(page).define(
        name="大额申请", variable="金额", op=">", value="5000", approver="提交人的上级"
    )
    row = page.locator("[data-testid=flow-row]")
    assert row.count() == 1
    assert "金额 > 5000" in row.locator("[data-testid=flow-conditions]").inner_text()
    with org_scope(world.org):
        assert ApprovalFlow.objects.get().steps.get().kind == "manager"

    context, rep_page = _tab(browser, live_server)
    _login(rep_page, world.rep_a)
    requisitions = RequisitionPages(rep_page)
    requisitions.file_and_submit(title="采购投影仪", category="采购申请", amount="8000")
    assert requisitions.status() == "审批中"
    assert "已提交审批。" in rep_page.locator("[data-testid=messages]").inner_text()
    # locked: the edit screen refuses with the reason
    rep_page.goto(rep_page.url + "edit/")
    assert "审批中，不能修改" in rep_page.locator("[data-testid=messages]").inner_text()

    manager_context, manager_page = _tab(browser, live_server)
    _login(manager_page, world.manager)
    manager_page.goto("/approvals/")
    inbox_row = manager_page.locator("[data-testid=inbox-row]")
    assert inbox_row.count() == 1
    assert "张三" in inbox_row.inner_text()
    inbox_row.locator("[data-testid=inbox-link]").click()
    manager_page.wait_for_selector("[data-testid=approval-decide]")
    manager_page.fill("[data-testid=approval-decide] textarea[name=comment]", "同意采购")
    manager_page.click("[data-testid=approve]")
    manager_page.wait_for_selector("[data-testid=messages] >> text=已同意。")
    assert manager_page.locator("[data-testid=approval-decide]").count() == 0
    manager_page.goto("/approvals/")
    assert manager_page.locator("[data-testid=inbox-empty]").is_visible()

    rep_page.goto("/approvals/requisitions/")
    assert rep_page.locator("[data-testid=requisition-row]").count() == 1
    assert (
        rep_page.locator("[data-testid=requisition-row] [data-testid=requisition-status]")
        .inner_text()
        .strip()
        == "已通过"
    )
    rep_page.click("[data-testid=requisition-link]")
    history = rep_page.locator("[data-testid=approval-event-action]").all_inner_texts()
    assert history == ["提交", "同意", "审批通过"]
    assert "同意采购" in rep_page.locator("[data-testid=approval-history]").inner_text()
    with org_scope(world.org):
        assert Requisition.objects.get().status == "approved"

    # the same page in English
    rep_page.click("[data-testid=lang-switch]")
    rep_page.wait_for_selector("html[lang=en]")
    assert requisitions.status() == "Approved"
    assert rep_page.locator("[data-testid=approval-event-action]").all_inner_texts() == [
        "submitted",
        "approved",
        "approval complete",
    ]
    assert "Purchase request" in rep_page.locator("[data-testid=requisition-category]").inner_text()
    manager_context.close()
    context.close()


def _login(page, employee):
    from guanxi.core.tenancy import all_orgs
    from guanxi.orgs.tests.factories import PASSWORD

    with all_orgs():
        code = employee.org.code
        username = employee.user.username
    page.goto("/login/")
    org_box = page.locator("input[name=org]")
    if org_box.count():
        org_box.fill(code)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=topbar]")
