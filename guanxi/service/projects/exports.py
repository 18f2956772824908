"""The project list as an Excel workbook (openpyxl, write-only: constant memory whatever
the number of rows). Text a spreadsheet would run as a formula is quoted (``safe_cell``)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from guanxi.core.spreadsheet import safe_cell
from guanxi.service.projects.selectors import progress


def _text(value):
    return safe_cell(value) if value else ""


def projects_xlsx(queryset) -> tuple[bytes, int]:
    """``(xlsx bytes, row count)`` of ``queryset`` (projects with customer and manager
    selected and the figures of ``selectors.with_figures``), one row per project."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("服务项目"))
    bold = Font(bold=True)
    header = [
        _("项目编号"), _("项目名称"), _("客户"), _("项目经理"), _("状态"), _("开始日期"),
        _("计划完成日期"), _("预算工时"), _("已登记工时"), _("进度（%）"), _("项目说明"),
    ]  # fmt: skip
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for project in queryset.prefetch_related(None).iterator(chunk_size=2000):
        count += 1
        sheet.append(
            [
                safe_cell(project.code),
                _text(project.name),
                _text(project.customer.name),
                _text(project.owner.name if project.owner_id else ""),
                project.get_status_display(),
                project.start_date,
                project.due_date,
                project.budget_hours,
                project.logged_hours,
                progress(project.tasks_done, project.tasks_active),
                _text(project.description),
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue(), count
