"""Knowledge list filters, shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter
from guanxi.core.tenancy import current_org_id
from guanxi.knowledge.indexing import KIND
from guanxi.knowledge.models import (
    Article,
    ArticleLink,
    DecisionTree,
    DiagnosisWalk,
    KnowledgeCategory,
)
from guanxi.search import query as search_query


def _in_category(queryset, value, field="category"):
    """Records filed under the category or any of its sub-categories."""
    category = KnowledgeCategory.objects.filter(pk=value).only("path").first()
    if category is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__path__startswith": category.path})


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    kind = django_filters.ChoiceFilter(choices=Article.Kind.choices, label=_("类型"))
    status = django_filters.ChoiceFilter(choices=Article.Status.choices, label=_("状态"))
    visibility = django_filters.ChoiceFilter(
        choices=Article.Visibility.choices, label=_("可见范围")
    )
    category = IdFilter(method="filter_category", label=_("分类"))
    product = IdFilter(field_name="products", label=_("适用产品"))
    tag = django_filters.CharFilter(method="filter_tag", label=_("标签"))

    class Meta:
        model = Article
        fields = ["q", "kind", "status", "visibility", "category", "product", "tag"]

    def filter_q(self, queryset, name, value):
        """Code, title, tags or body text through the search index (two Chinese
        characters are enough); one character reads the rows."""
        value = value.strip()
        if not value:
            return queryset
        found = search_query.matching_ids(value, org_id=current_org_id(), kind=KIND)
        if found is None:
            return queryset.filter(Q(title__icontains=value) | Q(code__icontains=value))
        return queryset.filter(pk__in=RawSQL(*found))  # noqa: S611 - parameterised

    def filter_category(self, queryset, name, value):
        return _in_category(queryset, value) if value else queryset

    def filter_tag(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # JSON containment is not portable to SQLite: the tag list is matched as text
        return queryset.filter(tags__icontains=f'"{value}"')


class TreeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=DecisionTree.Status.choices, label=_("状态"))
    category = IdFilter(method="filter_category", label=_("分类"))
    product = IdFilter(field_name="product_id", label=_("适用产品"))

    class Meta:
        model = DecisionTree
        fields = ["q", "status", "category", "product"]

    def filter_category(self, queryset, name, value):
        return _in_category(queryset, value) if value else queryset


class TargetFilter(django_filters.FilterSet):
    """Links and walks of one record: ``target_type`` and ``target_id``."""

    target_type = django_filters.CharFilter(label=_("关联对象类型"))
    target_id = IdFilter(field_name="target_id", label=_("关联对象"))


class LinkFilter(TargetFilter):
    article = IdFilter(field_name="article_id", label=_("文章"))
    solved = django_filters.BooleanFilter(label=_("解决了问题"))

    class Meta:
        model = ArticleLink
        fields = ["target_type", "target_id", "article", "solved"]


class WalkFilter(TargetFilter):
    tree = IdFilter(field_name="tree_id", label=_("决策树"))
    finished = django_filters.BooleanFilter(
        field_name="finished_at", lookup_expr="isnull", exclude=True, label=_("已完成")
    )

    class Meta:
        model = DiagnosisWalk
        fields = ["target_type", "target_id", "tree", "finished"]
