"""The printable quote: read back with pypdf — Chinese text, the letterhead, the lines,
the totals, the validity, the terms and page numbers; English on request."""

import datetime
import io
from decimal import Decimal

from pypdf import PdfReader

from guanxi.core.tenancy import org_scope
from guanxi.sales.quotes import pdf, selectors
from guanxi.sales.quotes.tests.helpers import contact, customer, line, product, quote, settings


def _text(data):
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _made(world, rows=None):
    settings(
        world,
        letterhead_address="上海市浦东新区世纪大道 100 号",
        letterhead_phone="021-12345678",
        letterhead_email="sales@alpha.example.com",
    )
    client = customer(world, name="华光科技有限公司")
    person = contact(world, client, name="李主任", email="li@example.com")
    item = product(world, name="激光打印机", price="1999", tax_rate="13")
    made = quote(
        world,
        client=client,
        contact=person,
        title="办公设备报价",
        valid_until=datetime.date(2027, 1, 31),
        terms="付款方式：货到 30 天内付清。",
        lines=rows or [line(item, quantity="3", discount="10")],
    )
    with org_scope(world.org):
        return selectors.with_lines(selectors.quote_queryset(employee=world.admin)).get(pk=made.pk)


def test_chinese_pdf_has_letterhead_lines_totals_and_validity(world):
    made = _made(world)
    with org_scope(world.org):
        _reader, text = _text(pdf.quote_pdf(made, language="zh-hans"))
    compact = text.replace(" ", "")
    assert "阿尔法公司" in compact
    assert "上海市浦东新区世纪大道100号" in compact
    assert "021-12345678" in compact
    assert "报价单" in compact
    assert made.code in compact
    assert "华光科技有限公司" in compact
    assert "李主任" in compact
    assert "激光打印机" in compact
    assert "价税合计" in compact
    # 3 × 1999 less 10% = 5,397.30; tax 701.65; total 6,098.95
    assert "5,397.30" in compact
    assert "701.65" in compact
    assert "6,098.95" in compact
    assert "2027-01-31" in compact
    assert "货到30天内付清" in compact
    assert "第1页/共1页" in compact


def test_english_pdf_on_request(world):
    made = _made(world)
    with org_scope(world.org):
        _reader, text = _text(pdf.quote_pdf(made, language="en"))
    assert "Quotation" in text
    assert "Total incl. tax" in text
    assert "Page 1 of 1" in text
    assert "6,098.95" in text.replace(" ", "")


def test_long_quote_spans_pages_with_numbers(world):
    item = product(world, name="螺丝", price="0.125", tax_rate="13")
    made = _made(world, rows=[line(item, quantity="1000", price="0.125")] * 80)
    with org_scope(world.org):
        reader, text = _text(pdf.quote_pdf(made, language="zh-hans"))
    pages = len(reader.pages)
    assert pages > 1
    assert f"第{pages}页/共{pages}页" in text.replace(" ", "")
    assert made.total == Decimal("11300.00")  # 80 × (125.00 + 16.25)
    assert "11,300.00" in text.replace(" ", "")


def test_letterhead_without_fields(world):
    name, fields = pdf.letterhead(world.org.pk)
    assert name == "阿尔法公司"
    assert set(fields) == set(pdf.LETTERHEAD_FIELDS)
