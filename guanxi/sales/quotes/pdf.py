"""The printable quote (PDF), in Chinese or English, with the org's letterhead.

ReportLab with its built-in CJK CID font ``STSong-Light``: no font file to ship, and
the PDF viewer supplies the glyphs. Every label goes through gettext under the
requested language, so the English PDF reads in English around the (user-written)
product descriptions and names.
"""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guanxi.core.tenancy import all_orgs
from guanxi.orgs.models import OrgSettings
from guanxi.sales.lines import plain

FONT = "STSong-Light"
LETTERHEAD_FIELDS = (
    "letterhead_address",
    "letterhead_phone",
    "letterhead_email",
    "letterhead_website",
)


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles():
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
        "org": ParagraphStyle("org", parent=base, fontSize=16, leading=20, alignment=TA_CENTER),
        "head": ParagraphStyle(
            "head",
            parent=base,
            fontSize=8,
            leading=11,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#555555"),
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=14, leading=20, alignment=TA_CENTER, spaceBefore=6
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "section": ParagraphStyle("section", parent=base, fontSize=10, leading=14, spaceBefore=8),
    }


def _p(text, style):
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def money(value, places):
    """``1234.5`` → ``1,234.50`` (half up; the value is already rounded)."""
    quantum = Decimal(1).scaleb(-int(places))
    return f"{Decimal(value).quantize(quantum):,.{int(places)}f}"


class _NumberedCanvas(pdf_canvas.Canvas):
    """Writes "page x of y" on every page once the page count is known."""

    page_label = "%(page)s / %(pages)s"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        count = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#666666"))
            self.drawCentredString(
                A4[0] / 2, 10 * mm, self.page_label % {"page": self._pageNumber, "pages": count}
            )
            super().showPage()
        super().save()


def letterhead(org_id):
    """The org's name and letterhead lines (address, phone, e-mail, website); fields
    the org has not filled are left out."""
    with all_orgs():
        settings = OrgSettings.objects.filter(org_id=org_id).select_related("org").first()
        from guanxi.orgs.models import Organization

        name = Organization.objects.filter(pk=org_id).values_list("name", flat=True).first()
    values = {field: getattr(settings, field, "") or "" for field in LETTERHEAD_FIELDS}
    return name or "", values


def quote_pdf_filename(quote, language):
    with translation.override(language):
        return f"{pgettext('document title', '报价单')}-{quote.code}-V{quote.revision}.pdf"


def quote_pdf(quote, *, language=None):
    """The quote as PDF bytes. ``quote`` should come with its lines (and their products),
    customer, contact and owner loaded (``selectors.with_lines``)."""
    language = language or quote.language
    with translation.override(language):
        return _render(quote)


def _render(quote):
    styles = _styles()
    places = quote.decimals
    org_name, head = letterhead(quote.org_id)
    story = [_p(org_name, styles["org"])]
    contact_bits = [
        head["letterhead_address"],
        " · ".join(
            bit
            for bit in (
                _("电话：%(value)s") % {"value": head["letterhead_phone"]}
                if head["letterhead_phone"]
                else "",
                _("邮箱：%(value)s") % {"value": head["letterhead_email"]}
                if head["letterhead_email"]
                else "",
                head["letterhead_website"],
            )
            if bit
        ),
    ]
    for bit in contact_bits:
        if bit:
            story.append(_p(bit, styles["head"]))
    story.append(_p(pgettext("document title", "报价单"), styles["title"]))
    story.append(Spacer(1, 4 * mm))

    owner = quote.owner
    info = [
        (_("报价单号"), quote.label, _("报价日期"), quote.quote_date.isoformat()),
        (
            _("客户"),
            quote.customer.name,
            _("有效期至"),
            quote.valid_until.isoformat() if quote.valid_until else _("未注明"),
        ),
        (
            _("联系人"),
            quote.contact.name if quote.contact_id else "",
            _("币种"),
            quote.currency,
        ),
        (_("主题"), quote.title, _("销售代表"), owner.name if owner else ""),
    ]
    info_table = Table(
        [[_p(a, styles["small"]), _p(b, styles["base"]), _p(c, styles["small"]),
          _p(d, styles["base"])] for a, b, c, d in info],
        colWidths=[22 * mm, 68 * mm, 22 * mm, 68 * mm],
    )  # fmt: skip
    info_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#555555")),
                ("TEXTCOLOR", (2, 0), (2, -1), colors.HexColor("#555555")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story += [info_table, Spacer(1, 5 * mm)]

    header = [
        "#", _("产品"), _("数量"), _("单价"), _("折扣（%）"), _("金额"), _("税率（%）"),
        _("税额"), _("价税合计"),
    ]  # fmt: skip
    rows = [[_p(text, styles["small"]) for text in header]]
    for line in quote.lines.all():
        product = line.description
        if line.product.code:
            product = f"{product}\n{line.product.code}"
        rows.append(
            [
                _p(line.position, styles["small"]),
                _p(product, styles["small"]),
                _p(plain(line.quantity), styles["right"]),
                _p(plain(line.unit_price), styles["right"]),
                _p(plain(line.discount), styles["right"]),
                _p(money(line.amount, places), styles["right"]),
                _p(plain(line.tax_rate), styles["right"]),
                _p(money(line.tax, places), styles["right"]),
                _p(money(line.total, places), styles["right"]),
            ]
        )
    lines_table = Table(
        rows,
        colWidths=[8 * mm, 46 * mm, 16 * mm, 20 * mm, 14 * mm, 22 * mm, 14 * mm, 18 * mm, 24 * mm],
        repeatRows=1,
    )
    lines_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(lines_table)

    totals = [
        (_("折前金额"), quote.subtotal),
        (_("折扣金额"), quote.discount_amount),
        (_("不含税金额"), quote.amount),
        (_("税额"), quote.tax),
        (_("价税合计（%(currency)s）") % {"currency": quote.currency}, quote.total),
    ]
    totals_table = Table(
        [[_p(label, styles["right"]), _p(money(value, places), styles["right"])]
         for label, value in totals],
        colWidths=[150 * mm, 32 * mm],
    )  # fmt: skip
    totals_table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
            ]
        )
    )
    story += [Spacer(1, 2 * mm), totals_table]

    if quote.valid_until:
        story.append(
            _p(
                _("本报价有效期至 %(date)s。") % {"date": quote.valid_until.isoformat()},
                styles["section"],
            )
        )
    if quote.terms:
        story += [_p(_("条款"), styles["section"]), _p(quote.terms, styles["base"])]
    if quote.notes:
        story += [_p(_("备注"), styles["section"]), _p(quote.notes, styles["base"])]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=18 * mm,
        title=f"{pgettext('document title', '报价单')} {quote.label}",
        author=org_name,
    )
    page_label = _("第 %(page)s 页 / 共 %(pages)s 页")

    class Numbered(_NumberedCanvas):
        pass

    Numbered.page_label = page_label
    document.build(story, canvasmaker=Numbered)
    return buffer.getvalue()
