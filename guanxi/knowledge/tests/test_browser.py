"""Real-browser flows: an admin builds a small diagnosis tree and publishes it, then an
agent walks it on a record (with a step back) and the path is recorded; the knowledge
search finds an article by a two-character Chinese word."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.knowledge.models import ArticleLink, DecisionTree, DiagnosisWalk
from guanxi.knowledge.tests import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class BuilderPage:
    def __init__(self, page):
        self.page = page

    def create_tree(self, name, first_question):
        self.page.goto("/knowledge/trees/new/")
        self.page.fill("[data-testid=tree-form] [name=name]", name)
        self.page.fill("[data-testid=tree-form] [name=first_question]", first_question)
        self.page.click("[data-testid=tree-save]")
        self.page.wait_for_selector("[data-testid=tree-builder]")

    def add_answer(self, question, answer, kind, text):
        # the innermost node holding the question (its ancestors hold the text too)
        node = self.page.locator("[data-testid=tree-node]", has_text=question).last
        form = node.locator("[data-testid=answer-form]").last
        form.locator("[data-testid=answer-text]").fill(answer)
        form.locator("[data-testid=answer-kind]").select_option(kind)
        form.locator("[data-testid=answer-next]").fill(text)
        count = self.page.locator("[data-testid=tree-node]").count()
        form.locator("[data-testid=answer-add]").click()
        self.page.wait_for_function(
            f"document.querySelectorAll('[data-testid=tree-node]').length > {count}"
        )

    def publish(self):
        self.page.click("[data-testid=tree-publish]")
        self.page.wait_for_selector("[data-testid=tree-unpublish]")


class PanelPage:
    def __init__(self, page):
        self.page = page

    def open(self, record):
        self.page.goto(f"/knowledge/panel/customer/{record.pk}/")
        self.page.wait_for_selector("[data-testid=kb-panel]")

    def start(self):
        self.page.click("[data-testid=walk-start]")
        self.page.wait_for_selector("[data-testid=walk-question]")

    def answer(self, label):
        walk = self.page.locator("[data-testid=walk]")
        walk.get_by_role("button", name=label, exact=True).click()
        self.page.wait_for_load_state("networkidle")

    def back(self):
        self.page.click("[data-testid=walk-back]")
        self.page.wait_for_load_state("networkidle")

    def question(self):
        return self.page.locator("[data-testid=walk-question]").inner_text().strip()


def test_admin_builds_a_tree_and_an_agent_walks_it(world, page, sign_in):
    record = h.customer(world, name="华光科技有限公司")
    sign_in(world.admin)
    builder = BuilderPage(page)
    builder.create_tree("设备无法开机", "电源指示灯亮吗？")
    builder.add_answer("电源指示灯亮吗？", "不亮", "solution", "检查电源线和插座。")
    builder.add_answer("电源指示灯亮吗？", "亮", "question", "屏幕有显示吗？")
    builder.add_answer("屏幕有显示吗？", "没有", "solution", "检查显示器连接线。")
    assert page.locator("[data-testid=tree-complete]").count() == 1
    builder.publish()
    with org_scope(world.org):
        tree = DecisionTree.objects.get(name="设备无法开机")
        assert tree.status == "published" and tree.nodes.count() == 4

    page.context.clear_cookies()
    sign_in(world.agent)
    panel = PanelPage(page)
    panel.open(record)
    panel.start()
    assert panel.question() == "电源指示灯亮吗？"
    panel.answer("不亮")
    page.wait_for_selector("[data-testid=walk-solution]")
    panel.back()
    assert panel.question() == "电源指示灯亮吗？"
    panel.answer("亮")
    page.wait_for_function(
        "document.querySelector('[data-testid=walk-question]')?.innerText.includes('屏幕')"
    )
    panel.answer("没有")
    page.wait_for_selector("[data-testid=walk-solution]")
    assert "检查显示器连接线" in page.locator("[data-testid=walk-solution]").inner_text()
    page.click("[data-testid=walk-finish]")
    page.wait_for_selector("[data-testid=walk]", state="detached")  # no open walk left
    with org_scope(world.org):
        walk = DiagnosisWalk.objects.get()
    assert walk.employee_id == world.agent.pk and walk.finished_at is not None
    assert [(s["question"], s["answer"]) for s in walk.path] == [
        ("电源指示灯亮吗？", "亮"),
        ("屏幕有显示吗？", "没有"),
    ]


def test_agent_links_a_found_article_and_marks_it_solved(world, page, sign_in):
    record = h.customer(world)
    h.article(world, title="打印机卡纸处理", body="打开后盖，取出卡纸。")
    sign_in(world.agent)
    PanelPage(page).open(record)
    page.fill("[data-testid=panel-search]", "卡纸")
    page.wait_for_selector("[data-testid=found-link]")
    page.click("[data-testid=found-link]")
    page.wait_for_selector("[data-testid=link-solve]")
    page.click("[data-testid=link-solve]")
    page.wait_for_selector("[data-testid=link-solved]")
    with org_scope(world.org):
        assert ArticleLink.objects.get(target_id=record.pk).solved


def test_search_finds_an_article_by_a_chinese_word(world, page, sign_in):
    h.article(world, title="空调不制冷的排查步骤", body="先检查滤网是否堵塞。")
    h.article(world, title="打印机卡纸处理", body="打开后盖。")
    sign_in(world.agent)
    page.goto("/knowledge/")
    page.fill("[data-testid=kb-search-input]", "滤网")
    page.click("[data-testid=kb-search-submit]")
    page.wait_for_selector("[data-testid=kb-hit]")
    hits = page.locator("[data-testid=kb-hit]")
    assert hits.count() == 1
    assert "空调不制冷的排查步骤" in hits.first.inner_text()
    assert page.locator("[data-testid=kb-hit-snippet] mark").first.inner_text() == "滤网"
