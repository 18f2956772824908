"""Reads of the knowledge base: scoped querysets, access checks, the search box,
suggestions for a record, and what the target panel shows (module ``knowledge``)."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.safestring import SafeString, mark_safe

from guanxi.knowledge import richtext
from guanxi.knowledge.indexing import KIND
from guanxi.knowledge.models import (
    Article,
    ArticleLink,
    ArticleVersion,
    DecisionNode,
    DecisionTree,
    DiagnosisWalk,
    KnowledgeCategory,
)
from guanxi.orgs import policy
from guanxi.search import query as fulltext
from guanxi.search import tokens as tk
from guanxi.search.models import SearchEntry
from guanxi.workspace import targets

MODULE = "knowledge"
SNIPPET_CHARS = 120
SUGGEST_CANDIDATES = 200
PRODUCT_FACTOR = 2.0  # an article for the record's product counts double
SOLVED_BOOST = 0.5


def _visible(employee, queryset):
    """The module is not owned: ``knowledge.view`` sees every record of the org."""
    return queryset if policy.can(employee, f"{MODULE}.view") else queryset.none()


def _pk(value) -> int:
    try:
        pk = int(getattr(value, "pk", value))
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if not 0 < pk < 2**63:
        raise Http404
    return pk


# ---- categories --------------------------------------------------------------------------


def category_queryset(*, employee) -> QuerySet[KnowledgeCategory]:
    return _visible(employee, KnowledgeCategory.objects.order_by("path"))


def category_tree(*, employee) -> list[KnowledgeCategory]:
    """Every category in tree order, each with ``article_count`` (live published
    articles filed directly under it): one query."""
    return list(
        category_queryset(employee=employee).annotate(
            article_count=Count(
                "articles",
                filter=Q(
                    articles__deleted_at__isnull=True,
                    articles__status=Article.Status.PUBLISHED,
                ),
            )
        )
    )


def access_category(employee, pk, *, write=False) -> KnowledgeCategory:
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return category_queryset(employee=employee).get(pk=_pk(pk))
    except KnowledgeCategory.DoesNotExist as exc:
        raise Http404 from exc


# ---- articles ----------------------------------------------------------------------------


def article_queryset(*, employee, deleted=False) -> QuerySet[Article]:
    """Articles ``employee`` may read (every article of the org with ``knowledge.view``)."""
    base = Article.with_deleted.filter(deleted_at__isnull=False) if deleted else Article.objects
    return _visible(employee, base.select_related("category", "author"))


def access_article(employee, pk, *, write=False) -> Article:
    """The article if ``employee`` may see it (and edit articles when ``write``); else
    404 (another org's, deleted, no such id) or 403 (no permission)."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return article_queryset(employee=employee).get(pk=_pk(pk))
    except Article.DoesNotExist as exc:
        raise Http404 from exc


def with_products(queryset: QuerySet[Article]) -> QuerySet[Article]:
    from guanxi.catalog.models import Product

    return queryset.prefetch_related(
        Prefetch("products", queryset=Product.objects.only("id", "code", "name"))
    )


def article_versions(article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("edited_by").order_by("-number")


def version_of(article: Article, number) -> ArticleVersion:
    try:
        return article.versions.select_related("edited_by").get(number=int(number))
    except (ArticleVersion.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def latest_articles(*, employee, limit=8) -> list[Article]:
    return list(
        article_queryset(employee=employee)
        .filter(status=Article.Status.PUBLISHED)
        .order_by("-published_at", "-id")[:limit]
    )


def most_solved_articles(*, employee, limit=8) -> list[Article]:
    return list(
        article_queryset(employee=employee)
        .filter(status=Article.Status.PUBLISHED, solved_count__gt=0)
        .order_by("-solved_count", "-id")[:limit]
    )


# ---- search ------------------------------------------------------------------------------


@dataclass
class SearchHit:
    article: Article
    title_hit: bool
    snippet: SafeString


def _highlight(text: str, pieces: list[str]) -> SafeString:
    """``text`` escaped, with every occurrence of a query piece in ``<mark>``."""
    wanted = sorted({p for p in pieces if p}, key=len, reverse=True)
    if not wanted:
        return mark_safe(html.escape(text))  # noqa: S308 - escaped just now
    pattern = re.compile("|".join(re.escape(p) for p in wanted), re.IGNORECASE)
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(html.escape(text[last : found.start()]))
        out.append(f"<mark>{html.escape(found.group(0))}</mark>")
        last = found.end()
    out.append(html.escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every part escaped


def snippet(text: str, pieces: list[str], *, width=SNIPPET_CHARS) -> SafeString:
    """A window of ``text`` around the first query piece found in it, highlighted."""
    lowered = tk.normalize(text)
    starts = [lowered.find(p) for p in pieces if p and lowered.find(p) >= 0]
    start = max(0, min(starts) - width // 3) if starts else 0
    part = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return _highlight(f"{prefix}{part}{suffix}", pieces)


def _search_pieces(text: str) -> list[str]:
    return [p for p in tk.runs(text) if p]


def article_search(
    *, employee, text: str, queryset: QuerySet[Article] | None = None, limit=50
) -> list[SearchHit]:
    """Articles holding every word of ``text`` (title, tags or body), through the search
    index, so two Chinese characters are enough: title hits first, then by articles that
    solved the most tickets, each with a highlighted snippet."""
    value = (text or "").strip()[:100]
    base = queryset if queryset is not None else article_queryset(employee=employee)
    pieces = _search_pieces(value)
    if not pieces:
        return []
    found = fulltext.matching_ids(value, org_id=employee.org_id, kind=KIND)
    if found is None:  # one character: too short for the index, read the rows
        condition = Q()
        for piece in pieces:
            condition &= Q(title__icontains=piece) | Q(body__icontains=piece)
        rows = base.filter(condition)
    else:
        rows = base.filter(pk__in=RawSQL(*found))  # noqa: S611 - parameterised
    rows = rows.order_by("-solved_count", "-id")[: limit * 2]
    hits = []
    for article in rows:
        title = tk.normalize(article.title)
        title_hit = all(p in title for p in pieces)
        body_text = richtext.plain_text(article.body)
        source = article.title if title_hit and not body_text else body_text or article.title
        hits.append(SearchHit(article, title_hit, snippet(source, pieces)))
    hits.sort(key=lambda hit: not hit.title_hit)  # stable: keeps the solved order within
    return hits[:limit]


# ---- suggestions -------------------------------------------------------------------------


def terms(text: str | None) -> Counter[str]:
    """The terms of a text as the search index cuts it: Chinese bigrams and Latin or
    digit words (two characters or more)."""
    found: Counter[str] = Counter()
    for run in tk.runs(text):
        if len(run) < tk.MIN_QUERY:
            continue
        if run.isascii():
            found[run] += 1
        else:
            found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def suggest_articles(*, employee, text, product=None, limit=5) -> list[Article]:
    """Published articles that best match ``text`` (a ticket's subject and
    description): scored by how many of its terms (Chinese bigrams and words) each
    article holds, title terms counting double; doubled when the article applies to
    ``product``; then raised a little by how many tickets it has solved. Candidates come from the
    search index (any shared term), so the cost does not grow with the knowledge base;
    three queries."""
    if not policy.can(employee, f"{MODULE}.view"):
        return []
    wanted = terms((text or "")[:2000])
    if not wanted:
        return []
    from guanxi.search import lookup

    commonest = sorted(wanted, key=lambda t: (-wanted[t], t))[:40]
    groups = [group for t in commonest for group in tk.parse(t).groups]
    ids = lookup.object_ids(
        org_id=employee.org_id, kind=KIND, groups=groups, fetch=SUGGEST_CANDIDATES
    )
    if not ids:
        return []
    entries = dict(
        SearchEntry.objects.filter(kind=KIND, object_id__in=ids).values_list("object_id", "text")
    )
    product_id = getattr(product, "pk", product)
    rows = (
        article_queryset(employee=employee)
        .filter(pk__in=ids, status=Article.Status.PUBLISHED)
        .select_related(None)
        .select_related("category")
    )
    if product_id:
        rows = rows.annotate(
            product_match=Count("products", filter=Q(products__pk=product_id), distinct=True)
        )
    scored = []
    for article in rows:
        haystack = entries.get(article.pk, "")
        title = tk.normalize(article.title)
        score = 0.0
        for term, weight in wanted.items():
            if term in haystack:
                score += weight * (2 if term in title else 1)
        if score <= 0:
            continue
        if product_id and getattr(article, "product_match", 0):
            score *= PRODUCT_FACTOR
        score += SOLVED_BOOST * min(article.solved_count, 20) ** 0.5
        scored.append((score, article.solved_count, article.pk, article))
    scored.sort(key=lambda row: (-row[0], -row[1], -row[2]))
    return [row[3] for row in scored[:limit]]


# ---- targets and links -------------------------------------------------------------------


def access_target(employee, target_type, target_id) -> tuple[Any, Any]:
    """``(target, record)`` of a record the employee may see, through the follow-up
    targets registry; 404 for an unknown type, a missing record or one out of sight."""
    target, record, problem = targets.find(employee, target_type, target_id)
    if problem is not None:
        raise Http404
    return target, record


def link_queryset(*, employee) -> QuerySet[ArticleLink]:
    """Links ``employee`` may see: on records of a registered type they may see."""
    if not policy.can(employee, f"{MODULE}.view"):
        return ArticleLink.objects.none()
    condition = Q(pk__in=[])
    for target in targets.all_targets():
        condition |= Q(target_type=target.key, target_id__in=target.visible(employee).values("pk"))
    return ArticleLink.objects.filter(condition).select_related("article", "linked_by")


def access_link(employee, pk, *, write=False) -> ArticleLink:
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return link_queryset(employee=employee).get(pk=_pk(pk))
    except ArticleLink.DoesNotExist as exc:
        raise Http404 from exc


def links_of(target_type, target_id) -> list[ArticleLink]:
    """The live articles linked to one record (the caller checked the record)."""
    return list(
        ArticleLink.objects.filter(
            target_type=target_type, target_id=target_id, article__deleted_at__isnull=True
        )
        .select_related("article", "linked_by")
        .order_by("-solved", "-id")
    )


# ---- decision trees ----------------------------------------------------------------------


def tree_queryset(*, employee) -> QuerySet[DecisionTree]:
    return _visible(employee, DecisionTree.objects.select_related("category", "product", "author"))


def access_tree(employee, pk, *, write=False) -> DecisionTree:
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return tree_queryset(employee=employee).get(pk=_pk(pk))
    except DecisionTree.DoesNotExist as exc:
        raise Http404 from exc


def node_queryset(*, employee) -> QuerySet[DecisionNode]:
    return _visible(
        employee,
        DecisionNode.objects.filter(tree__deleted_at__isnull=True).select_related("article"),
    )


def access_node(employee, pk, *, write=False) -> DecisionNode:
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    try:
        return node_queryset(employee=employee).select_related("tree").get(pk=_pk(pk))
    except DecisionNode.DoesNotExist as exc:
        raise Http404 from exc


def tree_nodes(tree: DecisionTree) -> list[DecisionNode]:
    return list(tree.nodes.select_related("article").order_by("order", "id"))


@dataclass
class Branch:
    """A node with its children, for drawing a tree (``depth`` from the root)."""

    node: DecisionNode
    children: list[Branch]
    depth: int


def tree_outline(nodes: list[DecisionNode]) -> list[Branch]:
    """The nodes as nested branches from the root(s), in their order; a node whose
    parent is missing is shown as a root (the validation names it)."""
    by_parent: dict[int | None, list[DecisionNode]] = {}
    ids = {node.pk for node in nodes}
    for node in nodes:
        parent = node.parent_id if node.parent_id in ids else None
        by_parent.setdefault(parent, []).append(node)

    def build(node, depth, seen):
        if node.pk in seen:
            return Branch(node, [], depth)
        seen = seen | {node.pk}
        kids = [build(child, depth + 1, seen) for child in by_parent.get(node.pk, [])]
        return Branch(node, kids, depth)

    return [build(root, 0, frozenset()) for root in by_parent.get(None, [])]


def published_trees(*, employee, product=None) -> list[DecisionTree]:
    """Published trees offered on a record's panel; those for ``product`` first."""
    rows = list(
        tree_queryset(employee=employee)
        .filter(status=DecisionTree.Status.PUBLISHED)
        .order_by("name")
    )
    product_id = getattr(product, "pk", product)
    if product_id:
        rows.sort(key=lambda tree: tree.product_id != product_id)
    return rows


# ---- walks -------------------------------------------------------------------------------


def walk_queryset(*, employee) -> QuerySet[DiagnosisWalk]:
    """Walks on records the employee may see."""
    if not policy.can(employee, f"{MODULE}.view"):
        return DiagnosisWalk.objects.none()
    condition = Q(pk__in=[])
    for target in targets.all_targets():
        condition |= Q(target_type=target.key, target_id__in=target.visible(employee).values("pk"))
    return DiagnosisWalk.objects.filter(condition).select_related(
        "tree", "employee", "current", "outcome_node", "outcome_article"
    )


def access_walk(employee, pk, *, write=False) -> DiagnosisWalk:
    policy.require(employee, f"{MODULE}.create" if write else f"{MODULE}.view")
    try:
        return walk_queryset(employee=employee).get(pk=_pk(pk))
    except DiagnosisWalk.DoesNotExist as exc:
        raise Http404 from exc


def walks_of(target_type, target_id, *, limit=10) -> list[DiagnosisWalk]:
    return list(
        DiagnosisWalk.objects.filter(target_type=target_type, target_id=target_id)
        .select_related("tree", "employee", "current", "outcome_node", "outcome_article")
        .order_by("-id")[:limit]
    )


def walk_choices(walk: DiagnosisWalk) -> list[DecisionNode]:
    """The answers offered at the walk's current question."""
    if walk.current_id is None or walk.is_finished:
        return []
    return list(
        DecisionNode.objects.filter(parent_id=walk.current_id)
        .select_related("article")
        .order_by("order", "id")
    )
