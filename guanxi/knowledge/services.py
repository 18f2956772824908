"""Every write of the knowledge base (keyword-only, in a transaction).

Permissions (module ``knowledge``, not owned): ``create`` writes articles, categories
and trees, and lets an agent link articles to the records they work on and walk
decision trees on them; ``edit`` changes, publishes, archives and restores articles,
builds trees and marks or unmarks solutions; ``delete`` removes articles, categories,
trees and walks. Linking and walking also need the record itself to be visible to the
actor (the follow-up targets registry decides; 404 otherwise).

Versions: every time a published article's content is saved (publishing it, editing
it while published, restoring an older version) its new ``version`` is snapshotted in
``ArticleVersion``; the number is the article's version after the save, so it is
unique. Article edits take the row lock and refuse a stale ``version`` (409).

``Article.solved_count`` is recounted from the links (solved ones on tickets) in the
transaction that changes a link, with the article row locked first: two agents marking
the same article at the same moment count one after the other.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import BusinessRuleError
from guanxi.core.trees import tree_place
from guanxi.core.versioning import lock_for_update
from guanxi.knowledge import richtext, selectors
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
from guanxi.orgs.numbering import next_code
from guanxi.search import index

MODULE = "knowledge"
SOLVED_TARGET = "ticket"  # what "已解决 N 个工单" counts
TITLE_LENGTH = 200
BODY_LENGTH = 100_000
TAG_LENGTH = 30
TAGS_MAX = 20
NODE_TEXT_LENGTH = 500
ANSWER_LENGTH = 200
ARTICLE_FIELDS = ("title", "body", "kind", "category", "visibility", "tags", "products")
TREE_FIELDS = ("name", "description", "category", "product")
UNSET: Any = object()


# ---- shared checks -----------------------------------------------------------------------


def _text(value, field, length, *, required=False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: [_("此项不能为空。")]}, code="required")
    if len(text) > length:
        raise ValidationError(
            {field: [_("最多 %(n)s 个字符。") % {"n": length}]}, code="max_length"
        )
    return text


def _choice(value, choices, field, default):
    if value in (None, ""):
        return default
    if value not in choices.values:
        raise ValidationError({field: [_("不是有效的选项。")]}, code="invalid_choice")
    return value


def _pk_of(value):
    return getattr(value, "pk", value)


def _category(value) -> KnowledgeCategory | None:
    if value in (None, ""):
        return None
    try:
        return KnowledgeCategory.objects.get(pk=int(_pk_of(value)))
    except (KnowledgeCategory.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(
            {"category": [_("分类不存在，请重新选择。")]}, code="invalid"
        ) from exc


def _product(value):
    from guanxi.catalog.models import Product

    if value in (None, ""):
        return None
    try:
        return Product.objects.get(pk=int(_pk_of(value)))
    except (Product.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"product": [_("产品不存在，请重新选择。")]}, code="invalid") from exc


def _products(values) -> list:
    from guanxi.catalog.models import Product

    try:
        ids = {int(_pk_of(value)) for value in values or [] if value not in (None, "")}
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(
            {"products": [_("产品不存在，请重新选择。")]}, code="invalid"
        ) from exc
    found = list(Product.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"products": [_("产品不存在，请重新选择。")]}, code="invalid")
    return found


def tags_from(value) -> list[str]:
    """Tags from a list or a comma-separated text: trimmed, without repeats."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        parts = value.replace("，", ",").replace("；", ",").replace(";", ",").split(",")
    elif isinstance(value, list | tuple):
        parts = [str(part) for part in value]
    else:
        raise ValidationError({"tags": [_("标签格式不正确。")]}, code="invalid")
    tags: list[str] = []
    for part in parts:
        tag = part.strip()
        if tag and tag not in tags:
            if len(tag) > TAG_LENGTH:
                raise ValidationError(
                    {"tags": [_("每个标签最多 %(n)s 个字符。") % {"n": TAG_LENGTH}]},
                    code="max_length",
                )
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ValidationError(
            {"tags": [_("最多 %(n)s 个标签。") % {"n": TAGS_MAX}]}, code="max_length"
        )
    return tags


def _index(article: Article) -> None:
    index.refresh(KIND, [article.pk])  # in this transaction


# ---- categories --------------------------------------------------------------------------


def _check_sibling(category: KnowledgeCategory) -> None:
    clash = KnowledgeCategory.objects.filter(parent_id=category.parent_id, name=category.name)
    if category.pk:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ValidationError({"name": [_("同一上级分类下已有同名分类。")]}, code="unique")


@transaction.atomic
def category_create(*, actor, name, parent=None, sort_order=0) -> KnowledgeCategory:
    policy.require(actor, f"{MODULE}.create")
    parent_category = _category(parent)
    category = KnowledgeCategory(
        org_id=actor.org_id,
        name=_text(name, "name", 100, required=True),
        parent=parent_category,
        sort_order=int(sort_order or 0),
    )
    _check_sibling(category)
    category.save()
    tree_place(category)
    return category


@transaction.atomic
def category_update(*, actor, category, name=UNSET, sort_order=UNSET) -> KnowledgeCategory:
    """Rename or reorder a category (moving is done by re-creating: the tree is small)."""
    policy.require(actor, f"{MODULE}.edit")
    category = KnowledgeCategory.objects.select_for_update().get(pk=category.pk)
    if name is not UNSET:
        category.name = _text(name, "name", 100, required=True)
    if sort_order is not UNSET:
        category.sort_order = int(sort_order or 0)
    _check_sibling(category)
    category.save(update_fields=["name", "sort_order", "updated_at"])
    return category


@transaction.atomic
def category_delete(*, actor, category) -> None:
    """Delete an empty category: no sub-categories, articles or trees."""
    policy.require(actor, f"{MODULE}.delete")
    if category.children.exists():
        raise BusinessRuleError(_("该分类下还有下级分类，请先删除它们。"), code="has_children")
    if Article.with_deleted.filter(category=category).exists():
        raise BusinessRuleError(
            _("该分类下还有文章（包括回收站中的），请先把它们调整到其他分类。"),
            code="has_articles",
        )
    if DecisionTree.with_deleted.filter(category=category).exists():
        raise BusinessRuleError(
            _("该分类下还有决策树，请先把它们调整到其他分类。"), code="has_trees"
        )
    category.delete()


# ---- articles ----------------------------------------------------------------------------


def _snapshot(actor, article: Article) -> ArticleVersion:
    return ArticleVersion.objects.create(
        org_id=article.org_id,
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        edited_by=actor,
    )


def _set_body(article: Article, body) -> None:
    article.body = richtext.clean_source(_text(body, "body", BODY_LENGTH))
    article.body_html = richtext.render(article.body)


def _check_publishable(article: Article) -> None:
    if not article.body.strip():
        message = _("问答必须填写答案才能发布。") if article.kind == Article.Kind.FAQ else None
        raise BusinessRuleError(
            message or _("文章正文为空，不能发布。请先填写正文。"), code="article_empty"
        )


@transaction.atomic
def article_create(
    *,
    actor,
    title,
    body="",
    kind=Article.Kind.ARTICLE,
    category=None,
    visibility=Article.Visibility.INTERNAL,
    tags=None,
    products=None,
    publish=False,
) -> Article:
    """A new article (a draft, or published at once with ``publish``), numbered from
    the org's ``kb_article`` sequence."""
    policy.require(actor, f"{MODULE}.create")
    article = Article(
        org_id=actor.org_id,
        title=_text(title, "title", TITLE_LENGTH, required=True),
        kind=_choice(kind, Article.Kind, "kind", Article.Kind.ARTICLE),
        category=_category(category),
        visibility=_choice(visibility, Article.Visibility, "visibility", "internal"),
        tags=tags_from(tags),
        author=actor,
    )
    _set_body(article, body)
    chosen = _products(products)
    if publish:
        policy.require(actor, f"{MODULE}.edit")
        _check_publishable(article)
        article.status = Article.Status.PUBLISHED
        article.published_at = timezone.now()
    article.code = next_code(org_id=actor.org_id, target="kb_article")
    article.save()
    article.products.set(chosen)
    if publish:
        _snapshot(actor, article)
    _index(article)
    return article


def _locked(actor, article, version=None) -> Article:
    selectors.access_article(actor, article.pk, write=True)
    return lock_for_update(Article, article.pk, expected_version=version)


@transaction.atomic
def article_update(*, actor, article, version=None, **changes) -> Article:
    """Change an article (``knowledge.edit``). ``version`` guards against a stale edit
    (409). A published article's new content becomes a new version."""
    unknown = sorted(set(changes) - set(ARTICLE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    article = _locked(actor, article, version)
    before = (article.title, article.body)
    if "title" in changes:
        article.title = _text(changes["title"], "title", TITLE_LENGTH, required=True)
    if "body" in changes:
        _set_body(article, changes["body"])
    if "kind" in changes:
        article.kind = _choice(changes["kind"], Article.Kind, "kind", article.kind)
    if "category" in changes:
        article.category = _category(changes["category"])
    if "visibility" in changes:
        article.visibility = _choice(
            changes["visibility"], Article.Visibility, "visibility", article.visibility
        )
    if "tags" in changes:
        article.tags = tags_from(changes["tags"])
    chosen = _products(changes["products"]) if "products" in changes else None
    if article.is_published:
        _check_publishable(article)
    article.version += 1  # the row is locked: a plain increment is safe
    article.save()
    if chosen is not None:
        article.products.set(chosen)
    if article.is_published and (article.title, article.body) != before:
        _snapshot(actor, article)
    _index(article)
    return article


@transaction.atomic
def article_publish(*, actor, article, version=None) -> Article:
    """Publish a draft or archived article: agents find it, it is suggested on tickets,
    and its content is kept as a version."""
    article = _locked(actor, article, version)
    if article.is_published:
        raise BusinessRuleError(_("文章已经发布。"), code="article_published")
    _check_publishable(article)
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    article.version += 1
    article.save()
    _snapshot(actor, article)
    return article


@transaction.atomic
def article_archive(*, actor, article, version=None) -> Article:
    """Take a published article out of suggestions and the panel (it stays readable)."""
    article = _locked(actor, article, version)
    if article.status == Article.Status.ARCHIVED:
        raise BusinessRuleError(_("文章已经归档。"), code="article_archived")
    article.status = Article.Status.ARCHIVED
    article.version += 1
    article.save()
    return article


@transaction.atomic
def article_restore(*, actor, article, number, version=None) -> Article:
    """Bring back the title and body of version ``number``; the article gets a new
    version (the restored text, snapshotted again when published), so nothing is lost."""
    article = _locked(actor, article, version)
    old = article.versions.filter(number=_int(number, "number")).first()
    if old is None:
        raise ValidationError({"number": [_("没有这个版本。")]}, code="invalid")
    if (old.title, old.body) == (article.title, article.body):
        raise BusinessRuleError(_("当前内容与该版本相同，无需恢复。"), code="same_version")
    article.title = old.title
    _set_body(article, old.body)
    article.version += 1
    article.save()
    if article.is_published:
        _snapshot(actor, article)
    _index(article)
    return article


@transaction.atomic
def article_delete(*, actor, article) -> None:
    """Move an article to the recycle bin: it leaves the search, suggestions and panels."""
    policy.require(actor, f"{MODULE}.delete")
    article = _locked(actor, article)
    article.deleted_at = timezone.now()
    article.save(update_fields=["deleted_at", "updated_at"])
    index.remove(KIND, [article.pk])


def article_record_view(*, actor, article) -> None:
    """Count one reading of the article (one UPDATE, no lock: a counter)."""
    policy.require(actor, f"{MODULE}.view")
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def _int(value, field) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({field: [_("请输入整数。")]}, code="invalid") from exc


# ---- links and solved counts -------------------------------------------------------------


def _recount_solved(article_id: int) -> None:
    """``solved_count`` from the solved ticket links (the caller locked the article)."""
    solved = ArticleLink.objects.filter(
        article_id=article_id, solved=True, target_type=SOLVED_TARGET
    ).count()
    Article.objects.filter(pk=article_id).update(solved_count=solved)


def _live_article(article) -> Article:
    pk = _pk_of(article)
    try:
        return Article.objects.select_for_update().get(pk=int(pk))
    except (Article.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"article": [_("文章不存在，请重新选择。")]}, code="invalid") from exc


@transaction.atomic
def link_create(*, actor, target_type, target_id, article, solved=False) -> ArticleLink:
    """Link a published article to a record the actor may see (404 otherwise); linking
    it again only updates ``solved`` when asked. Returns the link."""
    policy.require(actor, f"{MODULE}.create")
    if solved:
        policy.require(actor, f"{MODULE}.edit")
    _target, record = selectors.access_target(actor, target_type, target_id)
    locked = _live_article(article)
    if locked.status != Article.Status.PUBLISHED:
        raise BusinessRuleError(_("只能关联已发布的文章。"), code="article_not_published")
    link = ArticleLink.objects.filter(
        target_type=target_type, target_id=record.pk, article=locked
    ).first()
    if link is None:
        try:
            with transaction.atomic():
                link = ArticleLink.objects.create(
                    org_id=actor.org_id,
                    target_type=target_type,
                    target_id=record.pk,
                    article=locked,
                    linked_by=actor,
                )
        except IntegrityError:  # linked by someone else a moment ago
            link = ArticleLink.objects.get(
                target_type=target_type, target_id=record.pk, article=locked
            )
    if solved and not link.solved:
        link.solved, link.solved_at = True, timezone.now()
        link.save(update_fields=["solved", "solved_at", "updated_at"])
        _recount_solved(locked.pk)
    link.article = locked
    return link


@transaction.atomic
def link_set_solved(*, actor, link, solved) -> ArticleLink:
    """Mark (or unmark) the linked article as what solved the record's problem."""
    policy.require(actor, f"{MODULE}.edit")
    selectors.access_target(actor, link.target_type, link.target_id)
    Article.with_deleted.select_for_update().filter(pk=link.article_id).first()
    link = ArticleLink.objects.select_for_update().get(pk=link.pk)
    solved = bool(solved)
    if link.solved != solved:
        link.solved = solved
        link.solved_at = timezone.now() if solved else None
        link.save(update_fields=["solved", "solved_at", "updated_at"])
        _recount_solved(link.article_id)
    return link


@transaction.atomic
def link_delete(*, actor, link) -> None:
    """Unlink the article from the record (its solved count follows)."""
    policy.require(actor, f"{MODULE}.edit")
    selectors.access_target(actor, link.target_type, link.target_id)
    Article.with_deleted.select_for_update().filter(pk=link.article_id).first()
    ArticleLink.objects.filter(pk=link.pk).delete()
    _recount_solved(link.article_id)


# ---- decision trees ----------------------------------------------------------------------


def tree_problems(nodes: list[DecisionNode]) -> list[str]:
    """What keeps a tree from being complete: one root question; every question with
    at least one answer, each naming its answer; every leaf a solution; a solution has
    no next step; every node reachable from the root exactly once (no cycles)."""
    problems: list[str] = []
    if not nodes:
        return [_("决策树还没有任何节点，请先添加第一个问题。")]
    roots = [node for node in nodes if node.parent_id is None]
    if len(roots) != 1:
        problems.append(_("决策树必须有且只有一个起始问题。"))
    elif roots[0].is_solution:
        problems.append(_("起始节点必须是问题。"))
    children: dict[int, list[DecisionNode]] = {}
    for node in nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    for node in nodes:
        kids = children.get(node.pk, [])
        if node.is_solution and kids:
            problems.append(_("解决方案“%(text)s”后面不能再有步骤。") % {"text": node.text})
        if not node.is_solution and not kids:
            problems.append(
                _("问题“%(text)s”还没有回答：每个问题至少要有一个回答，并以解决方案结束。")
                % {"text": node.text}
            )
        if node.parent_id is not None and not node.answer.strip():
            problems.append(_("“%(text)s”缺少通向它的回答。") % {"text": node.text})
        answers = [kid.answer.strip() for kid in kids]
        if len(set(answers)) != len(answers):
            problems.append(_("问题“%(text)s”有重复的回答。") % {"text": node.text})
    seen: set[int] = set()
    stack = [root.pk for root in roots[:1]]
    cycle = False
    while stack:
        pk = stack.pop()
        if pk in seen:
            cycle = True
            continue
        seen.add(pk)
        stack.extend(kid.pk for kid in children.get(pk, []))
    if cycle or (len(seen) != len(nodes) and len(roots) == 1):
        problems.append(_("决策树中有循环或无法从起始问题到达的节点。"))
    return problems


def _locked_tree(actor, tree, version=None) -> DecisionTree:
    selectors.access_tree(actor, tree.pk, write=True)
    return lock_for_update(DecisionTree, tree.pk, expected_version=version)


def _touch(tree: DecisionTree) -> None:
    """A structural change: a new tree version; a published tree must stay complete."""
    if tree.status == DecisionTree.Status.PUBLISHED:
        problems = tree_problems(list(tree.nodes.all()))
        if problems:
            raise BusinessRuleError(
                _("已发布的决策树必须保持完整（%(problems)s）。请先撤回发布再调整结构。")
                % {"problems": " ".join(problems)},
                code="tree_incomplete",
            )
    tree.version += 1
    tree.save(update_fields=["version", "updated_at"])


@transaction.atomic
def tree_create(
    *, actor, name, description="", category=None, product=None, first_question=""
) -> DecisionTree:
    """A draft tree, with its first question when given."""
    policy.require(actor, f"{MODULE}.create")
    tree = DecisionTree.objects.create(
        org_id=actor.org_id,
        name=_text(name, "name", 200, required=True),
        description=_text(description, "description", 2000),
        category=_category(category),
        product=_product(product),
        author=actor,
    )
    question = _text(first_question, "first_question", NODE_TEXT_LENGTH)
    if question:
        DecisionNode.objects.create(
            org_id=actor.org_id, tree=tree, kind=DecisionNode.Kind.QUESTION, text=question
        )
    return tree


@transaction.atomic
def tree_update(*, actor, tree, version=None, **changes) -> DecisionTree:
    unknown = sorted(set(changes) - set(TREE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    tree = _locked_tree(actor, tree, version)
    if "name" in changes:
        tree.name = _text(changes["name"], "name", 200, required=True)
    if "description" in changes:
        tree.description = _text(changes["description"], "description", 2000)
    if "category" in changes:
        tree.category = _category(changes["category"])
    if "product" in changes:
        tree.product = _product(changes["product"])
    tree.version += 1
    tree.save()
    return tree


@transaction.atomic
def tree_publish(*, actor, tree, version=None) -> DecisionTree:
    """Publish a complete tree (refused with the list of what is missing otherwise)."""
    tree = _locked_tree(actor, tree, version)
    problems = tree_problems(list(tree.nodes.all()))
    if problems:
        raise BusinessRuleError(
            _("决策树还不完整，不能发布：%(problems)s") % {"problems": " ".join(problems)},
            code="tree_incomplete",
        )
    tree.status = DecisionTree.Status.PUBLISHED
    tree.version += 1
    tree.save()
    return tree


@transaction.atomic
def tree_unpublish(*, actor, tree, version=None) -> DecisionTree:
    """Back to draft to change its structure; walks already started can finish."""
    tree = _locked_tree(actor, tree, version)
    tree.status = DecisionTree.Status.DRAFT
    tree.version += 1
    tree.save()
    return tree


@transaction.atomic
def tree_delete(*, actor, tree) -> None:
    policy.require(actor, f"{MODULE}.delete")
    tree = _locked_tree(actor, tree)
    tree.deleted_at = timezone.now()
    tree.save(update_fields=["deleted_at", "updated_at"])


def _node_article(value) -> Article | None:
    if value in (None, ""):
        return None
    try:
        return Article.objects.get(pk=int(_pk_of(value)))
    except (Article.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"article": [_("文章不存在，请重新选择。")]}, code="invalid") from exc


@transaction.atomic
def node_create(*, actor, tree, kind, text, parent=None, answer="", article=None) -> DecisionNode:
    """Add the first question (no ``parent``), or an answer of question ``parent``
    leading to a next question or to a solution (optionally an article)."""
    tree = _locked_tree(actor, tree)
    kind = _choice(kind, DecisionNode.Kind, "kind", None)
    if kind is None:
        raise ValidationError({"kind": [_("请选择节点类型。")]}, code="required")
    node = DecisionNode(
        org_id=actor.org_id,
        tree=tree,
        kind=kind,
        text=_text(text, "text", NODE_TEXT_LENGTH, required=True),
        answer=_text(answer, "answer", ANSWER_LENGTH),
        article=_node_article(article) if kind == DecisionNode.Kind.SOLUTION else None,
    )
    if parent in (None, ""):
        if tree.nodes.filter(parent__isnull=True).exists():
            raise ValidationError(
                {"parent": [_("决策树已有起始问题：请在某个问题下添加回答。")]}, code="invalid"
            )
        if kind != DecisionNode.Kind.QUESTION:
            raise ValidationError({"kind": [_("起始节点必须是问题。")]}, code="invalid")
        node.answer = ""
    else:
        parent_node = tree.nodes.filter(pk=_pk_of(parent)).first()
        if parent_node is None:
            raise ValidationError({"parent": [_("上一步不在这棵决策树中。")]}, code="invalid")
        if parent_node.is_solution:
            raise ValidationError({"parent": [_("解决方案后面不能再添加步骤。")]}, code="invalid")
        if not node.answer:
            raise ValidationError({"answer": [_("请填写通向这一步的回答。")]}, code="required")
        if parent_node.children.filter(answer=node.answer).exists():
            raise ValidationError({"answer": [_("这个问题已有相同的回答。")]}, code="unique")
        node.parent = parent_node
        node.order = (parent_node.children.aggregate(m=Max("order"))["m"] or 0) + 1
    node.save()
    _touch(tree)
    return node


@transaction.atomic
def node_update(*, actor, node, text=UNSET, answer=UNSET, kind=UNSET, article=UNSET):
    tree = _locked_tree(actor, node.tree)
    node = DecisionNode.objects.select_for_update().get(pk=node.pk)
    if text is not UNSET:
        node.text = _text(text, "text", NODE_TEXT_LENGTH, required=True)
    if answer is not UNSET and node.parent_id is not None:
        node.answer = _text(answer, "answer", ANSWER_LENGTH, required=True)
        clash = DecisionNode.objects.filter(parent_id=node.parent_id, answer=node.answer)
        if clash.exclude(pk=node.pk).exists():
            raise ValidationError({"answer": [_("这个问题已有相同的回答。")]}, code="unique")
    if kind is not UNSET:
        new_kind = _choice(kind, DecisionNode.Kind, "kind", node.kind)
        if new_kind == DecisionNode.Kind.SOLUTION and node.children.exists():
            raise ValidationError(
                {"kind": [_("这个问题下还有回答，不能改成解决方案。请先删除它们。")]},
                code="invalid",
            )
        if new_kind == DecisionNode.Kind.SOLUTION and node.parent_id is None:
            raise ValidationError({"kind": [_("起始节点必须是问题。")]}, code="invalid")
        node.kind = new_kind
    if article is not UNSET:
        node.article = _node_article(article)
    if node.kind == DecisionNode.Kind.QUESTION:
        node.article = None
    node.save()
    _touch(tree)
    return node


@transaction.atomic
def node_move(*, actor, node, direction) -> DecisionNode:
    """Swap the node with its previous (``up``) or next (``down``) sibling."""
    tree = _locked_tree(actor, node.tree)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("不是有效的选项。")]}, code="invalid_choice")
    siblings = list(
        DecisionNode.objects.select_for_update()
        .filter(tree=tree, parent_id=node.parent_id)
        .order_by("order", "id")
    )
    position = next(i for i, sibling in enumerate(siblings) if sibling.pk == node.pk)
    other = position - 1 if direction == "up" else position + 1
    if 0 <= other < len(siblings):
        siblings[position], siblings[other] = siblings[other], siblings[position]
        for order, sibling in enumerate(siblings, start=1):
            if sibling.order != order:
                sibling.order = order
                sibling.save(update_fields=["order", "updated_at"])
        _touch(tree)
    return DecisionNode.objects.get(pk=node.pk)


@transaction.atomic
def node_delete(*, actor, node) -> None:
    """Delete the node with everything after it (its whole subtree). Walks keep their
    recorded path."""
    tree = _locked_tree(actor, node.tree)
    DecisionNode.objects.filter(pk=node.pk).delete()  # children cascade
    _touch(tree)


# ---- walks -------------------------------------------------------------------------------


def _own_open_walk(actor, walk) -> DiagnosisWalk:
    selectors.access_walk(actor, walk.pk, write=True)
    walk = DiagnosisWalk.objects.select_for_update().get(pk=walk.pk)
    if walk.employee_id != actor.pk:
        raise PermissionDenied(_("只有发起这次诊断的人可以继续它。"))
    if walk.is_finished:
        raise BusinessRuleError(_("这次诊断已经结束。"), code="walk_finished")
    return walk


@transaction.atomic
def walk_start(*, actor, tree, target_type, target_id) -> DiagnosisWalk:
    """Start walking a published tree for a record the actor may see (404 otherwise):
    the walk stands at the first question."""
    policy.require(actor, f"{MODULE}.create")
    _target, record = selectors.access_target(actor, target_type, target_id)
    tree = selectors.access_tree(actor, _pk_of(tree))
    if tree.status != DecisionTree.Status.PUBLISHED:
        raise BusinessRuleError(_("只能使用已发布的决策树诊断。"), code="tree_not_published")
    root = tree.nodes.filter(parent__isnull=True).first()
    if root is None:
        raise BusinessRuleError(_("决策树没有起始问题。"), code="tree_incomplete")
    return DiagnosisWalk.objects.create(
        org_id=actor.org_id,
        tree=tree,
        tree_version=tree.version,
        target_type=target_type,
        target_id=record.pk,
        employee=actor,
        current=root,
    )


@transaction.atomic
def walk_answer(*, actor, walk, node) -> DiagnosisWalk:
    """Answer the current question with one of its answers (``node``: the step it
    leads to); the question and answer are appended to the path."""
    walk = _own_open_walk(actor, walk)
    current = walk.current
    if current is None:
        raise BusinessRuleError(
            _("决策树已被修改，当前问题不存在了。请重新开始诊断。"), code="walk_node_gone"
        )
    step = DecisionNode.objects.filter(pk=_pk_of(node), parent_id=current.pk).first()
    if step is None:
        raise ValidationError({"node": [_("请选择当前问题的一个回答。")]}, code="invalid")
    walk.path = [
        *walk.path,
        {"node": current.pk, "question": current.text, "answer": step.answer},
    ]
    walk.current = step
    walk.save(update_fields=["path", "current", "updated_at"])
    return walk


@transaction.atomic
def walk_back(*, actor, walk) -> DiagnosisWalk:
    """Go back to the previous question; its answer is taken off the path."""
    walk = _own_open_walk(actor, walk)
    if not walk.path:
        raise BusinessRuleError(_("已经是第一个问题了。"), code="walk_at_start")
    last = walk.path[-1]
    previous = DecisionNode.objects.filter(pk=last["node"], tree_id=walk.tree_id).first()
    if previous is None:
        raise BusinessRuleError(
            _("决策树已被修改，上一个问题不存在了。请重新开始诊断。"), code="walk_node_gone"
        )
    walk.path = walk.path[:-1]
    walk.current = previous
    walk.save(update_fields=["path", "current", "updated_at"])
    return walk


@transaction.atomic
def walk_finish(*, actor, walk, link_article=True, solved=False) -> DiagnosisWalk:
    """End the walk at the solution it reached. Its article (when it has a published
    one) is linked to the record with ``link_article``, and marked as the solution
    with ``solved`` (the agent confirmed it solved the problem)."""
    walk = _own_open_walk(actor, walk)
    current = walk.current
    if current is None or not current.is_solution:
        raise BusinessRuleError(
            _("还没有得到解决方案：请继续回答问题。"), code="walk_not_at_solution"
        )
    walk.finished_at = timezone.now()
    walk.outcome_node = current
    walk.outcome_article = current.article
    walk.save(update_fields=["finished_at", "outcome_node", "outcome_article", "updated_at"])
    article = current.article
    usable = (
        article is not None
        and article.deleted_at is None
        and article.status == Article.Status.PUBLISHED
    )
    if usable and (link_article or solved):
        link_create(
            actor=actor,
            target_type=walk.target_type,
            target_id=walk.target_id,
            article=article,
            solved=bool(solved),
        )
    return walk


@transaction.atomic
def walk_update(*, actor, walk, note) -> DiagnosisWalk:
    """The agent's remark on a walk."""
    selectors.access_walk(actor, walk.pk, write=True)
    walk = DiagnosisWalk.objects.select_for_update().get(pk=walk.pk)
    if walk.employee_id != actor.pk and not policy.can(actor, f"{MODULE}.edit"):
        raise PermissionDenied(_("只有发起这次诊断的人可以修改备注。"))
    walk.note = _text(note, "note", 2000)
    walk.save(update_fields=["note", "updated_at"])
    return walk


@transaction.atomic
def walk_delete(*, actor, walk) -> None:
    policy.require(actor, f"{MODULE}.delete")
    selectors.access_walk(actor, walk.pk)
    DiagnosisWalk.objects.filter(pk=walk.pk).delete()
