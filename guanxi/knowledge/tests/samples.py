"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). The knowledge module is
not owned: every record is org-wide, so there is no data-scope dimension."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.knowledge import services
from guanxi.knowledge.models import DecisionNode
from guanxi.knowledge.tests import helpers as h


@sample(
    "knowledge-category",
    change={"name": "改过的分类"},
    check_field="name",
    create=lambda world: {"name": "新建的分类"},
    module="knowledge",
)
def build_category(world):
    return h.category(world, name="样本分类")


@sample(
    "article",
    change={"title": "改过的标题"},
    check_field="title",
    create=lambda world: {"title": "新建的文章", "body": "正文"},
    module="knowledge",
)
def build_article(world):
    return h.article(world, title="样本文章")


def _link_body(world):
    article = h.article(world, title="另一篇文章")
    record = h.customer(world, name="另一个客户")
    return {"target_type": "customer", "target_id": record.pk, "article": article.pk}


@sample(
    "knowledge-link",
    change={"solved": True},
    check_field="solved",
    create=_link_body,
    module="knowledge",
)
def build_link(world):
    article = h.article(world, title="样本关联文章")
    record = h.customer(world, name="样本关联客户")
    with org_scope(world.org):
        return services.link_create(
            actor=world.admin, target_type="customer", target_id=record.pk, article=article
        )


@sample(
    "decision-tree",
    change={"name": "改过的决策树"},
    check_field="name",
    create=lambda world: {"name": "新建的决策树", "first_question": "能开机吗？"},
    module="knowledge",
)
def build_tree(world):
    return h.tree(world, publish=False)[0]


def _node_body(world):
    """An answer under the sample tree's first question (made by ``build_node``): the
    body itself adds no node, so the matrix's row counts stay exact."""
    with org_scope(world.org):
        root = DecisionNode.objects.filter(parent__isnull=True).latest("pk")
    return {
        "tree": root.tree_id,
        "parent": root.pk,
        "answer": "闪烁",
        "kind": "solution",
        "text": "联系售后检修。",
    }


@sample(
    "decision-node",
    change={"text": "改过的问题？"},
    check_field="text",
    create=_node_body,
    module="knowledge",
)
def build_node(world):
    return h.tree(world, publish=False)[1]["root"]


def _walk_body(world):
    tree, _nodes = h.tree(world, name="另一棵决策树")
    record = h.customer(world, name="另一个诊断客户")
    return {"tree": tree.pk, "target_type": "customer", "target_id": record.pk}


@sample(
    "diagnosis-walk",
    change={"note": "客户已确认"},
    check_field="note",
    create=_walk_body,
    module="knowledge",
)
def build_walk(world):
    tree, _nodes = h.tree(world)
    record = h.customer(world, name="样本诊断客户")
    with org_scope(world.org):
        return services.walk_start(
            actor=world.admin, tree=tree, target_type="customer", target_id=record.pk
        )
