"""Knowledge screens: the knowledge home (category tree, search, latest and most
solved), FAQ, article page, editor, versions with compare and restore, categories,
decision tree list and builder, and the target panel an agent uses on a record
(suggested and linked articles, search to link, trees to walk, past walks)."""

import difflib
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.knowledge import selectors, services
from guanxi.knowledge.filters import ArticleFilter, TreeFilter
from guanxi.knowledge.forms import ArticleForm, CategoryForm, NodeForm, TreeForm
from guanxi.knowledge.models import Article, DecisionNode, DecisionTree
from guanxi.orgs import policy

PAGE_SIZE = 30
PRODUCT_CHOICES = 500
ARTICLE_CHOICES = 300
REFUSED = (ValidationError, BusinessRuleError, PermissionDenied)


def _can(employee, action):
    return policy.can(employee, f"knowledge.{action}")


def _products():
    return Product.objects.only("id", "code", "name").order_by("code")[:PRODUCT_CHOICES]


def _published_articles():
    return (
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .only("id", "code", "title")
        .order_by("code")[:ARTICLE_CHOICES]
    )


# ---- knowledge home, FAQ -----------------------------------------------------------------


@employee_required
@require_GET
def article_list(request):
    """The knowledge home: category tree, search (ranked, highlighted), filters; with
    no search, the latest and most-solved articles above the list."""
    employee = request.employee
    policy.require(employee, "knowledge.view")
    base = selectors.article_queryset(employee=employee).order_by("-id")
    if not _can(employee, "edit"):
        base = base.filter(status=Article.Status.PUBLISHED)
    filters = ArticleFilter(request.GET, queryset=base)
    valid = filters.is_valid()
    text = (request.GET.get("q") or "").strip()
    hits = None
    page = None
    if valid and text:
        narrowed = ArticleFilter(
            {key: value for key, value in request.GET.items() if key != "q"}, queryset=base
        )
        narrowed.is_valid()
        hits = selectors.article_search(employee=employee, text=text, queryset=narrowed.qs)
    else:
        rows = filters.qs if valid else base.none()
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    browsing = not any(request.GET.get(key) for key in ArticleFilter.Meta.fields)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "knowledge/article_list.html",
        {
            "filters": filters,
            "hits": hits,
            "page": page,
            "text": text,
            "query": query.urlencode(),
            "categories": selectors.category_tree(employee=employee),
            "current_category": request.GET.get("category", ""),
            "latest": selectors.latest_articles(employee=employee) if browsing else [],
            "most_solved": selectors.most_solved_articles(employee=employee) if browsing else [],
            "kinds": Article.Kind.choices,
            "statuses": Article.Status.choices,
            "can_create": _can(employee, "create"),
            "can_edit": _can(employee, "edit"),
        },
    )


@employee_required
@require_GET
def faq_list(request):
    """Published questions and answers, by category."""
    employee = request.employee
    policy.require(employee, "knowledge.view")
    rows = (
        selectors.article_queryset(employee=employee)
        .filter(kind=Article.Kind.FAQ, status=Article.Status.PUBLISHED)
        .order_by("category__path", "-solved_count", "id")
    )
    filters = ArticleFilter(request.GET, queryset=rows)
    faqs = list(filters.qs if filters.is_valid() else rows.none())[:300]
    return render(
        request,
        "knowledge/faq_list.html",
        {"faqs": faqs, "text": request.GET.get("q", ""), "can_create": _can(employee, "create")},
    )


# ---- articles ----------------------------------------------------------------------------


@employee_required
@require_GET
def article_detail(request, pk):
    employee = request.employee
    article = selectors.access_article(employee, pk)
    if not article.is_published and not _can(employee, "edit") and article.author_id != employee.pk:
        raise Http404
    services.article_record_view(actor=employee, article=article)
    article.view_count += 1
    products = list(article.products.only("id", "code", "name"))
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "products": products,
            "version_count": article.versions.count(),
            "can_edit": _can(employee, "edit"),
            "can_delete": _can(employee, "delete"),
        },
    )


def _article_form_page(request, article=None):
    employee = request.employee
    kwargs = {
        "categories": selectors.category_tree(employee=employee),
        "products": _products(),
    }
    if request.method == "POST":
        form = ArticleForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            data["category"] = data["category"] or None
            try:
                if article is None:
                    publish = request.POST.get("publish") == "1"
                    article = services.article_create(actor=employee, publish=publish, **data)
                    messages.success(request, _("文章 %(code)s 已保存。") % {"code": article.code})
                else:
                    services.article_update(
                        actor=employee, article=article, version=version, **data
                    )
                    messages.success(request, _("文章已更新。"))
                return redirect("knowledge:article_detail", article.pk)
            except REFUSED as exc:
                refuse(form, exc)
    else:
        initial = {"kind": request.GET.get("kind") or Article.Kind.ARTICLE}
        if request.GET.get("category"):
            initial["category"] = request.GET["category"]
        form = ArticleForm(
            initial=ArticleForm.initial_for(article) if article else initial, **kwargs
        )
    return render(
        request,
        "knowledge/article_form.html",
        {"form": form, "article": article},
        status=form_status(request, form),
    )


@employee_required
def article_create(request):
    policy.require(request.employee, "knowledge.create")
    return _article_form_page(request)


@employee_required
def article_edit(request, pk):
    article = selectors.access_article(request.employee, pk, write=True)
    return _article_form_page(request, article)


ARTICLE_VERBS = {
    "publish": (services.article_publish, "edit"),
    "archive": (services.article_archive, "edit"),
    "delete": (services.article_delete, "delete"),
}


@employee_required
@require_POST
def article_action(request, pk, verb):
    employee = request.employee
    if verb not in ARTICLE_VERBS:
        raise Http404
    action, capability = ARTICLE_VERBS[verb]
    policy.require(employee, f"knowledge.{capability}")
    article = selectors.access_article(employee, pk)
    try:
        action(actor=employee, article=article)
    except REFUSED as exc:
        messages.error(request, refusal_text(exc))
        return redirect("knowledge:article_detail", article.pk)
    done = {
        "publish": _("文章已发布。"),
        "archive": _("文章已归档。"),
        "delete": _("文章已移入回收站。"),
    }
    messages.success(request, done[verb])
    if verb == "delete":
        return redirect("knowledge:article_list")
    return redirect("knowledge:article_detail", article.pk)


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line by line: ``("same"|"add"|"del", line)``."""
    rows = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        rows.append(({"+ ": "add", "- ": "del"}.get(tag, "same"), text))
    return rows


@employee_required
@require_GET
def article_versions(request, pk):
    """The versions of an article; ``?a=&b=`` compares two (default: the two newest,
    or the newest with the current text)."""
    employee = request.employee
    article = selectors.access_article(employee, pk)
    versions = list(selectors.article_versions(article))
    by_number = {version.number: version for version in versions}
    compare = None
    try:
        a = int(request.GET.get("a") or 0)
        b = int(request.GET.get("b") or 0)
    except ValueError:
        a = b = 0
    if (a and a not in by_number) or (b and b not in by_number):
        raise Http404
    older = by_number.get(a) or (versions[1] if len(versions) > 1 else None)
    newer = by_number.get(b) or (versions[0] if versions else None)
    if older is not None and newer is not None and older.number != newer.number:
        compare = {
            "older": older,
            "newer": newer,
            "title_changed": older.title != newer.title,
            "rows": _diff(older.body, newer.body),
        }
    return render(
        request,
        "knowledge/article_versions.html",
        {
            "article": article,
            "versions": versions,
            "compare": compare,
            "can_edit": _can(employee, "edit"),
        },
    )


@employee_required
@require_POST
def article_restore(request, pk, number):
    employee = request.employee
    article = selectors.access_article(employee, pk, write=True)
    try:
        services.article_restore(actor=employee, article=article, number=number)
        messages.success(request, _("已恢复为第 %(n)s 版的内容。") % {"n": number})
    except REFUSED as exc:
        messages.error(request, refusal_text(exc))
        return redirect("knowledge:article_versions", article.pk)
    return redirect("knowledge:article_detail", article.pk)


# ---- categories --------------------------------------------------------------------------


@employee_required
def category_list(request):
    employee = request.employee
    policy.require(employee, "knowledge.view")
    categories = selectors.category_tree(employee=employee)
    form = CategoryForm(request.POST or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_create(
                actor=employee,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"] or None,
            )
            messages.success(request, _("分类已添加。"))
            return redirect("knowledge:category_list")
        except REFUSED as exc:
            refuse(form, exc)
    return render(
        request,
        "knowledge/category_list.html",
        {
            "categories": categories,
            "form": form,
            "can_create": _can(employee, "create"),
            "can_edit": _can(employee, "edit"),
            "can_delete": _can(employee, "delete"),
        },
        status=form_status(request, form),
    )


@employee_required
@require_POST
def category_action(request, pk, verb):
    employee = request.employee
    category = selectors.access_category(employee, pk)
    try:
        if verb == "delete":
            services.category_delete(actor=employee, category=category)
            messages.success(request, _("分类已删除。"))
        elif verb == "rename":
            services.category_update(
                actor=employee, category=category, name=request.POST.get("name")
            )
            messages.success(request, _("分类已更新。"))
        else:
            raise Http404
    except REFUSED as exc:
        messages.error(request, refusal_text(exc))
    return redirect("knowledge:category_list")


# ---- decision trees ----------------------------------------------------------------------


@employee_required
@require_GET
def tree_list(request):
    employee = request.employee
    policy.require(employee, "knowledge.view")
    base = selectors.tree_queryset(employee=employee).order_by("-id")
    if not _can(employee, "edit"):
        base = base.filter(status=DecisionTree.Status.PUBLISHED)
    filters = TreeFilter(request.GET, queryset=base)
    rows = filters.qs if filters.is_valid() else base.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/tree_list.html",
        {
            "filters": filters,
            "page": page,
            "statuses": DecisionTree.Status.choices,
            "can_create": _can(employee, "create"),
        },
    )


@employee_required
def tree_create(request):
    employee = request.employee
    policy.require(employee, "knowledge.create")
    kwargs = {"categories": selectors.category_tree(employee=employee), "products": _products()}
    form = TreeForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            tree = services.tree_create(actor=employee, **data)
            return redirect("knowledge:tree_detail", tree.pk)
        except REFUSED as exc:
            refuse(form, exc)
    return render(
        request, "knowledge/tree_form.html", {"form": form}, status=form_status(request, form)
    )


@employee_required
def tree_edit(request, pk):
    employee = request.employee
    tree = selectors.access_tree(employee, pk, write=True)
    kwargs = {
        "categories": selectors.category_tree(employee=employee),
        "products": _products(),
        "editing": True,
    }
    if request.method == "POST":
        form = TreeForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.tree_update(actor=employee, tree=tree, version=version, **data)
                return redirect("knowledge:tree_detail", tree.pk)
            except REFUSED as exc:
                refuse(form, exc)
    else:
        form = TreeForm(
            initial={
                "name": tree.name,
                "description": tree.description,
                "category": tree.category_id or "",
                "product": tree.product_id or "",
                "version": tree.version,
            },
            **kwargs,
        )
    return render(
        request,
        "knowledge/tree_form.html",
        {"form": form, "tree": tree},
        status=form_status(request, form),
    )


def _builder_context(employee, tree, *, error="", error_node=None):
    nodes = selectors.tree_nodes(tree)
    return {
        "tree": tree,
        "outline": selectors.tree_outline(nodes),
        "node_count": len(nodes),
        "problems": services.tree_problems(nodes),
        "articles": list(_published_articles()),
        "kinds": DecisionNode.Kind.choices,
        "can_edit": _can(employee, "edit"),
        "can_delete": _can(employee, "delete"),
        "error": error,
        "error_node": error_node,
    }


def _builder(request, tree, *, error="", error_node=None, status=200):
    """The builder: the partial for htmx, else back to the page."""
    tree = selectors.access_tree(request.employee, tree.pk)
    if request.htmx:
        return render(
            request,
            "knowledge/_builder.html",
            _builder_context(request.employee, tree, error=error, error_node=error_node),
            status=status,
        )
    if error:
        messages.error(request, error)
    return redirect("knowledge:tree_detail", tree.pk)


@employee_required
@require_GET
def tree_detail(request, pk):
    """The tree builder (and its read-only view without ``knowledge.edit``)."""
    tree = selectors.access_tree(request.employee, pk)
    return render(request, "knowledge/tree_detail.html", _builder_context(request.employee, tree))


TREE_VERBS = {
    "publish": (services.tree_publish, "edit", _("决策树已发布。")),
    "unpublish": (services.tree_unpublish, "edit", _("决策树已撤回为草稿。")),
    "delete": (services.tree_delete, "delete", _("决策树已删除。")),
}


@employee_required
@require_POST
def tree_action(request, pk, verb):
    employee = request.employee
    if verb not in TREE_VERBS:
        raise Http404
    action, capability, done = TREE_VERBS[verb]
    policy.require(employee, f"knowledge.{capability}")
    tree = selectors.access_tree(employee, pk)
    try:
        action(actor=employee, tree=tree)
    except REFUSED as exc:
        messages.error(request, refusal_text(exc))
        return redirect("knowledge:tree_detail", tree.pk)
    messages.success(request, str(done))
    if verb == "delete":
        return redirect("knowledge:tree_list")
    return redirect("knowledge:tree_detail", tree.pk)


@employee_required
@require_POST
def node_create(request, pk):
    """Add the first question, or an answer under question ``parent``."""
    employee = request.employee
    tree = selectors.access_tree(employee, pk, write=True)
    form = NodeForm(request.POST, articles=_published_articles())
    parent = request.POST.get("parent") or None
    if not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _builder(request, tree, error=errors, error_node=parent, status=400)
    data = dict(form.cleaned_data)
    try:
        services.node_create(
            actor=employee,
            tree=tree,
            parent=parent,
            answer=data["answer"],
            kind=data["kind"],
            text=data["text"],
            article=data["article"] or None,
        )
    except REFUSED as exc:
        status = getattr(exc, "status_code", 400)
        return _builder(request, tree, error=refusal_text(exc), error_node=parent, status=status)
    return _builder(request, tree)


@employee_required
@require_POST
def node_action(request, pk, verb):
    """Edit, move up/down or delete (with its subtree) one node."""
    employee = request.employee
    node = selectors.access_node(employee, pk, write=True)
    tree = node.tree
    try:
        if verb == "edit":
            form = NodeForm(request.POST, articles=_published_articles())
            if not form.is_valid():
                errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
                return _builder(request, tree, error=errors, error_node=node.pk, status=400)
            data = form.cleaned_data
            changes = {"text": data["text"], "kind": data["kind"]}
            changes["article"] = data["article"] or None
            if node.parent_id is not None:
                changes["answer"] = data["answer"]
            services.node_update(actor=employee, node=node, **changes)
        elif verb in ("up", "down"):
            services.node_move(actor=employee, node=node, direction=verb)
        elif verb == "delete":
            services.node_delete(actor=employee, node=node)
        else:
            raise Http404
    except REFUSED as exc:
        status = getattr(exc, "status_code", 400)
        return _builder(request, tree, error=refusal_text(exc), error_node=node.pk, status=status)
    return _builder(request, tree)


# ---- the target panel and walks ----------------------------------------------------------


def _panel_url(target_key, target_id, text=""):
    url = reverse("knowledge:target_panel", args=[target_key, target_id])
    return f"{url}?{urlencode({'text': text})}" if text else url


def _panel_context(request, target_key, target_id, *, text="", found=None, error=""):
    employee = request.employee
    target, record = selectors.access_target(employee, target_key, target_id)
    product = request.GET.get("product") or request.POST.get("product") or None
    try:
        product = int(product) if product else None
    except ValueError:
        product = None
    links = selectors.links_of(target_key, record.pk)
    linked_ids = {link.article_id for link in links}
    suggestions = [
        article
        for article in selectors.suggest_articles(
            employee=employee, text=text, product=product, limit=5 + len(linked_ids)
        )
        if article.pk not in linked_ids
    ][:5]
    walks = selectors.walks_of(target_key, record.pk)
    open_walk = next(
        (walk for walk in walks if not walk.is_finished and walk.employee_id == employee.pk), None
    )
    return {
        "target": target,
        "record": record,
        "target_key": target_key,
        "target_id": record.pk,
        "target_link": target.link(record),
        "text": text,
        "product": product or "",
        "links": links,
        "suggestions": suggestions,
        "found": found,
        "trees": selectors.published_trees(employee=employee, product=product),
        "walks": walks,
        "open_walk": open_walk,
        "choices": selectors.walk_choices(open_walk) if open_walk else [],
        "can_link": _can(employee, "create"),
        "can_mark": _can(employee, "edit"),
        "error": error,
    }


def _panel(request, target_key, target_id, *, text="", found=None, error="", status=200):
    context = _panel_context(request, target_key, target_id, text=text, found=found, error=error)
    if request.htmx:
        return render(request, "knowledge/_panel.html", context, status=status)
    return render(request, "knowledge/target_panel.html", context, status=status)


@employee_required
@require_GET
def target_panel(request, target_key, target_id):
    """What the knowledge base offers for one record (``?text=`` its problem): 404
    unless the viewer may see the record."""
    policy.require(request.employee, "knowledge.view")
    return _panel(request, target_key, target_id, text=request.GET.get("text", "")[:2000])


@employee_required
@require_GET
def panel_search(request, target_key, target_id):
    """Search articles to link from the panel (the results only)."""
    employee = request.employee
    policy.require(employee, "knowledge.view")
    _target, record = selectors.access_target(employee, target_key, target_id)
    text = request.GET.get("q", "")
    published = selectors.article_queryset(employee=employee).filter(
        status=Article.Status.PUBLISHED
    )
    hits = selectors.article_search(employee=employee, text=text, queryset=published, limit=10)
    return render(
        request,
        "knowledge/_panel_search.html",
        {
            "hits": hits,
            "q": text,
            "target_key": target_key,
            "target_id": record.pk,
            "text": request.GET.get("text", ""),
            "can_link": _can(employee, "create"),
        },
    )


def _panel_after(request, target_key, target_id, refused=None):
    text = request.POST.get("text", "")[:2000]
    if refused is not None and not request.htmx:
        messages.error(request, refusal_text(refused))
    if request.htmx:
        status = getattr(refused, "status_code", 400) if refused is not None else 200
        error = refusal_text(refused) if refused is not None else ""
        return _panel(request, target_key, target_id, text=text, error=error, status=status)
    return redirect(_panel_url(target_key, target_id, text))


@employee_required
@require_POST
def panel_link(request, target_key, target_id):
    employee = request.employee
    try:
        services.link_create(
            actor=employee,
            target_type=target_key,
            target_id=target_id,
            article=request.POST.get("article"),
            solved=request.POST.get("solved") == "1",
        )
    except REFUSED as exc:
        return _panel_after(request, target_key, target_id, exc)
    return _panel_after(request, target_key, target_id)


@employee_required
@require_POST
def link_action(request, pk, verb):
    """Mark as the solution, unmark, or unlink; answers with the record's panel."""
    employee = request.employee
    link = selectors.access_link(employee, pk)
    try:
        if verb == "solved":
            services.link_set_solved(actor=employee, link=link, solved=True)
        elif verb == "unsolved":
            services.link_set_solved(actor=employee, link=link, solved=False)
        elif verb == "unlink":
            services.link_delete(actor=employee, link=link)
        else:
            raise Http404
    except REFUSED as exc:
        return _panel_after(request, link.target_type, link.target_id, exc)
    return _panel_after(request, link.target_type, link.target_id)


@employee_required
@require_POST
def walk_start(request, target_key, target_id):
    employee = request.employee
    try:
        services.walk_start(
            actor=employee,
            tree=request.POST.get("tree"),
            target_type=target_key,
            target_id=target_id,
        )
    except REFUSED as exc:
        return _panel_after(request, target_key, target_id, exc)
    return _panel_after(request, target_key, target_id)


@employee_required
@require_POST
def walk_action(request, pk, verb):
    """Answer, go back or finish the employee's walk; answers with the panel."""
    employee = request.employee
    walk = selectors.access_walk(employee, pk, write=True)
    try:
        if verb == "answer":
            services.walk_answer(actor=employee, walk=walk, node=request.POST.get("node"))
        elif verb == "back":
            services.walk_back(actor=employee, walk=walk)
        elif verb == "finish":
            services.walk_finish(
                actor=employee,
                walk=walk,
                link_article=request.POST.get("link", "1") == "1",
                solved=request.POST.get("solved") == "1",
            )
        else:
            raise Http404
    except REFUSED as exc:
        return _panel_after(request, walk.target_type, walk.target_id, exc)
    return _panel_after(request, walk.target_type, walk.target_id)


@employee_required
@require_GET
def walk_detail(request, pk):
    """One walk's recorded path and outcome."""
    walk = selectors.access_walk(request.employee, pk)
    target, record, _problem = selectors.targets.find(
        request.employee, walk.target_type, walk.target_id
    )
    return render(
        request,
        "knowledge/walk_detail.html",
        {
            "walk": walk,
            "record": record,
            "target": target,
            "panel_url": _panel_url(walk.target_type, walk.target_id),
        },
    )
