"""The knowledge demo seed: categories, published articles (one with an earlier
version), a draft, and the published tree 设备无法开机; a second run adds nothing."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.knowledge import demo, services
from guanxi.knowledge.models import Article, DecisionTree, KnowledgeCategory

pytestmark = pytest.mark.django_db


def test_demo_knowledge(world):
    with org_scope(world.org):
        assert demo.seed(world.admin) == 12
        assert set(KnowledgeCategory.objects.values_list("name", flat=True)) == {
            "常见问题", "安装指南", "故障排除",
        }  # fmt: skip
        assert Article.objects.filter(status="published").count() == 11
        assert Article.objects.filter(kind="faq").count() == 4
        jam = Article.objects.get(title="打印机卡纸处理")
        assert jam.versions.count() == 2
        tree = DecisionTree.objects.get(name="设备无法开机")
        assert tree.status == "published"
        assert services.tree_problems(list(tree.nodes.all())) == []
        assert tree.nodes.filter(article__isnull=False).count() == 2
        assert demo.seed(world.admin) == 0
        assert Article.objects.count() == 12
