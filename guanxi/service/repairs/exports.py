"""The repair list as an Excel workbook (openpyxl, write-only: constant memory whatever the
number of rows). Text that a spreadsheet would run as a formula is written with a leading
quote (``safe_cell``)."""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from guanxi.core.spreadsheet import safe_cell


def _number(value, places):
    return float(Decimal(value).quantize(Decimal(1).scaleb(-int(places))))


def _text(value):
    return safe_cell(value) if value else ""


def repairs_xlsx(queryset, *, places) -> tuple[bytes, int]:
    """``(xlsx bytes, row count)`` of ``queryset`` (repairs with customer, product,
    outlet and owner selected), one row per repair."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("维修单"))
    bold = Font(bold=True)
    header = [
        _("维修单号"), _("客户"), _("维修产品"), _("序列号"), _("服务网点"), _("维修技师"),
        _("状态"), _("接收日期"), _("修复日期"), _("交付日期"), _("故障描述"), _("收费"),
        _("工时（小时）"), _("工时费"), _("配件费"), _("上门费金额"), _("折扣金额"),
        _("维修价值"), _("应收费用"), _("币种"),
    ]  # fmt: skip
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for repair in queryset.iterator(chunk_size=2000):
        count += 1
        sheet.append(
            [
                safe_cell(repair.code),
                _text(repair.customer.name),
                _text(repair.product.name if repair.product_id else ""),
                _text(repair.serial_number),
                _text(repair.outlet.name if repair.outlet_id else ""),
                _text(repair.owner.name if repair.owner_id else ""),
                repair.get_status_display(),
                repair.received_on,
                repair.done_on,
                repair.returned_on,
                _text(repair.fault_description),
                _("是") if repair.chargeable else _("否"),
                float(repair.labour_hours),
                _number(repair.labour_amount, places),
                _number(repair.parts_amount, places),
                _number(repair.call_out_amount, places),
                _number(repair.discount_amount, places),
                _number(repair.value, places),
                _number(repair.total, places),
                repair.currency,
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue(), count
