"""Knowledge services and selectors: articles and their versions, sanitising, search
and suggestions, links and the solved count, tree validation, diagnosis walks."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.knowledge import selectors, services
from guanxi.knowledge.models import Article, ArticleLink, DecisionNode, DiagnosisWalk
from guanxi.knowledge.tests import helpers as h
from guanxi.workspace import targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket_target(world):
    """Customers registered again under the key "ticket", so the solved count (which
    counts tickets) can be proven without the ticket app."""
    from guanxi.customers import selectors as customer_selectors
    from guanxi.customers.models import Customer

    previous = targets.get("ticket")
    targets.register(
        Customer,
        key="ticket",
        module="customers",
        label="ticket",
        link=lambda record: "/",
        visible=lambda employee: customer_selectors.customer_queryset(employee=employee),
    )
    yield
    if previous is None:
        targets._targets.pop("ticket", None)
    else:
        targets._targets["ticket"] = previous


# ---- articles ----------------------------------------------------------------------------


def test_article_takes_a_code_and_is_rendered_without_script(world):
    """Raw HTML in the body never becomes markup: script blocks are dropped from the
    source, other tags are shown as text, javascript: links are not links."""
    body = (
        "## 步骤\n\n**先关机**<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[点我](javascript:alert(1))"
    )
    article = h.article(world, body=body)
    assert article.code.startswith("KB")
    assert "<script" not in article.body and "alert(1)</script>" not in article.body
    assert "<script" not in article.body_html.lower()
    assert "<img" not in article.body_html
    assert "&lt;img" in article.body_html
    assert 'href="javascript' not in article.body_html
    assert "<h2>步骤</h2>" in article.body_html and "<strong>先关机</strong>" in article.body_html


def test_bad_input_is_refused_with_field_errors(world):
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.article_create(actor=world.admin, title="  ", kind="poem")
    assert "title" in caught.value.message_dict
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.article_create(actor=world.admin, title="好", tags=["x" * 31])
    assert "tags" in caught.value.message_dict
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.article_create(actor=world.admin, title="好", products=[999999])
    assert "products" in caught.value.message_dict
    with org_scope(world.org):
        assert Article.objects.count() == 0


def test_an_empty_article_cannot_be_published(world):
    draft = h.article(world, body="", publish=False)
    with org_scope(world.org), pytest.raises(BusinessRuleError):
        services.article_publish(actor=world.admin, article=draft)


def test_published_edits_become_versions_and_a_version_can_be_restored(world):
    article = h.article(world, title="打印机卡纸处理", body="第一版")
    with org_scope(world.org):
        assert list(article.versions.values_list("number", flat=True)) == [1]
        article = services.article_update(
            actor=world.agent, article=article, version=1, body="第二版"
        )
        assert article.version == 2
        assert sorted(article.versions.values_list("number", flat=True)) == [1, 2]
        with pytest.raises(StaleVersion):
            services.article_update(actor=world.agent, article=article, version=1, body="x")
        # a change that is not content (tags) makes no version
        article = services.article_update(actor=world.agent, article=article, tags="打印机")
        assert article.versions.count() == 2
        restored = services.article_restore(actor=world.agent, article=article, number=1)
        assert restored.body == "第一版" and "第一版" in restored.body_html
        newest = restored.versions.order_by("-number").first()
        assert (newest.number, newest.body, newest.edited_by_id) == (4, "第一版", world.agent.pk)
        with pytest.raises(BusinessRuleError):
            services.article_restore(actor=world.agent, article=restored, number=1)


def test_drafts_make_no_versions(world):
    draft = h.article(world, publish=False)
    with org_scope(world.org):
        services.article_update(actor=world.admin, article=draft, body="改了")
        assert draft.versions.count() == 0
        services.article_publish(actor=world.admin, article=draft)
        assert list(draft.versions.values_list("number", flat=True)) == [3]


def test_a_reader_cannot_write(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.article_create(actor=world.readonly, title="只读")
    article = h.article(world)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.article_delete(actor=world.agent, article=article)  # agents do not delete


def test_deleted_articles_leave_search(world):
    article = h.article(world, title="发票开具说明", body="开票信息要完整")
    with org_scope(world.org):
        assert [
            hit.article for hit in selectors.article_search(employee=world.agent, text="发票")
        ] == [article]
        services.article_delete(actor=world.admin, article=article)
        assert selectors.article_search(employee=world.agent, text="发票") == []


# ---- search and suggestions --------------------------------------------------------------


def test_search_finds_two_chinese_characters_and_ranks_title_hits_first(world):
    in_body = h.article(world, title="打印机日常维护", body="定期清洁搓纸轮，可以减少卡纸。")
    in_title = h.article(world, title="打印机卡纸处理", body="打开后盖，取出纸张。")
    h.article(world, title="空调不制冷", body="检查滤网。")
    with org_scope(world.org):
        hits = selectors.article_search(employee=world.agent, text="卡纸")
    assert [hit.article for hit in hits] == [in_title, in_body]
    assert "<mark>卡纸</mark>" in hits[1].snippet
    with org_scope(world.org):
        assert selectors.article_search(employee=world.agent, text="冰箱") == []


def test_search_by_tag_and_code(world):
    article = h.article(world, title="报修流程", body="先登记。", tags=["售后"])
    with org_scope(world.org):
        assert [
            hit.article for hit in selectors.article_search(employee=world.agent, text="售后")
        ] == [article]
        found = selectors.article_search(employee=world.agent, text=article.code)
    assert [hit.article for hit in found] == [article]


def test_search_stays_in_the_org(world, other_world):
    h.article(other_world, title="打印机卡纸处理")
    with org_scope(world.org):
        assert selectors.article_search(employee=world.agent, text="卡纸") == []


def test_suggestions_rank_by_shared_terms_product_and_solved(world):
    aircon = h.product(world, name="柜式空调")
    general = h.article(world, title="空调不制冷的排查步骤", body="检查滤网、室外机和制冷剂。")
    for_product = h.article(world, title="空调制冷效果差", body="清洗滤网。", products=[aircon.pk])
    h.article(world, title="打印机卡纸处理", body="打开后盖。")
    h.article(world, title="空调不制冷草稿", body="滤网", publish=False)
    text = "客户反映空调不制冷，滤网很脏"
    with org_scope(world.org):
        plain = selectors.suggest_articles(employee=world.agent, text=text)
        boosted = selectors.suggest_articles(employee=world.agent, text=text, product=aircon)
        assert selectors.suggest_articles(employee=world.agent, text="") == []
    assert plain[0] == general  # holds more of the text's terms
    assert set(plain) == {general, for_product}  # never a draft or an unrelated article
    assert boosted[0] == for_product


# ---- links and the solved count ----------------------------------------------------------


def test_solved_count_follows_the_solved_ticket_links(world, ticket_target):
    article = h.article(world)
    first, second = h.customer(world, name="甲公司"), h.customer(world, name="乙公司")
    with org_scope(world.org):
        one = services.link_create(
            actor=world.agent, target_type="ticket", target_id=first.pk, article=article
        )
        article.refresh_from_db()
        assert article.solved_count == 0
        services.link_set_solved(actor=world.agent, link=one, solved=True)
        services.link_create(
            actor=world.agent, target_type="ticket", target_id=second.pk, article=article,
            solved=True,
        )  # fmt: skip
        # a solved link on another record type does not count as a ticket
        services.link_create(
            actor=world.agent, target_type="customer", target_id=first.pk, article=article,
            solved=True,
        )  # fmt: skip
        article.refresh_from_db()
        assert article.solved_count == 2
        services.link_set_solved(actor=world.agent, link=one, solved=False)
        article.refresh_from_db()
        assert article.solved_count == 1
        two = ArticleLink.objects.get(target_type="ticket", target_id=second.pk)
        services.link_delete(actor=world.agent, link=two)
        article.refresh_from_db()
        assert article.solved_count == 0


def test_linking_twice_keeps_one_link(world):
    article = h.article(world)
    record = h.customer(world)
    with org_scope(world.org):
        for _ in range(2):
            services.link_create(
                actor=world.agent, target_type="customer", target_id=record.pk, article=article
            )
        assert ArticleLink.objects.count() == 1


def test_links_need_a_visible_target_and_a_published_article(world):
    record = h.customer(world, owner=world.rep_a)
    draft = h.article(world, publish=False)
    published = h.article(world, title="另一篇")
    h.grant(world.rep_b, "knowledge.create", "knowledge.edit")
    with org_scope(world.org):
        with pytest.raises(Http404):  # rep_b (another department) cannot see rep_a's customer
            services.link_create(
                actor=world.rep_b, target_type="customer", target_id=record.pk, article=published
            )
        with pytest.raises(Http404):
            services.link_create(
                actor=world.agent, target_type="spaceship", target_id=1, article=published
            )
        with pytest.raises(BusinessRuleError):
            services.link_create(
                actor=world.agent, target_type="customer", target_id=record.pk, article=draft
            )
        assert ArticleLink.objects.count() == 0


# ---- decision trees ----------------------------------------------------------------------


def test_a_complete_tree_publishes_and_an_incomplete_one_does_not(world):
    tree, nodes = h.tree(world, publish=False)
    with org_scope(world.org):
        assert services.tree_problems(list(tree.nodes.all())) == []
        # a question without answers: every leaf must be a solution
        services.node_create(
            actor=world.admin, tree=tree, parent=nodes["root"], answer="闪烁",
            kind="question", text="闪几下？",
        )  # fmt: skip
        problems = services.tree_problems(list(tree.nodes.all()))
        assert len(problems) == 1 and "闪几下" in problems[0]
        with pytest.raises(BusinessRuleError) as caught:
            services.tree_publish(actor=world.admin, tree=tree)
        assert caught.value.code == "tree_incomplete"


def test_published_trees_stay_complete(world):
    tree, nodes = h.tree(world)
    with org_scope(world.org), pytest.raises(BusinessRuleError):
        services.node_create(
            actor=world.admin, tree=tree, parent=nodes["root"], answer="闪烁",
            kind="question", text="闪几下？",
        )  # fmt: skip
    with org_scope(world.org):
        assert tree.nodes.count() == 5
        services.node_update(actor=world.admin, node=nodes["c"], text="检查电源线。")


def test_cycles_and_orphans_are_problems(world):
    tree, nodes = h.tree(world, publish=False)
    with org_scope(world.org):
        DecisionNode.objects.filter(pk=nodes["screen"].pk).update(parent=nodes["b"])
        problems = services.tree_problems(list(tree.nodes.all()))
    assert any("循环" in problem for problem in problems)


def test_builder_refuses_bad_nodes(world):
    tree, nodes = h.tree(world, publish=False)
    with org_scope(world.org):
        with pytest.raises(ValidationError):  # a second root
            services.node_create(actor=world.admin, tree=tree, kind="question", text="又一个")
        with pytest.raises(ValidationError):  # after a solution
            services.node_create(
                actor=world.admin, tree=tree, parent=nodes["c"], answer="x", kind="solution",
                text="y",
            )  # fmt: skip
        with pytest.raises(ValidationError):  # the same answer twice
            services.node_create(
                actor=world.admin, tree=tree, parent=nodes["root"], answer="亮",
                kind="solution", text="y",
            )  # fmt: skip
        with pytest.raises(ValidationError):  # a question with answers becoming a solution
            services.node_update(actor=world.admin, node=nodes["screen"], kind="solution")
        assert tree.nodes.count() == 5


def test_reorder_and_delete_a_subtree(world):
    tree, nodes = h.tree(world, publish=False)
    with org_scope(world.org):
        services.node_move(actor=world.admin, node=nodes["b"], direction="up")
        order = list(nodes["screen"].children.order_by("order").values_list("pk", flat=True))
        assert order == [nodes["b"].pk, nodes["a"].pk]
        services.node_delete(actor=world.admin, node=nodes["screen"])
        assert set(tree.nodes.values_list("pk", flat=True)) == {nodes["root"].pk, nodes["c"].pk}


# ---- walks -------------------------------------------------------------------------------


def test_a_walk_records_its_path_step_by_step_including_back(world, ticket_target):
    article = h.article(world, title="重装系统引导")
    tree, nodes = h.tree(world, solution_article=article)
    record = h.customer(world)
    agent = world.agent
    with org_scope(world.org):
        walk = services.walk_start(
            actor=agent, tree=tree, target_type="ticket", target_id=record.pk
        )
        assert walk.current_id == nodes["root"].pk and walk.path == []
        walk = services.walk_answer(actor=agent, walk=walk, node=nodes["screen"])
        walk = services.walk_answer(actor=agent, walk=walk, node=nodes["b"])
        assert [step["answer"] for step in walk.path] == ["亮", "没有"]
        walk = services.walk_back(actor=agent, walk=walk)
        assert walk.current_id == nodes["screen"].pk
        assert walk.path == [
            {"node": nodes["root"].pk, "question": "电源指示灯亮吗？", "answer": "亮"}
        ]
        with pytest.raises(ValidationError):  # not an answer of the current question
            services.walk_answer(actor=agent, walk=walk, node=nodes["c"])
        with pytest.raises(BusinessRuleError):  # not at a solution yet
            services.walk_finish(actor=agent, walk=walk)
        walk = services.walk_answer(actor=agent, walk=walk, node=nodes["a"])
        walk = services.walk_finish(actor=agent, walk=walk, solved=True)
        stored = DiagnosisWalk.objects.get(pk=walk.pk)
        assert [step["question"] for step in stored.path] == ["电源指示灯亮吗？", "屏幕有显示吗？"]
        assert stored.outcome_node_id == nodes["a"].pk and stored.outcome_article_id == article.pk
        assert stored.finished_at is not None
        link = ArticleLink.objects.get(target_type="ticket", target_id=record.pk)
        assert link.solved and link.article_id == article.pk
        article.refresh_from_db()
        assert article.solved_count == 1
        with pytest.raises(BusinessRuleError):
            services.walk_back(actor=agent, walk=stored)


def test_walks_belong_to_their_agent_and_need_a_visible_target_and_published_tree(world):
    tree, nodes = h.tree(world)
    draft, _ = h.tree(world, publish=False, name="草稿树")
    record = h.customer(world, owner=world.rep_a)
    h.grant(world.rep_b, "knowledge.create")
    with org_scope(world.org):
        with pytest.raises(Http404):
            services.walk_start(
                actor=world.rep_b, tree=tree, target_type="customer", target_id=record.pk
            )
        with pytest.raises(BusinessRuleError):
            services.walk_start(
                actor=world.agent, tree=draft, target_type="customer", target_id=record.pk
            )
        walk = services.walk_start(
            actor=world.agent, tree=tree, target_type="customer", target_id=record.pk
        )
        with pytest.raises(PermissionDenied):
            services.walk_answer(actor=world.admin, walk=walk, node=nodes["screen"])
        walk.refresh_from_db()
        assert walk.path == []
