"""The knowledge base (知识库): articles and FAQ in a category tree, their published
versions, their links to service records, and diagnosis decision trees
(问题诊断决策树) with the walks agents make through them.

Permission module ``knowledge`` (view/create/edit/delete, not owned: whoever may view
the knowledge base sees every article and tree of the org).
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager
from guanxi.core.trees import TreeNode


class KnowledgeCategory(OrgOwned, TreeNode):
    """A node of the org's knowledge category tree (常见问题 → 打印机)."""

    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("知识分类")
        verbose_name_plural = _("知识分类")
        ordering = ["path"]
        indexes = [models.Index(fields=["org", "path"], name="kbcategory_org_path")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "parent", "name"], name="kbcategory_unique_sibling"
            ),
            models.UniqueConstraint(
                fields=["org", "name"],
                condition=Q(parent__isnull=True),
                name="kbcategory_unique_root",
            ),
        ]

    def __str__(self):
        return self.name


class Article(OrgOwned, Versioned):
    """A knowledge article or an FAQ entry (the title is the question, the body the
    answer). ``body`` is the Markdown source the author writes; ``body_html`` its
    rendering, made safe when saved (raw HTML in the source is shown as text).
    ``solved_count`` is the number of tickets it is marked as having solved, kept in
    the transaction that marks or unmarks one."""

    class Kind(models.TextChoices):
        ARTICLE = "article", pgettext_lazy("knowledge kind", "文章")
        FAQ = "faq", pgettext_lazy("knowledge kind", "常见问答")

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("内部")
        PUBLIC = "public", _("公开")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        ARCHIVED = "archived", _("已归档")

    code = models.CharField(_("编号"), max_length=40)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    category = models.ForeignKey(
        KnowledgeCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("分类"),
    )
    visibility = models.CharField(
        _("可见范围"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="+", verbose_name=_("适用产品")
    )
    tags = models.JSONField(_("标签"), default=list, blank=True)
    author = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("作者")
    )
    view_count = models.PositiveIntegerField(_("浏览次数"), default=0)
    solved_count = models.PositiveIntegerField(_("解决工单数"), default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Article]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Article]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("知识文章")
        verbose_name_plural = _("知识文章")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="article_org_code")]
        indexes = [
            models.Index(fields=["org", "deleted_at", "-id"], name="article_org_live"),
            models.Index(fields=["org", "status", "kind"], name="article_org_status"),
            models.Index(fields=["org", "category"], name="article_org_category"),
            models.Index(fields=["org", "-solved_count"], name="article_org_solved"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class ArticleVersion(OrgOwned):
    """What a published article said at one version: taken each time a published
    article's content is saved (publishing, editing it, restoring an older version)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="versions", verbose_name=_("文章")
    )
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    edited_by = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人")
    )

    class Meta:
        verbose_name = _("文章版本")
        verbose_name_plural = _("文章版本")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "article", "number"], name="articleversion_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.article_id} v{self.number}"


class ArticleLink(OrgOwned):
    """An article linked to a record of another module (a ticket, a customer…), named
    like a follow-up's target: ``(target_type, target_id)``. ``solved``: the article
    solved that record's problem."""

    target_type = models.CharField(_("关联对象类型"), max_length=30)
    target_id = models.BigIntegerField(_("关联对象"))
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="links", verbose_name=_("文章")
    )
    linked_by = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("关联人")
    )
    solved = models.BooleanField(_("解决了问题"), default=False)
    solved_at = models.DateTimeField(_("标记解决时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("知识关联")
        verbose_name_plural = _("知识关联")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "target_type", "target_id", "article"], name="articlelink_unique"
            )
        ]
        indexes = [
            models.Index(fields=["org", "target_type", "target_id"], name="articlelink_target"),
            models.Index(fields=["org", "article", "solved"], name="articlelink_article"),
        ]

    def __str__(self):
        return f"{self.target_type}:{self.target_id} → {self.article_id}"


class DecisionTree(OrgOwned, Versioned):
    """A diagnosis decision tree: questions whose answers lead to further questions or
    to a solution. Only a complete tree (every leaf a solution) can be published, and
    only published trees are offered to agents."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    category = models.ForeignKey(
        KnowledgeCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trees",
        verbose_name=_("分类"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("适用产品"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[DecisionTree]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[DecisionTree]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("诊断决策树")
        verbose_name_plural = _("诊断决策树")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org", "deleted_at", "status"], name="decisiontree_org_live"),
        ]

    def __str__(self):
        return self.name


class DecisionNode(OrgOwned):
    """One node of a decision tree: a question (its children are the answers' next
    steps) or a solution (a leaf, optionally pointing at an article). ``answer`` is the
    answer to the parent's question that leads here; the root has none."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("问题")
        SOLUTION = "solution", _("解决方案")

    tree = models.ForeignKey(
        DecisionTree, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("决策树")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("上一步"),
    )
    answer = models.CharField(_("回答"), max_length=200, blank=True)
    kind = models.CharField(_("节点类型"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("内容"), max_length=500)
    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("解决方案文章"),
    )
    order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("决策节点")
        verbose_name_plural = _("决策节点")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["org", "tree", "parent"], name="decisionnode_tree")]

    def __str__(self):
        return self.text

    @property
    def is_solution(self):
        return self.kind == self.Kind.SOLUTION


class DiagnosisWalk(OrgOwned):
    """One agent's walk through a tree for one record: the questions asked and the
    answers given, step by step (``path``: ``[{"node", "question", "answer"}]``), the
    node it is at, and how it ended."""

    tree = models.ForeignKey(
        DecisionTree, on_delete=models.PROTECT, related_name="walks", verbose_name=_("决策树")
    )
    tree_version = models.PositiveIntegerField(_("决策树版本"), default=1)
    target_type = models.CharField(_("关联对象类型"), max_length=30)
    target_id = models.BigIntegerField(_("关联对象"))
    employee = models.ForeignKey(
        "orgs.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("诊断人")
    )
    current = models.ForeignKey(
        DecisionNode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("当前节点"),
    )
    path = models.JSONField(_("诊断路径"), default=list, blank=True)
    outcome_node = models.ForeignKey(
        DecisionNode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("诊断结论"),
    )
    outcome_article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("解决方案文章"),
    )
    note = models.TextField(_("备注"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("诊断记录")
        verbose_name_plural = _("诊断记录")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org", "target_type", "target_id"], name="walk_target"),
            models.Index(fields=["org", "tree"], name="walk_tree"),
        ]

    def __str__(self):
        return f"{self.tree_id} {self.target_type}:{self.target_id}"

    @property
    def started_at(self):
        return self.created_at

    @property
    def is_finished(self):
        return self.finished_at is not None
