"""Background jobs of the customer module: the CSV or Excel export of customers."""

import csv
import datetime
import decimal
import io
import json
import tempfile
import time
from contextlib import contextmanager
from itertools import islice

import openpyxl
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from guanxi.audit import services as audit
from guanxi.core.spreadsheet import FORMULA_START, safe_cell
from guanxi.customers import selectors
from guanxi.customers.filters import CustomerFilter
from guanxi.customers.models import Customer
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.jobs import registry
from guanxi.orgs import custom_fields, policy
from guanxi.orgs.models import DictionaryEntry

EXPORT_KIND = "customers.export_customers"
EXPORT_ENTITY = "customers.customer"
CHUNK_SIZE = 2000  # rows fetched at a time
BATCH_SIZE = 10_000  # rows written at a time
# progress is saved at most this often: each save is a commit, and on PostgreSQL a commit
# waits for the WAL to reach the disk (a million rows saved every 500 spent longer
# committing progress than reading the rows)
PROGRESS_SECONDS = 1.0
FILTER_KEYS = tuple(CustomerFilter.base_filters)
EXPORT_COLUMNS = (
    "code", "name", "mnemonic", "phone", "email", "address", "postcode", "region", "industry",
    "level", "type", "status", "credit_rating", "credit_limit", "source", "owner__name",
    "department__name", "lifecycle_stage", "registered_on", "notes", "tags_text",
)  # fmt: skip  # (the custom fields' JSON follows when the org has any); the annotations
# last, as the query selects them: the rows need no reordering


# ``file_format=xlsx`` asks for Excel instead of CSV (``format`` is the API's own)
FORMAT_KEY = "file_format"
FORMATS = ("csv", "xlsx")


def filter_params(data):
    """The filter values of ``data`` worth keeping for the job (custom ``cf_*`` too),
    and the file format when one of ``FORMATS`` is asked for."""
    params = {
        key: str(data[key])
        for key in data
        if (key in FILTER_KEYS or key.startswith(custom_fields.FORM_PREFIX))
        and data.get(key) not in (None, "")
    }
    if data.get(FORMAT_KEY) in FORMATS:
        params[FORMAT_KEY] = data[FORMAT_KEY]
    return params


def _xlsx_value(value):
    """Numbers and dates stay typed; text is formula-safe and without the control
    characters a workbook cannot hold."""
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime.date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))


@contextmanager
def xlsx_attachment(reporter, name):
    """Like ``csv_attachment`` for an .xlsx: a write-only workbook streams its rows
    to a temporary file, so memory stays constant however many rows are written."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()

    def write(row):
        sheet.append([_xlsx_value(value) for value in row])

    yield write
    with tempfile.TemporaryFile() as raw:
        book.save(raw)
        reporter.attach(name, raw)


def _summary(result):
    return ngettext("已导出 %(n)d 个客户。", "已导出 %(n)d 个客户。", result["rows"]) % {
        "n": result["rows"]
    }


def _header(definitions):
    return [
        _("客户编号"), _("客户名称"), _("助记码"), _("电话"), _("电子邮件"), _("办公地址"),
        _("邮编"), _("省市区"), _("行业"), _("客户级别"), _("客户类型"), _("客户状态"),
        _("信用等级"), _("信用额度"), _("客户来源"), _("负责人"), _("负责部门"),
        _("生命周期阶段"), _("标签"), _("登记日期"), _("备注"),
        *[d.display_label for d in definitions],
    ]  # fmt: skip


_FORMULA_START = frozenset(FORMULA_START)  # one character each


class _Labels(dict):
    """Code → spreadsheet-safe label; a code without a label stands for itself (made
    safe once, then remembered)."""

    def __missing__(self, code):
        label = self[code] = _text(code)
        return label


def _text(value):
    """``safe_cell`` for a text column, without its work for the usual harmless text."""
    if not value:
        return ""
    if value.__class__ is str and value[0] not in _FORMULA_START:
        return value
    return safe_cell(value)


def _labels(pairs):
    return _Labels({code: _text(str(label)) for code, label in pairs})


@contextmanager
def csv_rows_attachment(reporter, name):
    """Like ``csv_attachment``, for rows whose cells are already spreadsheet-safe:
    yields ``write(rows)``, which writes a batch of rows at once."""
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        yield csv.writer(text).writerows
        text.flush()
        reporter.attach(name, raw)
        text.detach()


@contextmanager
def xlsx_rows_attachment(reporter, name):
    with xlsx_attachment(reporter, name) as write:

        def write_rows(rows):
            for row in rows:
                write(row)

        yield write_rows


def _json(value, empty):
    """A JSON column read as text (no per-row decoding by the ORM): decoded only when
    it holds something."""
    if value is None or value == empty:
        return None
    return json.loads(value)


@registry.register(
    EXPORT_KIND, label=gettext_lazy("导出客户"), permission="customers.export", summary=_summary
)
def export_customers(job, reporter):
    """Stream the customers matching the job's filters, within the employee's data
    scope, to a CSV (an .xlsx with ``file_format=xlsx``). Phones are masked without
    ``special.view_full_phone``; dictionary codes are written as their labels; the
    export is audited.

    A million rows pass through here, so the loop does as little per row as it can:
    plain tuples with the JSON columns as text, labels looked up in dictionaries of
    ready-made (already formula-safe) strings, only text cells checked for a formula
    start, rows written a batch at a time, progress saved once a second.
    """
    actor = job.created_by
    policy.require(actor, "customers.export")  # may have changed while the job waited
    filters = filter_params(job.params or {})
    file_format = filters.pop(FORMAT_KEY, "csv")
    customers = CustomerFilter(
        filters, queryset=selectors.customer_queryset(employee=actor).order_by("id")
    ).qs
    definitions = custom_fields.definitions("customer")
    labels = {
        (entry.kind, entry.code): entry.display_label
        for entry in DictionaryEntry.objects.filter(kind__in=DICTIONARY_FIELDS.values())
    }
    industry, level, kind, status, rating, source = (
        _labels((code, label) for (k, code), label in labels.items() if k == DICTIONARY_FIELDS[f])
        for f in ("industry", "level", "type", "status", "credit_rating", "source")
    )
    stages = {code: _text(str(label)) for code, label in Customer.Lifecycle.choices}
    reporter.total(customers.count())
    rows = 0
    name = f"customers-{timezone.localtime():%Y%m%d-%H%M%S}.{file_format}"
    attachment = xlsx_rows_attachment if file_format == "xlsx" else csv_rows_attachment
    if policy.can(actor, "special.view_full_phone"):
        phone_text = _text
    else:

        def phone_text(value):
            return _text(policy.mask_phone(actor, value))

    def display(custom):
        values = _json(custom, "{}") or {}
        return [_text(custom_fields.display(d, values.get(d.code))) for d in definitions]

    def cells(row, custom=None):
        (
            code, cname, mnemonic, phone, email, address, postcode, region, c_industry,
            c_level, c_type, c_status, c_rating, credit_limit, c_source, owner, department,
            stage, registered_on, notes, tags,
        ) = row if custom is None else row[:-1]  # fmt: skip
        tags = _json(tags, "[]")
        return [
            _text(code), _text(cname), _text(mnemonic), phone_text(phone), _text(email),
            _text(address), _text(postcode), _text(region), industry[c_industry],
            level[c_level], kind[c_type], status[c_status], rating[c_rating], credit_limit,
            source[c_source], _text(owner), _text(department), stages.get(stage, ""),
            _text("、".join(tags)) if tags else "", registered_on, _text(notes),
        ]  # fmt: skip

    def cells_with_custom(row):
        return [*cells(row, custom=True), *display(row[-1])]

    # plain tuples, not model instances; the JSON columns as their text
    columns = customers.annotate(
        tags_text=Cast("tags", TextField()), custom_text=Cast("custom", TextField())
    ).values_list(*EXPORT_COLUMNS, *(("custom_text",) if definitions else ()))
    found = columns.iterator(chunk_size=CHUNK_SIZE)
    with attachment(reporter, name) as write:
        write([[_text(str(label)) for label in _header(definitions)]])
        reported, reported_at = 0, time.monotonic()
        while batch := list(islice(found, BATCH_SIZE)):
            write(map(cells_with_custom if definitions else cells, batch))
            rows += len(batch)
            if time.monotonic() - reported_at >= PROGRESS_SECONDS:
                reporter.advance(rows - reported)
                reported, reported_at = rows, time.monotonic()
        reporter.advance(rows - reported)
    audit.record_export(
        actor=actor, entity=EXPORT_ENTITY, row_count=rows, file_format=file_format, filters=filters
    )
    return {"rows": rows, "file_name": name}
