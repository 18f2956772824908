"""Import and export of installed products.

Import: an Excel (.xlsx) or CSV file (UTF-8 or GBK), first row the header, one item
per row. It runs as a background job (``installed_products.import``) so a big file
does not hold the page; each row is written in its own savepoint through
``services.installed_create`` (the same checks as the form: a visible customer, a
known product, a free serial number), good rows are kept, and every refused row is
listed with its row number and reason in the job's error report (CSV).

Export: the filtered list as an Excel workbook (``installed_products.export``).
"""

import csv
import datetime
import io
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError
from guanxi.core.spreadsheet import csv_attachment, safe_cell
from guanxi.customers import selectors as customer_selectors
from guanxi.jobs import registry
from guanxi.service.installed import services
from guanxi.service.installed.selectors import Warranty, warranty_state

IMPORT_KIND = "installed_products.import"
PERMISSION = "installed_products.import"
MAX_ROWS = 20000
MAX_BYTES = 10 * 1024 * 1024
UPLOAD_DIR = "installed-imports"

# column key -> header words it is recognised by (normalised: lower case, no spaces)
COLUMNS = {
    "customer": ("客户", "客户名称", "客户编号", "customer"),
    "product": ("产品", "产品编号", "产品名称", "product"),
    "serial_number": ("序列号", "sn", "serial", "serialnumber"),
    "install_date": ("安装日期", "installdate", "installed"),
    "warranty_months": ("保修月数", "保修期", "warrantymonths"),
    "warranty_end": ("保修截止日期", "保修截止", "warrantyend"),
    "region": ("省市区", "地区", "region"),
    "location": ("安装地点", "地点", "地址", "location"),
    "notes": ("备注", "notes"),
}
REQUIRED = ("customer", "product")


def _key(text):
    return "".join(str(text or "").split()).lower().replace("_", "")


def _header_map(header) -> dict[str, int]:
    names = {word: key for key, words in COLUMNS.items() for word in words}
    found: dict[str, int] = {}
    for position, title in enumerate(header):
        key = names.get(_key(title))
        if key and key not in found:
            found[key] = position
    missing = [key for key in REQUIRED if key not in found]
    if missing:
        raise ValidationError(
            _(
                "导入文件缺少必需的列：%(columns)s。第一行应为表头，例如：客户、产品、序列号、安装日期。"
            )
            % {"columns": "、".join(COLUMNS[key][0] for key in missing)},
            code="missing_columns",
        )
    return found


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
DATE_COLUMNS = ("install_date", "warranty_end")


def _date_text(value):
    """``2026/2/1``, ``2026.02.01`` or ``2026年2月1日`` as ``2026-02-01``; anything else as
    it is (the service then says the date is not valid)."""
    if not isinstance(value, str):
        return value
    match = _DATE.fullmatch(value.strip())
    if not match:
        return value
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value if isinstance(value, datetime.date) else str(value).strip()


def read_rows(content: bytes, name: str):
    """The header and the rows of an uploaded file (lists of cell values)."""
    if name.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(
                _("无法读取该 Excel 文件，请另存为 .xlsx 后重试。"), code="bad_file"
            ) from exc
        sheet = book.worksheets[0]
        rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    elif name.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise ValidationError(_("无法识别文件编码，请保存为 UTF-8。"), code="bad_file")
        rows = [[_cell(value) for value in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ValidationError(_("只支持 .xlsx 或 .csv 文件。"), code="bad_file")
    rows = [row for row in rows if any(value not in ("", None) for value in row)]
    if not rows:
        raise ValidationError(_("文件是空的。"), code="empty_file")
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError(
            _("一次最多导入 %(max)d 行，请拆分文件。") % {"max": MAX_ROWS}, code="too_many_rows"
        )
    return rows[0], rows[1:]


class _Lookup:
    """Customers and products by code or exact name, read once per import."""

    def __init__(self, actor):
        visible = customer_selectors.customer_queryset(employee=actor).select_related(None)
        self.customers: dict[str, int] = {}
        for pk, code, name in visible.values_list("pk", "code", "name").iterator(chunk_size=5000):
            self.customers.setdefault(name, pk)
            if code:
                self.customers[code] = pk
        self.products: dict[str, int] = {}
        for pk, code, name in Product.objects.values_list("pk", "code", "name"):
            self.products.setdefault(name, pk)
            self.products[code] = pk

    def customer(self, value):
        pk = self.customers.get(str(value).strip())
        if pk is None:
            raise ValidationError(
                {
                    "customer": [
                        _("找不到客户“%(value)s”（填写客户编号或全称）。") % {"value": value}
                    ]
                }
            )
        return pk

    def product(self, value):
        pk = self.products.get(str(value).strip())
        if pk is None:
            raise ValidationError(
                {"product": [_("找不到产品“%(value)s”（填写产品编号或名称）。") % {"value": value}]}
            )
        return pk


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(message) for message in exc.messages)
    if isinstance(exc, BusinessRuleError):
        return str(exc.message)
    return str(exc)


def import_rows(*, actor, header, rows, reporter=None) -> tuple[int, list[tuple[int, str]]]:
    """Write the rows; ``(created, [(row number, reason)])``. Row numbers count the
    header as row 1, as a spreadsheet shows them."""
    columns = _header_map(header)
    lookup = _Lookup(actor)
    created, problems = 0, []
    if reporter is not None:
        reporter.total(len(rows))
    for number, row in enumerate(rows, start=2):
        values = {key: (row[i] if i < len(row) else "") for key, i in columns.items()}
        try:
            if not values.get("customer") or not values.get("product"):
                raise ValidationError(_("客户和产品必填。"))
            data = {k: v for k, v in values.items() if k not in ("customer", "product")}
            for name in DATE_COLUMNS:
                if name in data:
                    data[name] = _date_text(data[name])
            if data.get("warranty_months") in (None, ""):
                data["warranty_months"] = services.DEFAULT_WARRANTY_MONTHS
            with transaction.atomic():
                services.installed_create(
                    actor=actor,
                    customer=lookup.customer(values["customer"]),
                    product=lookup.product(values["product"]),
                    **data,
                )
            created += 1
        except (ValidationError, BusinessRuleError, PermissionDenied, Http404) as exc:
            problems.append((number, _message(exc)))
        if reporter is not None:
            reporter.advance()
    return created, problems


def import_start(*, actor, upload):
    """Keep the uploaded file and queue its import; returns the job."""
    from guanxi.jobs.services import job_start

    if upload.size > MAX_BYTES:
        raise ValidationError(_("文件不能超过 10 MB。"), code="too_big")
    name = upload.name or "import.csv"
    if not name.lower().endswith((".xlsx", ".csv")):
        raise ValidationError(_("只支持 .xlsx 或 .csv 文件。"), code="bad_file")
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    stored = default_storage.save(
        f"{UPLOAD_DIR}/{actor.org_id}/upload{suffix}", ContentFile(upload.read())
    )
    return job_start(actor=actor, kind=IMPORT_KIND, params={"file": stored, "name": name})


def _summary(result):
    return _("已导入 %(created)d 条，%(errors)d 行有误未导入。") % result


@registry.register(
    IMPORT_KIND, label=gettext_lazy("导入安装档案"), permission=PERMISSION, summary=_summary
)
def run_import(job, reporter):
    stored = job.params["file"]
    try:
        with default_storage.open(stored, "rb") as handle:
            content = handle.read()
    finally:
        default_storage.delete(stored)
    header, rows = read_rows(content, job.params.get("name", stored))
    created, problems = import_rows(
        actor=job.created_by, header=header, rows=rows, reporter=reporter
    )
    if problems:
        with csv_attachment(reporter, _("安装档案导入错误.csv")) as write:
            write([_("行号"), _("原因")])
            for number, reason in problems:
                write([number, reason])
    return {"created": created, "errors": len(problems)}


def installed_xlsx(queryset) -> tuple[bytes, int]:
    """``(xlsx bytes, row count)`` of ``queryset`` (with customer, product and contact
    selected), one row per record, in the import's column layout."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("安装档案"))
    bold = Font(bold=True)
    header = [
        _("档案编号"), _("客户"), _("产品"), _("序列号"), _("状态"), _("安装日期"),
        _("保修截止日期"), _("保修状态"), _("省市区"), _("安装地点"), _("联系人"), _("备注"),
    ]  # fmt: skip
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for item in queryset.iterator(chunk_size=2000):
        count += 1
        sheet.append(
            [
                safe_cell(item.code),
                safe_cell(item.customer.name),
                safe_cell(item.product.code),
                safe_cell(item.serial_number),
                str(item.get_status_display()),
                item.install_date,
                item.warranty_end,
                str(Warranty.LABELS[warranty_state(item.warranty_end)]),
                safe_cell(item.region),
                safe_cell(item.location),
                safe_cell(item.contact.name) if item.contact_id else "",
                safe_cell(item.notes),
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue(), count
