"""Form helpers shared by the sales documents that have lines (quotes, contracts,
orders): reading the lines editor's post and giving the editor its context."""

import contextlib
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanxi.catalog.models import Product
from guanxi.sales.lines import MAX_LINES, plain

LINE_KEYS = ("product", "quantity", "unit_price", "discount", "tax_rate", "description")


def lines_from_post(data):
    """The rows of the lines editor (its hidden ``lines_json`` field) as a list of
    dicts with the API names, for ``clean_lines``. Rows left completely empty are
    dropped; anything that is not a list of objects is a ``ValidationError`` on
    ``lines``."""
    text = (data.get("lines_json") or "").strip()
    if not text:
        return []
    try:
        rows = json.loads(text)
    except ValueError:
        raise ValidationError({"lines": [_("明细格式不正确。")]}, code="invalid") from None
    if not isinstance(rows, list) or len(rows) > MAX_LINES * 2:
        raise ValidationError({"lines": [_("明细格式不正确。")]}, code="invalid")
    lines = []
    for row in rows:
        if not isinstance(row, dict):
            raise ValidationError({"lines": [_("明细格式不正确。")]}, code="invalid")
        line = {key: row.get(key) for key in LINE_KEYS if key in row}
        for key, value in line.items():
            if isinstance(value, str):
                line[key] = value.strip()
        if all(line.get(key) in (None, "") for key in ("product", "quantity", "unit_price")):
            continue
        lines.append(line)
    return lines


def _label(product):
    return f"{product.code} {product.name}" if product is not None else ""


def _row_of_line(line):
    return {
        "product": line.product_id,
        "label": _label(line.product),
        "quantity": plain(line.quantity),
        "unit_price": plain(line.unit_price),
        "discount": plain(line.discount),
        "tax_rate": plain(line.tax_rate),
        "description": line.description,
    }


def editor_context(*, org_id, rows, places, currency, errors=()):
    """The context of ``sales/_lines_editor.html``.

    ``rows`` are the document's stored lines (to edit them) or the raw dicts of a
    refused post (to show them again); ``errors`` the messages of ``lines``. The
    products offered are the org's active ones plus any already on the rows."""
    rows = list(rows or [])
    ids = set()
    for row in rows:
        value = row.get("product") if isinstance(row, dict) else row.product_id
        with contextlib.suppress(TypeError, ValueError):
            ids.add(int(value))
    products = list(
        Product.objects.filter(org_id=org_id, active=True)
        .only("id", "code", "name", "list_price", "tax_rate")
        .order_by("code", "id")
    )
    known = {p.pk: p for p in products}
    missing = ids - set(known)
    if missing:
        for product in Product.objects.filter(org_id=org_id, pk__in=missing).only(
            "id", "code", "name", "list_price", "tax_rate"
        ):
            known[product.pk] = product
            products.append(product)
    initial = []
    for row in rows:
        if isinstance(row, dict):
            item = {key: "" if row.get(key) is None else str(row.get(key)) for key in LINE_KEYS}
            try:
                item["label"] = _label(known.get(int(row.get("product"))))
            except (TypeError, ValueError):
                item["label"] = ""
            initial.append(item)
        else:
            initial.append(_row_of_line(row))
    return {
        "lines_initial": json.dumps(initial, ensure_ascii=False),
        "products": products,
        "places": places,
        "currency": currency,
        "line_errors": list(errors),
    }
