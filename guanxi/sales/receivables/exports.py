"""The statement of account (对账单) as an Excel workbook (openpyxl) and a PDF (ReportLab
with the built-in CJK font ``STSong-Light``, no font file). Text cells that a spreadsheet
would run as a formula (starting with = + - @) are written with a leading quote, as the
customer export does."""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guanxi.core.spreadsheet import safe_cell

FONT = "STSong-Light"


def filename(statement, extension):
    return "{}-{}-{}_{}.{}".format(
        _("对账单"),
        statement.customer.name,
        statement.start.isoformat(),
        statement.end.isoformat(),
        extension,
    ).replace("/", "_")


def _kind(line):
    return _("应收") if line.kind == "receivable" else _("回款")


def _number(value, places):
    return float(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def statement_xlsx(statement, *, places):
    """The statement as .xlsx bytes: header facts, one row per line, the balances."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("对账单")
    bold = Font(bold=True)
    sheet.append([safe_cell(_("客户对账单"))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("客户"), safe_cell(statement.customer.name)])
    sheet.append([_("期间"), f"{statement.start.isoformat()} ~ {statement.end.isoformat()}"])
    sheet.append([_("币种"), statement.currency])
    sheet.append([])
    header = [_("日期"), _("类型"), _("单号"), _("摘要"), _("应收"), _("回款"), _("余额")]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.append(["", "", "", _("期初余额"), None, None, _number(statement.opening, places)])
    for line in statement.lines:
        sheet.append(
            [
                line.day,
                _kind(line),
                safe_cell(line.code),
                safe_cell(line.title),
                _number(line.debit, places) if line.debit else None,
                _number(line.credit, places) if line.credit else None,
                _number(line.balance, places),
            ]
        )
    sheet.append(
        [
            "",
            "",
            "",
            _("本期合计 / 期末余额"),
            _number(statement.debits, places),
            _number(statement.credits, places),
            _number(statement.closing, places),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    number_format = "#,##0" + ("." + "0" * places if places else "")
    for row in sheet.iter_rows(min_row=7, min_col=5, max_col=7):
        for cell in row:
            cell.number_format = number_format
    for row in sheet.iter_rows(min_row=7, max_col=1):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFG", (12, 8, 20, 36, 16, 16, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _money(value, places):
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places)):,}"


def statement_pdf(statement, *, places, org_name=""):
    """The statement as PDF bytes (A4, Chinese font)."""
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=15, leading=20, alignment=TA_CENTER)

    def p(text, style=base):
        return Paragraph(escape(str(text or "")), style)

    story = [
        p(org_name, ParagraphStyle("org", parent=base, fontSize=11, alignment=TA_CENTER)),
        p(_("客户对账单"), title),
        Spacer(1, 4 * mm),
        p(_("客户：%(name)s") % {"name": statement.customer.name}),
        p(
            _("期间：%(start)s 至 %(end)s（币种 %(currency)s）")
            % {
                "start": statement.start.isoformat(),
                "end": statement.end.isoformat(),
                "currency": statement.currency,
            }
        ),
        Spacer(1, 3 * mm),
    ]
    rows = [[_("日期"), _("类型"), _("单号"), _("摘要"), _("应收"), _("回款"), _("余额")]]
    rows.append(["", "", "", _("期初余额"), "", "", _money(statement.opening, places)])
    for line in statement.lines:
        rows.append(
            [
                line.day.isoformat(),
                _kind(line),
                line.code,
                p(line.title),
                _money(line.debit, places) if line.debit else "",
                _money(line.credit, places) if line.credit else "",
                _money(line.balance, places),
            ]
        )
    rows.append(
        [
            "",
            "",
            "",
            _("本期合计 / 期末余额"),
            _money(statement.debits, places),
            _money(statement.credits, places),
            _money(statement.closing, places),
        ]
    )
    table = Table(
        rows,
        colWidths=[22 * mm, 12 * mm, 30 * mm, 48 * mm, 24 * mm, 24 * mm, 24 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("ALIGN", (4, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 6 * mm),
        p(
            _(
                "期末余额为正表示客户尚欠款项，为负表示客户有预付余款。如有不符，请于收到后十日内告知。"
            )
        ),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=str(_("客户对账单")),
    ).build(story)
    return out.getvalue()
