"""Background jobs of the catalogue: the CSV export of products."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guanxi.audit import services as audit
from guanxi.catalog import prices, selectors
from guanxi.catalog.filters import filter_params
from guanxi.core.spreadsheet import csv_attachment
from guanxi.jobs import registry
from guanxi.orgs import custom_fields, policy
from guanxi.orgs.models import Employee

EXPORT_KIND = "catalog.export_products"
CHUNK_SIZE = 2000


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
    name = f"products-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
    with csv_attachment(reporter, name) as write:
        write(_header(show_cost, definitions))
        for product in products.iterator(chunk_size=CHUNK_SIZE):
            write(_row(product, show_cost, units, places, definitions, employees))
            count += 1
            reporter.advance(1)
    audit.record_export(
        actor=actor,
        entity=selectors.PRODUCT_ENTITY,
        row_count=count,
        file_format="csv",
        filters=filters,
    )
    return {"rows": count, "file_name": name}
