"""The defect list as an Excel workbook (openpyxl, write-only: constant memory whatever the
number of rows). Text a spreadsheet would run as a formula is quoted (``safe_cell``)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from guanxi.core.spreadsheet import safe_cell


def _text(value):
    return safe_cell(value) if value else ""


def _moment(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def defects_xlsx(queryset) -> tuple[bytes, int]:
    """``(xlsx bytes, row count)`` of ``queryset`` (defects with product, owner and
    reporter selected and ``ticket_count`` annotated), one row per defect."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("产品缺陷"))
    bold = Font(bold=True)
    header = [
        _("缺陷编号"), _("标题"), _("产品"), _("严重程度"), _("状态"), _("发现版本/批次"),
        _("修复版本"), _("关联工单"), _("登记人"), _("研发负责人"), _("登记时间"),
        _("修复时间"), _("关闭时间"), _("缺陷描述"),
    ]  # fmt: skip
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for defect in queryset.iterator(chunk_size=2000):
        count += 1
        sheet.append(
            [
                safe_cell(defect.code),
                _text(defect.title),
                _text(defect.product.name),
                defect.get_severity_display(),
                defect.get_status_display(),
                _text(defect.found_version),
                _text(defect.fixed_version),
                defect.ticket_count,
                _text(defect.reported_by.name if defect.reported_by_id else ""),
                _text(defect.owner.name if defect.owner_id else ""),
                _moment(defect.created_at),
                _moment(defect.fixed_at),
                _moment(defect.closed_at),
                _text(defect.description),
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue(), count
