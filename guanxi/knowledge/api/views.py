"""``/api/v1/knowledge-categories``, ``/articles``, ``/knowledge-links``,
``/decision-trees``, ``/decision-nodes``, ``/diagnosis-walks``: thin over
``knowledge.services`` and ``knowledge.selectors``."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from guanxi.api.pagination import WholeListPagination
from guanxi.api.permissions import IsEmployee
from guanxi.api.viewsets import ModulePermission, OrgViewSet
from guanxi.knowledge import selectors, services
from guanxi.knowledge.api.serializers import (
    ArticleLinkSerializer,
    ArticleSerializer,
    ArticleVersionSerializer,
    DecisionNodeSerializer,
    DecisionTreeSerializer,
    DiagnosisWalkSerializer,
    KnowledgeCategorySerializer,
    RestoreSerializer,
    VersionOnlySerializer,
    WalkAnswerSerializer,
    WalkFinishSerializer,
)
from guanxi.knowledge.filters import ArticleFilter, LinkFilter, TreeFilter, WalkFilter
from guanxi.knowledge.models import DecisionNode
from guanxi.orgs import policy

# serializer sources named ``<field>_id`` → the services' keyword
RENAMED = {"category_id": "category", "parent_id": "parent", "product_id": "product",
           "article_id": "article", "tree_id": "tree"}  # fmt: skip


def _data(serializer):
    data = {RENAMED.get(key, key): value for key, value in serializer.validated_data.items()}
    version = data.pop("version", None)
    return version, data


class KnowledgeCategoryViewSet(OrgViewSet):
    """Knowledge categories: a tree (``parent``; set when created). Deleting one that
    still holds sub-categories, articles or trees is refused (422)."""

    module = "knowledge"
    serializer_class = KnowledgeCategorySerializer
    pagination_class = WholeListPagination
    ordering_fields = ["id", "name", "sort_order"]

    def scoped_queryset(self):
        return selectors.category_queryset(employee=self.employee)

    def perform_create(self, serializer):
        _version, data = _data(serializer)
        serializer.instance = services.category_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        _version, data = _data(serializer)
        data.pop("parent", None)
        serializer.instance = services.category_update(
            actor=self.employee, category=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.category_delete(actor=self.employee, category=instance)


class ArticleViewSet(OrgViewSet):
    """Knowledge articles and FAQ (``kind``). ``q`` searches code, title, tags and body
    (two Chinese characters are enough). ``body`` is Markdown; ``body_html`` is its
    safe rendering. PATCH with ``version`` (409 when stale); a published article's new
    content becomes a version (``/versions``), any of which can be restored."""

    module = "knowledge"
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    ordering_fields = ["id", "code", "title", "solved_count", "view_count", "published_at"]
    extra_capabilities = {
        "versions": "view",
        "restore": "edit",
        "publish": "edit",
        "archive": "edit",
    }

    def scoped_queryset(self):
        return selectors.with_products(selectors.article_queryset(employee=self.employee))

    def perform_create(self, serializer):
        _version, data = _data(serializer)
        serializer.instance = services.article_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = _data(serializer)
        data.pop("publish", None)
        serializer.instance = services.article_update(
            actor=self.employee, article=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.article_delete(actor=self.employee, article=instance)

    def _reloaded(self, article):
        fresh = self.scoped_queryset().get(pk=article.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(responses=ArticleVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """The article's published versions, newest first."""
        article = self.get_object()
        rows = selectors.article_versions(article)
        return Response(
            {
                "items": ArticleVersionSerializer(rows, many=True).data,
                "count": len(rows),
                "next": None,
            }
        )

    @extend_schema(
        request=RestoreSerializer,
        responses={200: ArticleSerializer, 422: OpenApiResponse(description="same_version")},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring back the title and body of version ``number`` (a new version)."""
        body = RestoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        article = services.article_restore(
            actor=self.employee, article=self.get_object(), **body.validated_data
        )
        return self._reloaded(article)

    @extend_schema(request=VersionOnlySerializer, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft or archived article (422 when its body is empty)."""
        body = VersionOnlySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        article = services.article_publish(
            actor=self.employee, article=self.get_object(), **body.validated_data
        )
        return self._reloaded(article)

    @extend_schema(request=VersionOnlySerializer, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the article: no longer suggested or linkable, still readable."""
        body = VersionOnlySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        article = services.article_archive(
            actor=self.employee, article=self.get_object(), **body.validated_data
        )
        return self._reloaded(article)


class ActionPermission(ModulePermission):
    """The module's permission, with the viewset's own capability for some of the
    standard actions (``action_capabilities``): unlinking an article is an edit of the
    record's knowledge, adding a node is an edit of its tree."""

    def has_permission(self, request, view):
        capability = getattr(view, "action_capabilities", {}).get(view.action)
        if capability is None:
            return super().has_permission(request, view)
        code = f"{view.module}.{capability}"
        if policy.can(request._request.employee, code):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {"perm": policy.perms.label(code)}
        return False


class ArticleLinkViewSet(OrgViewSet):
    """Articles linked to records of other modules (``target_type`` as for follow-ups:
    ``ticket``, ``customer``…). Filter by ``target_type`` + ``target_id``. Creating
    checks the record is visible to the caller (404 otherwise) and the article
    published (422). PATCH ``solved`` marks the article as what solved the record's
    problem: ``solved_count`` counts those on tickets."""

    module = "knowledge"
    serializer_class = ArticleLinkSerializer
    filterset_class = LinkFilter
    ordering_fields = ["id"]

    permission_classes = [IsEmployee, ActionPermission]
    action_capabilities = {"destroy": "edit"}

    def scoped_queryset(self):
        return selectors.link_queryset(employee=self.employee)

    def perform_create(self, serializer):
        _version, data = _data(serializer)
        serializer.instance = services.link_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = serializer.validated_data
        link = serializer.instance
        if "solved" in data:
            link = services.link_set_solved(actor=self.employee, link=link, solved=data["solved"])
        serializer.instance = selectors.link_queryset(employee=self.employee).get(pk=link.pk)

    def perform_destroy(self, instance):
        services.link_delete(actor=self.employee, link=instance)


class DecisionTreeViewSet(OrgViewSet):
    """Diagnosis decision trees with their ``nodes`` (read; write them through
    ``/api/v1/decision-nodes``) and ``problems`` (what keeps a tree from being
    published). ``publish`` refuses an incomplete tree (422)."""

    module = "knowledge"
    serializer_class = DecisionTreeSerializer
    filterset_class = TreeFilter
    ordering_fields = ["id", "name"]
    extra_capabilities = {"publish": "edit", "unpublish": "edit"}

    def scoped_queryset(self):
        return selectors.tree_queryset(employee=self.employee).prefetch_related(
            Prefetch("nodes", queryset=DecisionNode.objects.order_by("order", "id"))
        )

    def perform_create(self, serializer):
        _version, data = _data(serializer)
        serializer.instance = services.tree_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        version, data = _data(serializer)
        data.pop("first_question", None)
        serializer.instance = services.tree_update(
            actor=self.employee, tree=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.tree_delete(actor=self.employee, tree=instance)

    def _answer(self, tree):
        return Response(self.get_serializer(self.scoped_queryset().get(pk=tree.pk)).data)

    @extend_schema(
        request=VersionOnlySerializer,
        responses={
            200: DecisionTreeSerializer,
            422: OpenApiResponse(description="tree_incomplete"),
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a complete tree; refused (422) with what is missing otherwise."""
        body = VersionOnlySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tree = services.tree_publish(
            actor=self.employee, tree=self.get_object(), **body.validated_data
        )
        return self._answer(tree)

    @extend_schema(request=VersionOnlySerializer, responses=DecisionTreeSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        """Back to draft, to change its structure."""
        body = VersionOnlySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tree = services.tree_unpublish(
            actor=self.employee, tree=self.get_object(), **body.validated_data
        )
        return self._answer(tree)


class DecisionNodeViewSet(OrgViewSet):
    """Nodes of decision trees: the first question (no ``parent``), or an ``answer`` of
    question ``parent`` leading to a next question or a ``solution`` (with an optional
    ``article``). Deleting a node deletes everything after it. Filter ``tree``."""

    module = "knowledge"
    serializer_class = DecisionNodeSerializer
    ordering_fields = ["order", "id"]
    ordering = ["order", "id"]
    permission_classes = [IsEmployee, ActionPermission]
    action_capabilities = {"create": "edit", "destroy": "edit"}  # building a tree

    def scoped_queryset(self):
        rows = selectors.node_queryset(employee=self.employee)
        tree = self.request.query_params.get("tree")
        if tree:
            try:
                rows = rows.filter(tree_id=int(tree))
            except ValueError as exc:
                raise Http404 from exc
        return rows

    def perform_create(self, serializer):
        _version, data = _data(serializer)
        data["tree"] = selectors.access_tree(self.employee, data["tree"], write=True)
        serializer.instance = services.node_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        _version, data = _data(serializer)
        data.pop("tree", None)
        data.pop("parent", None)
        serializer.instance = services.node_update(
            actor=self.employee, node=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.node_delete(actor=self.employee, node=instance)


class DiagnosisWalkViewSet(OrgViewSet):
    """Walks through decision trees on records (``target_type`` + ``target_id``, which
    must be visible to the caller: 404 otherwise). POST starts one at the first
    question; ``answer`` (``node``: the chosen answer's next step), ``back`` and
    ``finish`` (at a solution: link its article, and mark it solved when confirmed)
    record the path step by step. Only the agent who started a walk continues it."""

    module = "knowledge"
    serializer_class = DiagnosisWalkSerializer
    filterset_class = WalkFilter
    ordering_fields = ["id"]
    extra_capabilities = {"answer": "create", "back": "create", "finish": "create"}

    def scoped_queryset(self):
        return selectors.walk_queryset(employee=self.employee)

    def perform_create(self, serializer):
        _version, data = _data(serializer)
        data.pop("note", None)
        serializer.instance = services.walk_start(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = serializer.validated_data
        walk = serializer.instance
        if "note" in data:
            walk = services.walk_update(actor=self.employee, walk=walk, note=data["note"])
        serializer.instance = self.scoped_queryset().get(pk=walk.pk)

    def perform_destroy(self, instance):
        services.walk_delete(actor=self.employee, walk=instance)

    def _answer(self, walk):
        return Response(self.get_serializer(self.scoped_queryset().get(pk=walk.pk)).data)

    @extend_schema(request=WalkAnswerSerializer, responses=DiagnosisWalkSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = WalkAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        walk = services.walk_answer(
            actor=self.employee, walk=self.get_object(), node=body.validated_data["node"]
        )
        return self._answer(walk)

    @extend_schema(request=None, responses=DiagnosisWalkSerializer)
    @action(detail=True, methods=["post"])
    def back(self, request, pk=None):
        walk = services.walk_back(actor=self.employee, walk=self.get_object())
        return self._answer(walk)

    @extend_schema(request=WalkFinishSerializer, responses=DiagnosisWalkSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        body = WalkFinishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        walk = services.walk_finish(
            actor=self.employee, walk=self.get_object(), **body.validated_data
        )
        return self._answer(walk)
