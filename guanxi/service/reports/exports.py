"""The report tables as Excel workbooks (openpyxl), headers in the active language; the
first rows say the period and the filters in force. Text a spreadsheet would run as a
formula is written with a leading quote."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from guanxi.core.spreadsheet import safe_cell

COLUMNS = (
    ("volume", lambda: _("新建工单数")),
    ("complaints", lambda: _("投诉")),
    ("resolved", lambda: _("已解决")),
    ("resolution_rate", lambda: _("解决率（%）")),
    ("backlog", lambda: _("积压")),
    ("first_response_hours", lambda: _("平均首次响应（小时）")),
    ("first_response_work_hours", lambda: _("平均首次响应（工作小时）")),
    ("within_promise_rate", lambda: _("24 小时内响应率（%）")),
    ("resolution_hours", lambda: _("平均解决时长（小时）")),
    ("resolution_work_hours", lambda: _("平均解决时长（工作小时）")),
    ("fcr_rate", lambda: _("一次解决率（%）")),
    ("sla_rate", lambda: _("SLA 达成率（%）")),
    ("satisfaction", lambda: _("平均满意度（1–5）")),
)


def _number(value):
    return float(value) if value is not None else None


def report_xlsx(summary, result, filters, dimension_label):
    """``(bytes, rows)``: the KPI row and the breakdown by ``dimension_label``."""
    book = Workbook()
    sheet = book.active
    name = _("服务报表")
    sheet.title = name[:31]
    sheet.append([safe_cell(name)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("期间"), f"{filters.start.isoformat()} ~ {filters.end.isoformat()}"])
    for label, value in (
        (_("服务团队"), filters.team),
        (_("处理人"), filters.assignee),
        (_("工单类别"), filters.category),
        (_("产品"), filters.product),
        (_("渠道"), filters.channel),
        (_("优先级"), filters.priority),
    ):
        if value:
            sheet.append([label, safe_cell(str(value))])
    sheet.append([])
    header = [safe_cell(str(dimension_label)), *(label() for _key, label in COLUMNS)]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.append([_("合计"), *(_number(summary[key]) for key, _label in COLUMNS)])
    for row in result["rows"]:
        sheet.append([safe_cell(row["label"]), *(_number(row[key]) for key, _label in COLUMNS)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(result["rows"])
