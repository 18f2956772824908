"""Background jobs of the customer module: the CSV or Excel export of customers."""

import datetime
import decimal
import tempfile
from contextlib import contextmanager

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from guanxi.audit import services as audit
from guanxi.core.spreadsheet import csv_attachment, safe_cell
from guanxi.customers import selectors
from guanxi.customers.filters import CustomerFilter
from guanxi.customers.models import Customer
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.jobs import registry
from guanxi.orgs import custom_fields, policy
from guanxi.orgs.models import DictionaryEntry

EXPORT_KIND = "customers.export_customers"
EXPORT_ENTITY = "customers.customer"
CHUNK_SIZE = 2000
FILTER_KEYS = tuple(CustomerFilter.base_filters)
EXPORT_COLUMNS = (
    "code", "name", "mnemonic", "phone", "email", "address", "postcode", "region", "industry",
    "level", "type", "status", "credit_rating", "credit_limit", "source", "owner__name",
    "department__name", "lifecycle_stage", "tags", "registered_on", "notes", "custom",
)  # fmt: skip  # every list condition, custom ones aside


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


@registry.register(
    EXPORT_KIND, label=gettext_lazy("导出客户"), permission="customers.export", summary=_summary
)
def export_customers(job, reporter):
    """Stream the customers matching the job's filters, within the employee's data
    scope, to a CSV (an .xlsx with ``file_format=xlsx``). Phones are masked without
    ``special.view_full_phone``; dictionary codes are written as their labels; the
    export is audited."""
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
    stages = dict(Customer.Lifecycle.choices)
    reporter.total(customers.count())
    rows = 0
    name = f"customers-{timezone.localtime():%Y%m%d-%H%M%S}.{file_format}"
    attachment = xlsx_attachment if file_format == "xlsx" else csv_attachment
    full_phones = policy.can(actor, "special.view_full_phone")
    mask = (lambda value: value) if full_phones else (lambda value: policy.mask_phone(actor, value))
    picklists = {
        field: {code: label for (k, code), label in labels.items() if k == kind}
        for field, kind in DICTIONARY_FIELDS.items()
    }
    industry, level, kind, status, rating, source = (
        picklists[f] for f in ("industry", "level", "type", "status", "credit_rating", "source")
    )
    # plain tuples, not model instances: the export reads a million rows
    columns = customers.values_list(*EXPORT_COLUMNS)
    with attachment(reporter, name) as write:
        write(_header(definitions))
        for (
            code,
            cname,
            mnemonic,
            phone,
            email,
            address,
            postcode,
            region,
            c_industry,
            c_level,
            c_type,
            c_status,
            c_rating,
            credit_limit,
            c_source,
            owner,
            department,
            stage,
            tags,
            registered_on,
            notes,
            custom,
        ) in columns.iterator(chunk_size=CHUNK_SIZE):
            write([
                code, cname, mnemonic, mask(phone), email, address, postcode, region,
                industry.get(c_industry, c_industry), level.get(c_level, c_level),
                kind.get(c_type, c_type), status.get(c_status, c_status),
                rating.get(c_rating, c_rating), credit_limit, source.get(c_source, c_source),
                owner or "", department or "", stages.get(stage, ""), "、".join(tags or []),
                registered_on, notes,
                *[custom_fields.display(d, (custom or {}).get(d.code)) for d in definitions],
            ])  # fmt: skip
            rows += 1
            reporter.advance()
    audit.record_export(
        actor=actor, entity=EXPORT_ENTITY, row_count=rows, file_format=file_format, filters=filters
    )
    return {"rows": rows, "file_name": name}
