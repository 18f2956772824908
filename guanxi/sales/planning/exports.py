"""The target board as an Excel workbook (openpyxl). Text cells that a spreadsheet would
run as a formula are written with a leading quote (``safe_cell``)."""

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


def board_xlsx(board, *, measure_label, places):
    """One row per department / employee of the board: target, actual, attainment %,
    gap, time progress %."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("销售目标")
    sheet.append([safe_cell(_("销售目标完成情况")), board.period.label, safe_cell(measure_label)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    header = [
        _("类型"), _("名称"), _("目标"), _("实际"), _("完成率（%）"), _("差额"), _("时间进度（%）"),
    ]  # fmt: skip
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in board.rows:
        sheet.append(
            [
                _("部门") if row.kind == "department" else _("员工"),
                safe_cell("    " * row.depth + row.name),
                _number(row.target, places),
                _number(row.actual, places),
                None if row.attainment is None else float(row.attainment),
                _number(row.gap, places),
                row.progress_percent,
            ]
        )
    sheet.column_dimensions["B"].width = 30
    for column in "CDEFG":
        sheet.column_dimensions[column].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
