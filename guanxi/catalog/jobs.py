"""Background jobs of the catalogue: the CSV export of products."""

import csv
import io
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guanxi.audit import services as audit
from guanxi.catalog import prices, selectors
from guanxi.catalog.filters import filter_params
from guanxi.jobs import registry
from guanxi.orgs import custom_fields, policy
from guanxi.orgs.models import Employee

EXPORT_KIND = "catalog.export_products"
CHUNK_SIZE = 2000
BOM = "\ufeff"  # lets Excel read the UTF-8 file as UTF-8 (Chinese stays readable)


# a cell starting with one of these is a formula to a spreadsheet
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text as a spreadsheet shows it literally (no formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _summary(result):
    return ngettext("已导出 %(n)d 个产品。", "已导出 %(n)d 个产品。", result["rows"]) % {
        "n": result["rows"]
    }


def _header(show_cost, definitions=()):
    columns = [
        _("产品编号"),
        _("产品名称"),
        _("助记码"),
        _("分类"),
        _("产品类型"),
        _("规格"),
        _("型号"),
        _("计量单位"),
        _("标准售价"),
    ]
    if show_cost:
        columns.append(_("成本价"))
    columns += [_("税率（%）"), _("状态"), _("产品线"), _("说明")]
    columns += [d.display_label for d in definitions]
    return columns


def _row(product, show_cost, units, places, definitions=(), employees=None):
    row = [
        product.code,
        product.name,
        product.mnemonic,
        product.category.name if product.category_id else "",
        product.get_kind_display(),
        product.spec,
        product.model,
        units.get(product.unit, product.unit),
        prices.round_price(product.list_price, places),
    ]
    if show_cost:
        row.append(
            "" if product.cost_price is None else prices.round_price(product.cost_price, places)
        )
    row += [
        product.tax_rate,
        _("启用") if product.active else _("停用"),
        "、".join(line.name for line in product.product_lines.all()),
        product.description,
    ]
    custom = product.custom or {}
    row += [custom_fields.display(d, custom.get(d.code), employees) for d in definitions]
    return row


@registry.register(
    EXPORT_KIND, label=gettext_lazy("导出产品"), permission="products.export", summary=_summary
)
def export_products(job, reporter):
    """Stream the products matching the job's filters into a UTF-8 (with BOM)
    CSV file written to a temporary file (constant memory). The cost column is
    there only for ``special.view_cost``; the export is recorded in the audit log."""
    actor = job.created_by
    policy.require(actor, "products.export")  # may have changed since the job was queued
    filters = filter_params(job.params or {})
    show_cost = selectors.can_view_cost(actor)
    places = prices.price_places(actor.org_id)
    units = selectors.unit_labels()
    products = selectors.product_list(employee=actor, filters=filters)
    definitions = custom_fields.definitions("product")
    employees = (
        dict(Employee.objects.values_list("pk", "name"))
        if any(d.field_type == custom_fields.FieldType.EMPLOYEE for d in definitions)
        else {}
    )
    reporter.total(products.count())
    count = 0
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        text.write(BOM)
        writer = csv.writer(text)
        writer.writerow(_header(show_cost, definitions))
        for product in products.iterator(chunk_size=CHUNK_SIZE):
            row = _row(product, show_cost, units, places, definitions, employees)
            writer.writerow([_cell(v) for v in row])
            count += 1
            reporter.advance(1)
        text.flush()
        name = f"products-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
        reporter.attach(name, raw)
        text.detach()
    audit.record_export(
        actor=actor,
        entity=selectors.PRODUCT_ENTITY,
        row_count=count,
        file_format="csv",
        filters=filters,
    )
    return {"rows": count, "file_name": name}
