"""Reads of the product catalogue, scoped to the request's org and checked by ``policy``.

Products are setup data (no owner): every employee with ``products.view``
sees the whole catalogue; cost prices only with ``special.view_cost``.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Prefetch
from django.http import Http404

from guanxi.audit.models import ChangeRecord
from guanxi.catalog.filters import ProductFilter
from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.catalog.prices import price_places, round_price
from guanxi.orgs import policy
from guanxi.orgs import selectors as org_selectors

PRODUCT_ENTITY = "catalog.product"
COST_FIELDS = frozenset({"cost_price"})
PRICE_FIELDS = frozenset({"list_price", "cost_price"})
MASK = "***"


def can_view_cost(employee):
    return policy.can(employee, "special.view_cost")


def _lines_prefetch():
    return Prefetch("product_lines", queryset=ProductLine.objects.order_by("sort_order", "id"))


def product_queryset():
    return Product.objects.select_related("category").prefetch_related(_lines_prefetch())


def product_list(*, employee, filters=None):
    """Products ``employee`` may see, narrowed by ``filters`` (the ProductFilter
    parameters: ``q``, ``category`` with its sub-categories, ``kind``, ``active``,
    ``ordering``). Invalid filter values are ignored."""
    policy.require(employee, "products.view")
    qs = product_queryset().order_by("code", "id")
    if filters:
        qs = ProductFilter(filters, queryset=qs).qs
    return qs


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_product(employee, pk, *, write=False):
    policy.require(employee, "products.edit" if write else "products.view")
    return _get(product_queryset(), pk)


def access_category(employee, pk, *, write=False):
    policy.require(employee, "products.edit" if write else "products.view")
    return _get(ProductCategory.objects.all(), pk)


def access_product_line(employee, pk, *, write=False):
    policy.require(employee, "products.edit" if write else "products.view")
    return _get(ProductLine.objects.all(), pk)


# ---- categories and lines ------------------------------------------------------------


def tree_order(nodes):
    """Categories in display order: parents before children, siblings by
    (sort_order, name). ``depth`` gives the indentation."""
    children: dict[int | None, list] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.sort_order, n.name, n.pk))
    ordered, stack = [], list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return ordered


def category_tree(*, employee, with_counts=False):
    """Every category in tree order (one query). With ``with_counts``,
    ``product_count`` counts the products directly in each category and
    ``total_count`` those in it and all its sub-categories."""
    policy.require(employee, "products.view")
    qs = ProductCategory.objects.all()
    if with_counts:
        qs = qs.annotate(product_count=Count("products"))
    nodes = tree_order(list(qs))
    if with_counts:
        totals = {node.pk: 0 for node in nodes}
        for node in nodes:
            for ancestor in node.ancestor_ids():
                if ancestor in totals:
                    totals[ancestor] += node.product_count
        for node in nodes:
            node.total_count = totals[node.pk]
    return nodes


def category_list(*, employee):
    policy.require(employee, "products.view")
    return ProductCategory.objects.annotate(product_count=Count("products")).order_by("path")


def product_line_list(*, employee):
    policy.require(employee, "products.view")
    return ProductLine.objects.annotate(product_count=Count("products")).order_by(
        "sort_order", "id"
    )


# ---- units ---------------------------------------------------------------------------


def unit_entries():
    return list(org_selectors.dictionary_entries(kind="unit"))


def unit_labels():
    """Unit code → label in the current language (one query)."""
    return {entry.code: entry.display_label for entry in unit_entries()}


def unit_choices(current=None):
    """Active units, plus ``current`` if it has since been deactivated."""
    return [
        (entry.code, entry.display_label)
        for entry in unit_entries()
        if entry.is_active or entry.code == current
    ]


# ---- history -------------------------------------------------------------------------


def _text(value, places=None):
    if value is None or value == "":
        return ""
    if isinstance(value, dict) and "repr" in value:
        return str(value["repr"])
    if isinstance(value, list):
        return "、".join(_text(item) for item in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if places is not None:
        try:
            return str(round_price(value, places))
        except (ArithmeticError, TypeError, ValueError):
            return str(value)
    return str(value)


def product_history(*, employee, product, limit=50):
    """The audit trail of ``product``, newest first, ready to show. Cost values
    are masked for employees without ``special.view_cost``."""
    policy.require(employee, "products.view")
    show_cost = can_view_cost(employee)
    places = price_places(employee.org_id)
    kinds = dict(Product.Kind.choices)
    units = unit_labels()
    records = ChangeRecord.objects.filter(entity=PRODUCT_ENTITY, object_id=str(product.pk))
    rows = []
    for record in records.order_by("-created_at", "-id")[:limit]:
        changes = []
        for name, change in sorted(record.changes.items()):
            try:
                label = getattr(Product._meta.get_field(name), "verbose_name", name)
            except FieldDoesNotExist:  # a field that no longer exists
                label = name
            old, new = change.get("old"), change.get("new")
            if name == "kind":
                old, new = kinds.get(old, old), kinds.get(new, new)
            elif name == "unit":
                old, new = units.get(old, old), units.get(new, new)
            if name in COST_FIELDS and not show_cost:
                old, new = (MASK if old is not None else ""), (MASK if new is not None else "")
            digits = places if name in PRICE_FIELDS else 2 if name == "tax_rate" else None
            if old == MASK or new == MASK:
                digits = None
            changes.append(
                {
                    "field": name,
                    "label": label,
                    "old": _text(old, digits),
                    "new": _text(new, digits),
                }
            )
        rows.append({"record": record, "changes": changes})
    return rows
