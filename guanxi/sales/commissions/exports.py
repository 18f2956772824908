"""Commission statements as Excel workbooks (openpyxl): one statement with its lines, or
the statements of a list. Text cells a spreadsheet would run as a formula are written
with a leading quote (``safe_cell``)."""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from guanxi.core.spreadsheet import safe_cell


def _number(value, places):
    if value is None:
        return None
    return float(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def _bytes(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet, names):
    sheet.append(names)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def statement_xlsx(statement, lines, *, places):
    book = Workbook()
    sheet = book.active
    sheet.title = _("佣金结算单")
    sheet.append([_("佣金结算单")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("员工"), safe_cell(statement.owner.name)])
    sheet.append([_("期间"), statement.period])
    sheet.append([_("状态"), str(statement.get_status_display())])
    sheet.append([_("币种"), statement.currency])
    sheet.append([])
    _header(
        sheet,
        [
            _("类型"), _("规则"), _("产品线"), _("单号"), _("应收编号"), _("客户"),
            _("日期"), _("计提基数"), _("比例（%）"), _("佣金"), _("调整原因"),
        ],
    )  # fmt: skip
    for line in lines:
        sheet.append(
            [
                str(line.get_kind_display()),
                safe_cell(line.rule_name),
                safe_cell(line.product_line_name),
                safe_cell(line.source_code),
                safe_cell(line.receivable_code),
                safe_cell(line.customer_name),
                line.source_date,
                _number(line.base_amount, places) if line.kind != "adjustment" else None,
                float(line.rate) if line.rate is not None else None,
                _number(line.commission, places),
                safe_cell(line.reason),
            ]
        )
    sheet.append([])
    sheet.append([_("计算佣金"), _number(statement.commission_total, places)])
    sheet.append([_("调整金额"), _number(statement.adjustment_total, places)])
    sheet.append([_("佣金合计"), _number(statement.total, places)])
    sheet[f"A{sheet.max_row}"].font = Font(bold=True)
    return _bytes(book)


def statements_xlsx(statements, *, places):
    book = Workbook()
    sheet = book.active
    sheet.title = _("佣金结算单")
    _header(
        sheet,
        [
            _("期间"), _("员工"), _("部门"), _("状态"), _("计提基数合计"), _("计算佣金"),
            _("调整金额"), _("佣金合计"), _("币种"),
        ],
    )  # fmt: skip
    for statement in statements:
        sheet.append(
            [
                statement.period,
                safe_cell(statement.owner.name),
                safe_cell(statement.owner_department.name if statement.owner_department else ""),
                str(statement.get_status_display()),
                _number(statement.base_total, places),
                _number(statement.commission_total, places),
                _number(statement.adjustment_total, places),
                _number(statement.total, places),
                statement.currency,
            ]
        )
    return _bytes(book)
