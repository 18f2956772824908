"""Knowledge API shapes. Writes pass plain ids and text to ``knowledge.services``,
which validate them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from guanxi.api.fields import RecordId
from guanxi.knowledge.models import (
    Article,
    ArticleLink,
    ArticleVersion,
    DecisionNode,
    DecisionTree,
    DiagnosisWalk,
    KnowledgeCategory,
)


class IdList(serializers.ListField):
    """Ids of a many-to-many relation: a list of ids in, the related ids out."""

    def __init__(self, **kwargs):
        super().__init__(child=RecordId(), **kwargs)

    def to_representation(self, data):
        return [item.pk for item in data.all()]


VERSION_HELP = _("修改时传入读取到的版本号；版本已变化则返回 409。")


class KnowledgeCategorySerializer(serializers.ModelSerializer):
    parent = RecordId(source="parent_id", required=False, allow_null=True)

    class Meta:
        model = KnowledgeCategory
        fields = ["id", "name", "parent", "depth", "sort_order"]
        read_only_fields = ["depth"]


class ArticleSerializer(serializers.ModelSerializer):
    category = RecordId(source="category_id", required=False, allow_null=True)
    products = IdList(required=False, help_text=_("适用产品的 id 列表"))
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, help_text=_("标签列表")
    )
    body = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Markdown 正文；保存时生成安全的 HTML")
    )
    body_html = serializers.CharField(read_only=True)
    author_name = serializers.CharField(source="author.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    publish = serializers.BooleanField(
        required=False, write_only=True, help_text=_("新建时直接发布")
    )
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)

    class Meta:
        model = Article
        fields = [
            "id", "code", "kind", "kind_label", "title", "body", "body_html", "category",
            "visibility", "status", "status_label", "products", "tags", "author",
            "author_name", "view_count", "solved_count", "published_at", "publish",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "code", "status", "author", "view_count", "solved_count", "published_at",
            "created_at", "updated_at",
        ]  # fmt: skip


class ArticleVersionSerializer(serializers.ModelSerializer):
    edited_by_name = serializers.CharField(source="edited_by.name", read_only=True)

    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "body", "edited_by", "edited_by_name", "created_at"]


class RestoreSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, help_text=_("要恢复的版本号"))
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)


class VersionOnlySerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)


class ArticleLinkSerializer(serializers.ModelSerializer):
    article = RecordId(source="article_id")
    article_code = serializers.CharField(source="article.code", read_only=True)
    article_title = serializers.CharField(source="article.title", read_only=True)
    target_type = serializers.CharField(max_length=30, help_text=_("如 ticket、customer"))
    target_id = RecordId()

    class Meta:
        model = ArticleLink
        fields = [
            "id", "target_type", "target_id", "article", "article_code", "article_title",
            "linked_by", "solved", "solved_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["linked_by", "solved_at", "created_at"]


class DecisionNodeSerializer(serializers.ModelSerializer):
    tree = RecordId(source="tree_id")
    parent = RecordId(source="parent_id", required=False, allow_null=True)
    article = RecordId(source="article_id", required=False, allow_null=True)

    class Meta:
        model = DecisionNode
        fields = ["id", "tree", "parent", "answer", "kind", "text", "article", "order"]
        read_only_fields = ["order"]


class NestedNodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionNode
        fields = ["id", "parent", "answer", "kind", "text", "article", "order"]


class DecisionTreeSerializer(serializers.ModelSerializer):
    category = RecordId(source="category_id", required=False, allow_null=True)
    product = RecordId(source="product_id", required=False, allow_null=True)
    nodes = NestedNodeSerializer(many=True, read_only=True)
    problems = serializers.SerializerMethodField()
    first_question = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text=_("新建时的起始问题")
    )
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)

    class Meta:
        model = DecisionTree
        fields = [
            "id", "name", "description", "category", "product", "status", "nodes",
            "problems", "first_question", "author", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["status", "author", "created_at", "updated_at"]

    def get_problems(self, tree) -> list[str]:
        """What keeps the tree from being published (empty when complete)."""
        from guanxi.knowledge.services import tree_problems

        return tree_problems(list(tree.nodes.all()))


class DiagnosisWalkSerializer(serializers.ModelSerializer):
    tree = RecordId(source="tree_id")
    target_type = serializers.CharField(max_length=30)
    target_id = RecordId()
    current_text = serializers.CharField(source="current.text", read_only=True, default="")
    current_kind = serializers.CharField(source="current.kind", read_only=True, default="")
    started_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = DiagnosisWalk
        fields = [
            "id", "tree", "tree_version", "target_type", "target_id", "employee", "current",
            "current_text", "current_kind", "path", "outcome_node", "outcome_article", "note",
            "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [
            "tree_version", "employee", "current", "path", "outcome_node", "outcome_article",
            "finished_at",
        ]  # fmt: skip


class WalkAnswerSerializer(serializers.Serializer):
    node = RecordId(help_text=_("当前问题的一个回答所通向的节点 id"))


class WalkFinishSerializer(serializers.Serializer):
    link_article = serializers.BooleanField(default=True, help_text=_("把解决方案文章关联到记录"))
    solved = serializers.BooleanField(default=False, help_text=_("并标记为解决了问题"))
