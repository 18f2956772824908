"""Knowledge screens: query budgets of the list, article and panel pages, search with
highlighting, the editor, versions, the builder's htmx steps, and the panel's refusal
of a record the viewer cannot see."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.knowledge import services
from guanxi.knowledge.models import Article, ArticleLink, DecisionNode, DiagnosisWalk
from guanxi.knowledge.tests import helpers as h

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_home_and_article_pages_keep_their_query_budget(world, web, django_assert_max_num_queries):
    category = h.category(world, name="常见问题")
    for index in range(2):
        h.article(world, title=f"文章{index}", category=category.pk)
    client = web(world.agent)
    with django_assert_max_num_queries(20):
        page = client.get("/knowledge/").content.decode()
    assert page.count('data-testid="article-row"') == 2
    for index in range(5):
        h.article(world, title=f"更多{index}", category=category.pk, tags=["a", "b"])
    with django_assert_max_num_queries(20):
        page = client.get("/knowledge/").content.decode()
    assert page.count('data-testid="article-row"') == 7
    article = h.article(world, title="打印机卡纸处理", body="## 步骤\n\n1. 关机")
    with django_assert_max_num_queries(16):
        page = client.get(f"/knowledge/articles/{article.pk}/").content.decode()
    assert "<h2>步骤</h2>" in page
    with org_scope(world.org):
        assert Article.objects.get(pk=article.pk).view_count == 1


def test_search_box_highlights_a_chinese_word(world, web):
    h.article(world, title="打印机卡纸处理", body="打开后盖，取出卡纸。")
    h.article(world, title="空调不制冷", body="检查滤网。")
    page = web(world.agent).get("/knowledge/", {"q": "卡纸"}).content.decode()
    assert page.count('data-testid="kb-hit"') == 1
    assert "<mark>卡纸</mark>" in page


def test_readers_see_only_published_articles(world, web):
    h.article(world, title="草稿文章", publish=False)
    draft = h.article(world, title="另一篇草稿", publish=False)
    page = web(world.rep_a).get("/knowledge/").content.decode()
    assert "草稿文章" not in page
    assert web(world.rep_a).get(f"/knowledge/articles/{draft.pk}/").status_code == 404
    assert web(world.rep_a).get("/knowledge/articles/new/").status_code == 403


def test_editor_creates_and_publishes_and_refuses_bad_input(world, web):
    client = web(world.agent)
    bad = client.post(
        "/knowledge/articles/new/", {"title": "", "kind": "article", "visibility": "internal"}
    )
    assert bad.status_code == 400
    response = client.post(
        "/knowledge/articles/new/",
        {"title": "发票开具说明", "kind": "faq", "visibility": "public", "tags": "发票, 财务",
         "body": "请提供开票信息<script>x()</script>", "publish": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    with org_scope(world.org):
        article = Article.objects.get(title="发票开具说明")
    assert article.status == "published" and article.tags == ["发票", "财务"]
    assert "<script" not in article.body_html
    page = client.get("/knowledge/faq/").content.decode()
    assert page.count('data-testid="faq"') == 1


def test_versions_page_compares_and_restores(world, web):
    article = h.article(world, body="第一行\n\n第二行")
    with org_scope(world.org):
        services.article_update(actor=world.admin, article=article, body="第一行\n\n改过的第二行")
    client = web(world.agent)
    page = client.get(f"/knowledge/articles/{article.pk}/versions/").content.decode()
    assert page.count('data-testid="version-row"') == 2
    assert "改过的第二行" in page and "bg-danger-subtle" in page
    response = client.post(f"/knowledge/articles/{article.pk}/versions/1/restore/")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "第一行\n\n第二行" and article.version == 3


def test_builder_steps_answer_with_the_builder(world, web):
    tree, nodes = h.tree(world, publish=False)
    client = web(world.admin)
    response = client.post(
        f"/knowledge/trees/{tree.pk}/nodes/",
        {"parent": nodes["root"].pk, "answer": "闪烁", "kind": "solution", "text": "联系售后。"},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="kb-builder"' in response.content.decode()
    refused = client.post(
        f"/knowledge/trees/{tree.pk}/nodes/",
        {"parent": nodes["root"].pk, "answer": "闪烁", "kind": "solution", "text": "重复"},
        **HTMX,
    )
    assert refused.status_code == 400 and "相同的回答" in refused.content.decode()
    delete = client.post(f"/knowledge/nodes/{nodes['screen'].pk}/delete/", **HTMX)
    assert delete.status_code == 200
    with org_scope(world.org):
        assert tree.nodes.count() == 3
        assert not DecisionNode.objects.filter(pk=nodes["a"].pk).exists()
    publish = client.post(f"/knowledge/trees/{tree.pk}/publish/")
    assert publish.status_code == 302
    tree.refresh_from_db()
    assert tree.status == "published"


def test_panel_refuses_a_record_the_viewer_cannot_see(world, web):
    record = h.customer(world, owner=world.rep_a)
    assert web(world.rep_b).get(f"/knowledge/panel/customer/{record.pk}/").status_code == 404
    assert web(world.agent).get("/knowledge/panel/nothing/1/").status_code == 404
    assert web(world.agent).get(f"/knowledge/panel/customer/{record.pk}/").status_code == 200


def test_panel_keeps_its_query_budget(world, web, django_assert_max_num_queries):
    record = h.customer(world)
    h.tree(world)
    client = web(world.agent)
    url = f"/knowledge/panel/customer/{record.pk}/"
    for index in range(2):
        h.article(world, title=f"空调不制冷{index}", body="滤网")
    with django_assert_max_num_queries(24):
        page = client.get(url, {"text": "空调不制冷"}, **HTMX).content.decode()
    assert page.count('data-testid="suggestion"') == 2
    for index in range(4):
        article = h.article(world, title=f"空调滤网{index}", body="滤网")
        with org_scope(world.org):
            services.link_create(
                actor=world.agent, target_type="customer", target_id=record.pk, article=article
            )
    with django_assert_max_num_queries(24):
        page = client.get(url, {"text": "空调不制冷"}, **HTMX).content.decode()
    assert page.count('data-testid="panel-link"') == 4


def test_panel_links_marks_and_walks(world, web):
    article = h.article(world, title="检查电源线", body="插紧电源线。")
    tree, nodes = h.tree(world, solution_article=article)
    record = h.customer(world)
    client = web(world.agent)
    base = f"/knowledge/panel/customer/{record.pk}/"
    response = client.post(f"{base}walk/", {"tree": tree.pk}, **HTMX)
    assert 'data-testid="walk-question"' in response.content.decode()
    with org_scope(world.org):
        walk = DiagnosisWalk.objects.get()
    client.post(f"/knowledge/walks/{walk.pk}/answer/", {"node": nodes["screen"].pk}, **HTMX)
    client.post(f"/knowledge/walks/{walk.pk}/back/", **HTMX)
    client.post(f"/knowledge/walks/{walk.pk}/answer/", {"node": nodes["screen"].pk}, **HTMX)
    page = client.post(f"/knowledge/walks/{walk.pk}/answer/", {"node": nodes["a"].pk}, **HTMX)
    assert 'data-testid="walk-solution"' in page.content.decode()
    done = client.post(f"/knowledge/walks/{walk.pk}/finish/", {"solved": "1"}, **HTMX)
    assert 'data-testid="past-walk"' in done.content.decode()
    walk.refresh_from_db()
    assert [step["answer"] for step in walk.path] == ["亮", "有"] and walk.finished_at
    with org_scope(world.org):
        link = ArticleLink.objects.get(target_type="customer", target_id=record.pk)
    assert link.solved
    unlinked = client.post(f"/knowledge/links/{link.pk}/unlink/", **HTMX)
    assert unlinked.status_code == 200
    with org_scope(world.org):
        assert not ArticleLink.objects.exists()
    walk_page = client.get(f"/knowledge/walks/{walk.pk}/").content.decode()
    assert "屏幕有显示吗？" in walk_page


def test_trees_and_categories_pages(world, web):
    h.tree(world)
    h.category(world, name="安装指南")
    client = web(world.admin)
    assert client.get("/knowledge/trees/").content.decode().count('data-testid="tree-row"') == 1
    created = client.post("/knowledge/categories/", {"name": "故障排除"})
    assert created.status_code == 302
    assert "故障排除" in client.get("/knowledge/categories/").content.decode()
    response = client.post(
        "/knowledge/trees/new/", {"name": "打印机不出纸", "first_question": "有报错吗？"}
    )
    assert response.status_code == 302
