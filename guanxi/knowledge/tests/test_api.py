"""The knowledge API: articles with versions and restore, links with the target check,
trees with nested nodes and publishing, and walks step by step."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.knowledge import services
from guanxi.knowledge.models import Article, ArticleLink, DiagnosisWalk
from guanxi.knowledge.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_article_lifecycle_over_the_api(world, api):
    client = api(world.agent)
    created = client.post(
        "/api/v1/articles",
        {"title": "打印机卡纸处理", "body": "**打开后盖**<script>x()</script>", "tags": ["打印机"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["code"].startswith("KB")
    assert "<script" not in data["body_html"] and "<strong>" in data["body_html"]
    pk = data["id"]
    published = client.post(f"/api/v1/articles/{pk}/publish", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    changed = client.patch(
        f"/api/v1/articles/{pk}", {"body": "第二版", "version": 2}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == 3
    stale = client.patch(f"/api/v1/articles/{pk}", {"body": "旧的", "version": 2}, format="json")
    assert stale.status_code == 409
    versions = client.get(f"/api/v1/articles/{pk}/versions").json()
    assert [v["number"] for v in versions["items"]] == [3, 2]
    restored = client.post(f"/api/v1/articles/{pk}/restore", {"number": 2}, format="json")
    assert restored.status_code == 200 and "打开后盖" in restored.json()["body_html"]
    listed = client.get("/api/v1/articles", {"q": "卡纸"}).json()
    assert [item["id"] for item in listed["items"]] == [pk]


def test_bad_article_input_is_a_400_with_fields(world, api):
    response = api(world.agent).post("/api/v1/articles", {"title": ""}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()["fields"]
    with org_scope(world.org):
        assert Article.objects.count() == 0


def test_publishing_an_empty_article_is_a_422(world, api):
    draft = h.article(world, body="", publish=False)
    response = api(world.agent).post(f"/api/v1/articles/{draft.pk}/publish", {}, format="json")
    assert response.status_code == 422 and response.json()["code"] == "article_empty"


def test_links_check_the_target_and_filter_by_it(world, api):
    article = h.article(world)
    mine = h.customer(world, owner=world.rep_a)
    client = api(world.agent)
    body = {"target_type": "customer", "target_id": mine.pk, "article": article.pk}
    created = client.post("/api/v1/knowledge-links", body, format="json")
    assert created.status_code == 201, created.content
    listed = client.get(
        "/api/v1/knowledge-links", {"target_type": "customer", "target_id": mine.pk}
    )
    assert [item["article"] for item in listed.json()["items"]] == [article.pk]
    solved = client.patch(
        f"/api/v1/knowledge-links/{created.json()['id']}", {"solved": True}, format="json"
    )
    assert solved.status_code == 200 and solved.json()["solved"] is True
    # a rep of another department cannot see that customer: 404, nothing more linked
    h.grant(world.rep_b, "knowledge.create")
    other = api(world.rep_b).post("/api/v1/knowledge-links", body, format="json")
    assert other.status_code == 404
    with org_scope(world.org):
        assert ArticleLink.objects.count() == 1


def test_link_to_a_record_that_does_not_exist_is_a_404(world, api):
    article = h.article(world)
    response = api(world.agent).post(
        "/api/v1/knowledge-links",
        {"target_type": "customer", "target_id": 987654, "article": article.pk},
        format="json",
    )
    assert response.status_code == 404
    with org_scope(world.org):
        assert ArticleLink.objects.count() == 0


def test_trees_nodes_and_publishing_over_the_api(world, api):
    client = api(world.admin)
    created = client.post(
        "/api/v1/decision-trees",
        {"name": "打印机不出纸", "first_question": "有报错吗？"},
        format="json",
    )
    assert created.status_code == 201, created.content
    tree = created.json()
    root = tree["nodes"][0]
    assert tree["problems"]
    refused = client.post(f"/api/v1/decision-trees/{tree['id']}/publish", {}, format="json")
    assert refused.status_code == 422 and refused.json()["code"] == "tree_incomplete"
    for answer, text in (("有", "按报错代码查手册。"), ("没有", "检查纸盒。")):
        made = client.post(
            "/api/v1/decision-nodes",
            {
                "tree": tree["id"],
                "parent": root["id"],
                "answer": answer,
                "kind": "solution",
                "text": text,
            },
            format="json",
        )
        assert made.status_code == 201, made.content
    bad = client.post(
        "/api/v1/decision-nodes",
        {
            "tree": tree["id"],
            "parent": root["id"],
            "answer": "有",
            "kind": "solution",
            "text": "重复",
        },
        format="json",
    )
    assert bad.status_code == 400 and "answer" in bad.json()["fields"]
    done = client.post(f"/api/v1/decision-trees/{tree['id']}/publish", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "published"
    assert len(done.json()["nodes"]) == 3 and done.json()["problems"] == []


def test_a_walk_over_the_api(world, api):
    tree, nodes = h.tree(world)
    record = h.customer(world)
    client = api(world.agent)
    started = client.post(
        "/api/v1/diagnosis-walks",
        {"tree": tree.pk, "target_type": "customer", "target_id": record.pk},
        format="json",
    )
    assert started.status_code == 201, started.content
    walk = started.json()
    assert walk["current"] == nodes["root"].pk and walk["current_text"] == "电源指示灯亮吗？"
    url = f"/api/v1/diagnosis-walks/{walk['id']}"
    assert (
        client.post(f"{url}/answer", {"node": nodes["c"].pk}, format="json").json()["path"][0][
            "answer"
        ]
        == "不亮"
    )
    back = client.post(f"{url}/back", {}, format="json").json()
    assert back["path"] == [] and back["current"] == nodes["root"].pk
    assert client.post(f"{url}/back", {}, format="json").status_code == 422
    client.post(f"{url}/answer", {"node": nodes["c"].pk}, format="json")
    finished = client.post(f"{url}/finish", {}, format="json").json()
    assert finished["outcome_node"] == nodes["c"].pk and finished["finished_at"]
    # someone else may read it but not continue it
    assert api(world.admin).post(f"{url}/back", {}, format="json").status_code in (403, 422)
    listed = client.get(
        "/api/v1/diagnosis-walks", {"target_type": "customer", "target_id": record.pk}
    )
    assert [item["id"] for item in listed.json()["items"]] == [walk["id"]]


def test_walk_on_a_record_out_of_sight_is_a_404(world, api):
    tree, _nodes = h.tree(world)
    record = h.customer(world, owner=world.rep_a)
    with org_scope(world.org):
        services.walk_start(
            actor=world.agent, tree=tree, target_type="customer", target_id=record.pk
        )
    response = api(world.agent).post(
        "/api/v1/diagnosis-walks",
        {"tree": tree.pk, "target_type": "customer", "target_id": record.pk + 999},
        format="json",
    )
    assert response.status_code == 404
    # rep_b cannot see rep_a's customer, so not its walks either
    assert api(world.rep_b).get("/api/v1/diagnosis-walks").json()["items"] == []
    with org_scope(world.org):
        assert DiagnosisWalk.objects.count() == 1


def test_api_lists_keep_their_query_budget(world, api, django_assert_max_num_queries):
    client = api(world.agent)
    for index in range(2):
        h.article(world, title=f"文章{index}")
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/articles").json()["items"]) == 2
    for index in range(5):
        h.article(world, title=f"更多文章{index}")
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/articles").json()["items"]) == 7
    h.tree(world)
    h.tree(world, name="第二棵")
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/decision-trees").json()["items"]) == 2
