"""The expense list as an Excel workbook (openpyxl, write-only: constant memory whatever
the number of rows). Text cells that a spreadsheet would run as a formula are written
with a leading quote (``safe_cell``)."""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from guanxi.core.spreadsheet import safe_cell


def _number(value, places):
    return float(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def expenses_xlsx(queryset, *, places) -> tuple[bytes, int]:
    """``(xlsx bytes, row count)`` of ``queryset`` (an expense queryset with customer,
    opportunity and owner selected), one row per expense and a total per currency."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("费用"))
    bold = Font(bold=True)
    header = [
        _("费用单号"), _("发生日期"), _("费用类别"), _("金额"), _("币种"), _("事由"),
        _("客户"), _("商机"), _("费用人"), _("所属部门"), _("状态"), _("已报销"),
    ]  # fmt: skip
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    sums: dict[str, Decimal] = {}
    count = 0
    for expense in queryset.iterator(chunk_size=2000):
        count += 1
        sums[expense.currency] = sums.get(expense.currency, Decimal("0")) + expense.amount
        sheet.append(
            [
                safe_cell(expense.code),
                expense.incurred_on,
                expense.get_category_display(),
                _number(expense.amount, places),
                expense.currency,
                safe_cell(expense.description),
                safe_cell(expense.customer.name) if expense.customer_id else "",
                safe_cell(expense.opportunity.name) if expense.opportunity_id else "",
                safe_cell(expense.owner.name),
                safe_cell(expense.owner_department.name) if expense.owner_department_id else "",
                expense.get_status_display(),
                _("是") if expense.reimbursed else "",
            ]
        )
    for currency, total in sorted(sums.items()):
        sheet.append(["", "", _("合计"), _number(total, places), currency])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue(), count
