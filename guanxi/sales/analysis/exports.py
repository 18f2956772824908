"""The analysis tables as Excel workbooks (openpyxl), headers in the active language.
Each workbook starts with the period, the currency and the filters in force; text cells
a spreadsheet would run as a formula are written with a leading quote."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from guanxi.core.spreadsheet import safe_cell


def title(table):
    return {
        "summary": _("销售分析-关键指标"),
        "funnel": _("销售分析-销售漏斗"),
        "breakdown": _("销售分析-分类统计"),
        "top_customers": _("销售分析-客户排行"),
    }[table]


def _number(value):
    return float(value) if value is not None else None


def _book(name, filters, ctx):
    book = Workbook()
    sheet = book.active
    sheet.title = name[:31]
    sheet.append([safe_cell(name)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("期间"), f"{filters.start.isoformat()} ~ {filters.end.isoformat()}"])
    sheet.append([_("币种"), ctx.currency])
    for label, value in (
        (_("部门"), filters.department),
        (_("员工"), filters.employee),
        (_("销售流程"), filters.pipeline),
        (_("产品线"), filters.product_line),
        (_("地区"), filters.region),
    ):
        if value:
            sheet.append([label, safe_cell(str(value))])
    sheet.append([])
    return book, sheet


def _header(sheet, labels):
    sheet.append(labels)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _bytes(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def summary_xlsx(result, filters, ctx):
    book, sheet = _book(_("关键指标"), filters, ctx)
    _header(sheet, [_("指标"), _("数值")])
    rows = [
        (_("订单金额"), _number(result["order_amount"])),
        (_("订单数"), result["order_count"]),
        (_("赢单数"), result["won_count"]),
        (_("输单数"), result["lost_count"]),
        (_("赢单率（%）"), _number(result["win_rate"])),
        (_("平均成交周期（天）"), _number(result["average_cycle_days"])),
        (_("平均成交金额"), _number(result["average_deal_size"])),
        (_("新增商机数"), result["new_pipeline_count"]),
        (_("新增商机金额"), _number(result["new_pipeline_amount"])),
    ]
    for row in rows:
        sheet.append(list(row))
    return _bytes(book), len(rows)


def funnel_xlsx(result, filters, ctx):
    book, sheet = _book(_("销售漏斗"), filters, ctx)
    if result["pipeline"] is not None:
        sheet.append([_("销售流程"), safe_cell(result["pipeline"].name)])
    sheet.append([_("期间内新建商机"), result["created"]])
    sheet.append([])
    _header(
        sheet,
        [
            _("阶段"),
            _("到达数"),
            _("占新建比例（%）"),
            _("到下一阶段转化率（%）"),
            _("平均停留天数"),
        ],
    )
    for row in result["stages"]:
        sheet.append(
            [
                safe_cell(row["name"]),
                row["reached"],
                _number(row["share"]),
                _number(row["conversion"]),
                _number(row["average_days"]),
            ]
        )
    return _bytes(book), len(result["stages"])


def breakdown_xlsx(result, filters, ctx):
    from guanxi.sales.analysis.forms import DIMENSION_CHOICES

    by = result["by"]
    book, sheet = _book(_("分类统计"), filters, ctx)
    sheet.append([_("分析维度"), str(dict(DIMENSION_CHOICES)[by])])
    sheet.append([])
    products = by in ("product", "product_line")
    header = [str(dict(DIMENSION_CHOICES)[by]), _("订单金额"), _("订单数")]
    if products:
        header.append(_("数量"))
    header += [
        _("赢单数"),
        _("输单数"),
        _("赢单率（%）"),
        _("赢单金额"),
        _("平均成交金额"),
        _("平均成交周期（天）"),
    ]
    _header(sheet, header)
    for row in result["rows"]:
        label = ("  " * row["depth"]) + str(row["label"])
        values = [safe_cell(label), _number(row["order_amount"]), row["order_count"]]
        if products:
            values.append(_number(row["quantity"]))
        values += [
            row["won_count"],
            row["lost_count"],
            _number(row["win_rate"]),
            _number(row["won_amount"]),
            _number(row["average_deal_size"]),
            _number(row["average_cycle_days"]),
        ]
        sheet.append(values)
    return _bytes(book), len(result["rows"])


def top_customers_xlsx(result, filters, ctx):
    book, sheet = _book(_("客户排行"), filters, ctx)
    sheet.append(
        [
            _("对比期间"),
            f"{result['previous_start'].isoformat()} ~ {result['previous_end'].isoformat()}",
        ]
    )
    sheet.append([_("排行方式"), _("按增长") if result["order"] == "growth" else _("按金额")])
    sheet.append([])
    _header(
        sheet,
        [
            _("排名"),
            _("客户"),
            _("订单金额"),
            _("订单数"),
            _("对比期间金额"),
            _("增长额"),
            _("增长率（%）"),
        ],
    )
    for rank, row in enumerate(result["rows"], start=1):
        sheet.append(
            [
                rank,
                safe_cell(row["name"]),
                _number(row["amount"]),
                row["order_count"],
                _number(row["previous_amount"]),
                _number(row["growth"]),
                _number(row["growth_rate"]),
            ]
        )
    return _bytes(book), len(result["rows"])
