"""Background jobs of the customer module: the CSV or Excel exports of customers and of
contacts."""

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
from django.core.exceptions import ValidationError
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from guanxi.audit import services as audit
from guanxi.core.spreadsheet import FORMULA_START, safe_cell
from guanxi.customers import selectors
from guanxi.customers.filters import ContactFilter, CustomerFilter
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.jobs import registry
from guanxi.jobs import services as job_services
from guanxi.orgs import custom_fields, policy
from guanxi.orgs.models import DictionaryEntry, Employee

EXPORT_KIND = "customers.export_customers"
EXPORT_ENTITY = "customers.customer"
CHUNK_SIZE = 2000  # rows fetched at a time
BATCH_SIZE = 10_000  # rows written at a time
# progress is saved at most this often: each save is a commit, and on PostgreSQL a commit
# waits for the WAL to reach the disk (a million rows saved every 500 spent longer
# committing progress than reading the rows)
PROGRESS_SECONDS = 1.0
FILTER_KEYS = tuple(CustomerFilter.base_filters)
CONTACT_EXPORT_KIND = "customers.export_contacts"
CONTACT_EXPORT_ENTITY = "customers.contact"
CONTACT_FILTER_KEYS = tuple(ContactFilter.base_filters)
EXPORT_COLUMNS = (
    "code", "name", "mnemonic", "phone", "email", "address", "postcode", "region", "industry",
    "level", "type", "status", "credit_rating", "credit_limit", "source", "owner__name",
    "department__name", "lifecycle_stage", "registered_on", "notes", "finance_phone", "website",
    "parent__name", "parent__code", "is_person", "value_tier", "tags_text",
)  # fmt: skip  # (the custom fields' JSON follows when the org has any); the annotations
# last, as the query selects them: the rows need no reordering


# ``file_format=xlsx`` asks for Excel instead of CSV (``format`` is the API's own)
FORMAT_KEY = "file_format"
FORMATS = ("csv", "xlsx")


def filter_params(data, keys=FILTER_KEYS):
    """The filter values of ``data`` worth keeping for the job (custom ``cf_*`` too),
    and the file format when one of ``FORMATS`` is asked for; ``keys``: the list's
    filter (the customer list's unless told)."""
    params = {
        key: str(data[key])
        for key in data
        if (key in keys or key.startswith(custom_fields.FORM_PREFIX))
        and data.get(key) not in (None, "")
    }
    if data.get(FORMAT_KEY) in FORMATS:
        params[FORMAT_KEY] = data[FORMAT_KEY]
    return params


def check_filters(filterset_class, params):
    """Refuse conditions the list cannot apply (a malformed date or number, a value not
    among the choices, an unknown dictionary code, a custom field value of the wrong
    kind) with a ``ValidationError`` naming each one: left out, they would widen the
    export to rows nobody asked for. At most one query (the dictionary codes)."""
    model = filterset_class._meta.model
    filterset = filterset_class(params, queryset=model.objects.none())
    if filterset.is_valid():
        return
    form = filterset.form
    raise ValidationError(
        {
            name: [
                _("筛选条件“%(label)s”：%(message)s")
                % {"label": form.fields[name].label or name, "message": message}
                if name in form.fields
                else message
                for message in messages
            ]
            for name, messages in filterset.errors.items()
        },
        code="invalid_filter",
    )


def customers_export_start(*, actor, data):
    """Start the export of the customers matching ``data``'s list conditions (``owner``
    set for "mine" by the caller) as a background job (who: ``customers.export``).
    Invalid conditions refuse it: no job, no export record."""
    policy.require(actor, "customers.export")
    params = filter_params(data)
    check_filters(CustomerFilter, params)
    return job_services.job_start(actor=actor, kind=EXPORT_KIND, params=params)


def contacts_export_start(*, actor, data):
    """``customers_export_start`` for the contact list (who: ``contacts.export``)."""
    policy.require(actor, "contacts.export")
    params = contact_filter_params(data)
    check_filters(ContactFilter, params)
    return job_services.job_start(actor=actor, kind=CONTACT_EXPORT_KIND, params=params)


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


def contact_filter_params(data):
    return filter_params(data, CONTACT_FILTER_KEYS)


def _summary(result):
    return ngettext("已导出 %(n)d 个客户。", "已导出 %(n)d 个客户。", result["rows"]) % {
        "n": result["rows"]
    }


def _header(definitions):
    return [
        _("客户编号"), _("客户名称"), _("助记码"), _("电话"), _("电子邮件"), _("办公地址"),
        _("邮编"), _("省市区"), _("行业"), _("客户级别"), _("客户类型"), _("客户状态"),
        _("信用等级"), _("信用额度"), _("客户来源"), _("负责人"), _("负责部门"),
        _("生命周期阶段"), _("标签"), _("登记日期"), _("备注"), _("财务电话"), _("网址"),
        _("上级单位"), _("个人客户"), _("价值等级"),
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


def _employee_names(definitions, org_id):
    """``{id: name}`` of the org's employees when an employee-type custom field is
    exported (one query for the whole export, none otherwise)."""
    if not any(d.field_type == custom_fields.FieldType.EMPLOYEE for d in definitions):
        return {}
    return dict(Employee.objects.filter(org_id=org_id).values_list("pk", "name"))


def _custom_cells(definitions, org_id):
    """``cells(custom_text)``: the spreadsheet-safe texts of the custom fields, employees
    by name."""
    names = _employee_names(definitions, org_id)

    def cells(custom):
        values = _json(custom, "{}") or {}
        return [_text(custom_fields.display(d, values.get(d.code), names)) for d in definitions]

    return cells


def _json(value, empty):
    """A JSON column read as text (no per-row decoding by the ORM): decoded only when
    it holds something."""
    if value is None or value == empty:
        return None
    return json.loads(value)


def _write_file(reporter, attachment, name, header, columns, cells):
    """Stream ``columns`` (a values_list) into the job's file, ``BATCH_SIZE`` rows at a time,
    saving progress at most every ``PROGRESS_SECONDS``; returns the number of rows."""
    found = columns.iterator(chunk_size=CHUNK_SIZE)
    rows = 0
    with attachment(reporter, name) as write:
        write([[_text(str(label)) for label in header]])
        reported, reported_at = 0, time.monotonic()
        while batch := list(islice(found, BATCH_SIZE)):
            write(map(cells, batch))
            rows += len(batch)
            if time.monotonic() - reported_at >= PROGRESS_SECONDS:
                reporter.advance(rows - reported)
                reported, reported_at = rows, time.monotonic()
        reporter.advance(rows - reported)
    return rows


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
    check_filters(CustomerFilter, filters)  # a queued job's codes may have gone since
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
    name = f"customers-{timezone.localtime():%Y%m%d-%H%M%S}.{file_format}"
    attachment = xlsx_rows_attachment if file_format == "xlsx" else csv_rows_attachment
    if policy.can(actor, "special.view_full_phone"):
        phone_text = _text
    else:

        def phone_text(value):
            return _text(policy.mask_phone(actor, value))

    display = _custom_cells(definitions, actor.org_id)
    yes_no = {True: _text(_("是")), False: _text(_("否"))}
    tiers = {code: _text(str(label)) for code, label in Customer.ValueTier.choices}

    def cells(row, custom=None):
        (
            code, cname, mnemonic, phone, email, address, postcode, region, c_industry,
            c_level, c_type, c_status, c_rating, credit_limit, c_source, owner, department,
            stage, registered_on, notes, finance_phone, website, parent_name, parent_code,
            is_person, value_tier, tags,
        ) = row if custom is None else row[:-1]  # fmt: skip
        tags = _json(tags, "[]")
        return [
            _text(code), _text(cname), _text(mnemonic), phone_text(phone), _text(email),
            _text(address), _text(postcode), _text(region), industry[c_industry],
            level[c_level], kind[c_type], status[c_status], rating[c_rating], credit_limit,
            source[c_source], _text(owner), _text(department), stages.get(stage, ""),
            _text("、".join(tags)) if tags else "", registered_on, _text(notes),
            phone_text(finance_phone), _text(website),
            _text(f"{parent_name}（{parent_code}）") if parent_name is not None else "",
            yes_no[is_person], tiers.get(value_tier, ""),
        ]  # fmt: skip

    def cells_with_custom(row):
        return [*cells(row, custom=True), *display(row[-1])]

    # plain tuples, not model instances; the JSON columns as their text
    columns = customers.annotate(
        tags_text=Cast("tags", TextField()), custom_text=Cast("custom", TextField())
    ).values_list(*EXPORT_COLUMNS, *(("custom_text",) if definitions else ()))
    rows = _write_file(
        reporter, attachment, name, _header(definitions), columns,
        cells_with_custom if definitions else cells,
    )  # fmt: skip
    audit.record_export(
        actor=actor, entity=EXPORT_ENTITY, row_count=rows, file_format=file_format, filters=filters
    )
    return {"rows": rows, "file_name": name}


CONTACT_COLUMNS = (
    "name", "customer__name", "customer__code", "mnemonic", "gender", "birthday", "title",
    "department_name", "manager__name", "mobile", "office_phone", "home_phone", "fax", "email",
    "hobbies", "is_primary", "owner__name", "owner_department__name", "notes",
)  # fmt: skip  # (the custom fields' JSON follows when the org has any)


def _contact_header(definitions):
    return [
        _("姓名"), _("客户名称"), _("客户编号"), _("助记码"), _("性别"), _("生日"), _("职务"),
        _("所在部门"), _("上级主管"), _("手机"), _("办公电话"), _("家庭电话"), _("传真"),
        _("电子邮件"), _("个人爱好"), _("主联系人"), _("负责人"), _("负责部门"), _("备注"),
        *[d.display_label for d in definitions],
    ]  # fmt: skip


def _contact_summary(result):
    return ngettext("已导出 %(n)d 个联系人。", "已导出 %(n)d 个联系人。", result["rows"]) % {
        "n": result["rows"]
    }


@registry.register(
    CONTACT_EXPORT_KIND,
    label=gettext_lazy("导出联系人"),
    permission="contacts.export",
    summary=_contact_summary,
)
def export_contacts(job, reporter):
    """Stream the contacts matching the job's filters (the contact list's), within the
    employee's data scope, to a CSV (an .xlsx with ``file_format=xlsx``), each with its
    customer's name and code. Phones are masked without ``special.view_full_phone``;
    text cells cannot start a formula; the export is audited. Same streaming as
    ``export_customers``: plain tuples, batches, progress once a second."""
    actor = job.created_by
    policy.require(actor, "contacts.export")  # may have changed while the job waited
    filters = contact_filter_params(job.params or {})
    file_format = filters.pop(FORMAT_KEY, "csv")
    check_filters(ContactFilter, filters)  # a queued job's codes may have gone since
    contacts = ContactFilter(
        filters, queryset=selectors.contact_queryset(employee=actor).order_by("id")
    ).qs
    definitions = custom_fields.definitions("contact")
    display = _custom_cells(definitions, actor.org_id)
    genders = {code: _text(str(label)) for code, label in Contact.Gender.choices if code}
    yes_no = {True: _text(_("是")), False: _text(_("否"))}
    if policy.can(actor, "special.view_full_phone"):
        phone_text = _text
    else:

        def phone_text(value):
            return _text(policy.mask_phone(actor, value))

    def cells(row, custom=None):
        (
            cname, customer, customer_code, mnemonic, gender, birthday, title, department_name,
            manager, mobile, office_phone, home_phone, fax, email, hobbies, is_primary, owner,
            department, notes,
        ) = row if custom is None else row[:-1]  # fmt: skip
        return [
            _text(cname), _text(customer), _text(customer_code), _text(mnemonic),
            genders.get(gender, ""), birthday, _text(title), _text(department_name),
            _text(manager), phone_text(mobile), phone_text(office_phone),
            phone_text(home_phone), phone_text(fax), _text(email), _text(hobbies),
            yes_no[is_primary], _text(owner), _text(department), _text(notes),
        ]  # fmt: skip

    def cells_with_custom(row):
        return [*cells(row, custom=True), *display(row[-1])]

    reporter.total(contacts.count())
    columns = contacts.annotate(custom_text=Cast("custom", TextField())).values_list(
        *CONTACT_COLUMNS, *(("custom_text",) if definitions else ())
    )
    name = f"contacts-{timezone.localtime():%Y%m%d-%H%M%S}.{file_format}"
    attachment = xlsx_rows_attachment if file_format == "xlsx" else csv_rows_attachment
    rows = _write_file(
        reporter, attachment, name, _contact_header(definitions), columns,
        cells_with_custom if definitions else cells,
    )  # fmt: skip
    audit.record_export(
        actor=actor,
        entity=CONTACT_EXPORT_ENTITY,
        row_count=rows,
        file_format=file_format,
        filters=filters,
    )
    return {"rows": rows, "file_name": name}
