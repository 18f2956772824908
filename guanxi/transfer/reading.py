"""Reading uploaded spreadsheets: CSV (UTF-8 with or without BOM, GB18030/GBK) and .xlsx.

The type is told by the content, not the file name: an .xlsx is a zip holding
``[Content_Types].xml``; anything else must decode as text. Cells come back as
text exactly as stored: an .xlsx formula is its formula text, never evaluated.
"""

import codecs
import csv
import datetime
import decimal
import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
CHUNK = 1024 * 1024
ENCODINGS = ("utf-8-sig", "gb18030")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def _error(message, code):
    return ValidationError({"file": [ValidationError(message, code=code)]})


def check_size(size):
    if not size:
        raise _error(_("文件是空的。"), "empty")
    if size > MAX_BYTES:
        raise _error(
            _("文件太大（最多 %(mb)d MB）。请拆分后分批导入。")
            % {"mb": MAX_BYTES // (1024 * 1024)},
            "too_big",
        )


def sniff(handle):
    """``"xlsx"`` or ``"csv"`` for an open binary file, or a clear ValidationError."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(OLE_MAGIC):
        raise _error(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。"), "xls")
    if head.startswith(XLSX_MAGIC):
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _error(_("文件已损坏，无法读取。"), "broken") from exc
        finally:
            handle.seek(0)
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _error(_("文件不是 CSV 或 Excel（.xlsx）表格。"), "not_spreadsheet")
        return "xlsx"
    return "csv"


def detect_encoding(handle):
    """The first of ``ENCODINGS`` the whole file decodes in; binary content is refused."""
    for encoding in ENCODINGS:
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := handle.read(CHUNK):
                text = decoder.decode(chunk)
                if "\x00" in text:
                    raise _error(_("文件不是 CSV 或 Excel（.xlsx）表格。"), "not_spreadsheet")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            handle.seek(0)
        return encoding
    raise _error(
        _("无法识别文件的编码。请保存为 UTF-8 或 GBK 编码的 CSV，或 Excel（.xlsx）后再导入。"),
        "encoding",
    )


def detect_delimiter(handle, encoding):
    handle.seek(0)
    sample = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        head = sample.read(64 * 1024)
    finally:
        sample.detach()
        handle.seek(0)
    first = head.splitlines()[0] if head else ""
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def cell_text(value):
    """One cell as text: numbers without a spurious ".0", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(decimal.Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(handle, encoding, delimiter):
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        reader = csv.reader(text, delimiter=delimiter or ",")
        try:
            for row in reader:
                yield [cell.strip() for cell in row]
        except csv.Error as exc:
            raise _error(
                _("第 %(line)d 行格式有误，无法读取：%(error)s")
                % {"line": reader.line_num, "error": exc},
                "broken",
            ) from exc
    finally:
        text.detach()


def _xlsx_rows(handle):
    import openpyxl

    handle.seek(0)
    try:
        # read_only streams the sheet; formulas stay formula text (data_only=False)
        book = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise _error(_("文件已损坏，无法读取。"), "broken") from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for row in sheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in row]
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise _error(_("文件已损坏，无法读取。"), "broken") from exc
    finally:
        book.close()


def iter_rows(handle, *, file_type, encoding="", delimiter=","):
    """Every non-empty row of the file as a list of text cells, numbered from 1
    (the header is row 1). Raises ValidationError past ``MAX_ROWS`` data rows."""
    rows = _xlsx_rows(handle) if file_type == "xlsx" else _csv_rows(handle, encoding, delimiter)
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS + 1:
            raise _error(
                _("文件超过 %(n)d 行，请拆分后分批导入。") % {"n": MAX_ROWS}, "too_many_rows"
            )
        if any(row):
            yield number, row


def inspect(handle, size):
    """Check an upload before it is stored; returns ``{file_type, encoding,
    delimiter, header, preview}`` (preview: up to 5 data rows)."""
    check_size(size)
    file_type = sniff(handle)
    encoding = delimiter = ""
    if file_type == "csv":
        encoding = detect_encoding(handle)
        delimiter = detect_delimiter(handle, encoding)
    header, preview = None, []
    rows = iter_rows(handle, file_type=file_type, encoding=encoding, delimiter=delimiter)
    try:
        for _number, row in rows:
            if header is None:
                header = row
                continue
            preview.append(row)
            if len(preview) >= 5:
                break
    finally:
        rows.close()
        handle.seek(0)
    if header is None:
        raise _error(_("文件中没有内容。"), "empty")
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise _error(_("列数太多（最多 %(n)d 列）。") % {"n": MAX_COLUMNS}, "too_many_columns")
    if not preview:
        raise _error(_("文件只有表头，没有数据行。"), "no_rows")
    return {
        "file_type": file_type,
        "encoding": encoding,
        "delimiter": delimiter,
        "header": header,
        "preview": preview,
    }
