"""Turning the rows of an import file into customers.

Everything a row is checked against is loaded once per import (dictionaries,
employees, custom fields), so checking a row needs no query; the existing
customers a chunk's rows might duplicate, and the codes they give, are looked up
once per chunk (``DuplicateIndex.prefetch``, ``_check_codes``). New customers are written in
batches through ``customers.bulk``; matched customers are updated through the
single-record service, which checks the editor's rights and keeps the history.
"""

import datetime
import decimal
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from guanxi.core import regions
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import current_org_id
from guanxi.customers import bulk, indexing, services
from guanxi.customers.models import Contact, Customer
from guanxi.customers.selectors import name_core
from guanxi.orgs import custom_fields, policy
from guanxi.orgs.models import DictionaryEntry, Employee
from guanxi.search import lookup, tokens
from guanxi.transfer import undo
from guanxi.transfer.mapping import CONTACT_COLUMNS, CUSTOM_PREFIX, normalise

CHUNK_SIZE = 1000
PHONE_FIELDS = ("phone", "finance_phone", "contact_mobile")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_NUMBERISH = re.compile(r"[+-][\d\s().+-]*")
_TAG_SPLIT = re.compile(r"[,，、;；|]")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?")
TRUE_WORDS = {"是", "个人", "true", "yes", "y", "1", "√"}
FALSE_WORDS = {"否", "企业", "公司", "false", "no", "n", "0"}
MIN_PHONE_DIGITS = 7
MIN_NAME_CORE = 2


def looks_like_formula(text):
    """A cell a spreadsheet would run: ``=…``, ``@…``, or ``+``/``-`` followed by
    more than a number or phone (``-5``, ``+86 138…`` are data)."""
    if not text:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and not _NUMBERISH.fullmatch(text)


def parse_date(text):
    match = _DATE.fullmatch(text.strip())
    if not match:
        raise ValueError
    year, month, day = (int(part) for part in match.groups())
    return datetime.date(year, month, day)


def parse_decimal(text):
    cleaned = re.sub(r"[,，\s¥￥元]", "", text)
    value = decimal.Decimal(cleaned)
    if not value.is_finite():
        raise decimal.InvalidOperation
    return value


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str
    customer_id: int | None = None  # the existing customer a skipped row duplicates

    def as_list(self):
        """The line of the downloadable report."""
        return [self.row, self.column, self.value, self.message]

    def as_summary(self):
        """The line shown on the import page: the report line and the customer to open."""
        return [*self.as_list(), self.customer_id]


@dataclass
class Outcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    error_rows: int = 0
    problems: list = field(default_factory=list)  # Problem, in row order
    created_ids: list = field(default_factory=list)


class DuplicateIndex:
    """Normalised phone digits, e-mails and name cores → the customer (its id) or
    the file row (``("row", n)``) that has them.

    An org of up to ``LOAD_ALL`` customers (or of up to ``LOAD_PER_ROW`` per row of the
    file) is read whole once (``load``: the name cores come stored, about 12 µs and 150
    bytes a customer). A bigger one is not: before each chunk is classified,
    ``prefetch`` looks up the customers that share one of the chunk's keys — phones and
    e-mails by the search index's exact keys, names by the indexed
    ``Customer.name_key``. A key lookup costs about as much as reading 50 customers, and
    a common name core brings many customers with it, so reading whole is the better
    way up to a couple of million customers; past that, memory decides. A key held by
    several customers names the oldest.
    """

    LOAD_ALL = 2_000_000
    LOAD_PER_ROW = 50

    def __init__(self, *, rows=None):
        self.phones: dict = {}
        self.emails: dict = {}
        self.names: dict = {}
        self.loaded: set[int] = set()
        self.whole = self.load(limit=max(self.LOAD_ALL, self.LOAD_PER_ROW * (rows or 0)))

    def load(self, *, limit):
        """Read the org's customers' keys, up to ``limit`` customers: whether all fitted
        (if not, nothing is kept and ``prefetch`` looks them up instead)."""
        rows = Customer.objects.order_by("pk").values_list(
            "pk", "name_key", "email", "phone_digits"
        )
        for count, (pk, core, email, digits) in enumerate(rows.iterator(chunk_size=5000), 1):
            if count > limit:
                self.phones, self.emails, self.names = {}, {}, {}
                return False
            self.add(self._stored_keys(core, email, digits), pk)
        return True

    @staticmethod
    def _stored_keys(core, email, digits):
        return {
            "phones": [d for d in (digits or "").split() if len(d) >= MIN_PHONE_DIGITS],
            "email": (email or "").strip().lower(),
            "name": core if len(core or "") >= MIN_NAME_CORE else "",
        }

    @staticmethod
    def keys(*, name, email, phones):
        digits = [
            d
            for d in ("".join(ch for ch in (p or "") if ch.isdigit()) for p in phones)
            if len(d) >= MIN_PHONE_DIGITS
        ]
        core = name_core(name)[: services.NAME_KEY_LENGTH]  # as Customer.name_key holds it
        return {
            "phones": digits,
            "email": (email or "").strip().lower(),
            "name": core if len(core) >= MIN_NAME_CORE else "",
        }

    def prefetch(self, keys_list):
        """Load the existing customers that hold any of these keys (three to five
        queries per chunk, whatever the size of the org); nothing when all are loaded."""
        if self.whole:
            return
        exact = {d for keys in keys_list for d in keys["phones"]}
        exact |= {tokens.normalize(k["email"]).strip() for k in keys_list if k["email"]}
        found: set[int] = set()
        for part in _parts(sorted(exact)):
            found |= _exact_matches(part)
        names = sorted({k["name"] for k in keys_list if k["name"]})
        for part in _parts(names):
            found |= set(Customer.objects.filter(name_key__in=part).values_list("pk", flat=True))
        new = sorted(found - self.loaded)
        self.loaded.update(new)
        for part in _parts(new):
            rows = Customer.objects.filter(pk__in=part).order_by("pk")
            for pk, core, email, digits in rows.values_list(
                "pk", "name_key", "email", "phone_digits"
            ):
                self.add(self._stored_keys(core, email, digits), pk)

    def add(self, keys, ref):
        """Note who holds ``keys``: a customer (its id; the oldest keeps a key) or a row
        of the file (``("row", n)``, after every customer holding it, see ``prefetch``)."""
        entries = [(self.phones, d) for d in keys["phones"]]
        entries += [(self.emails, keys["email"]), (self.names, keys["name"])]
        for table, key in entries:
            if not key:
                continue
            held = table.get(key)
            if held is None or (isinstance(ref, int) and isinstance(held, int) and ref < held):
                table[key] = ref

    def find(self, keys):
        """``(ref, reason)`` of the first match (phone, e-mail, name), or ``(None, "")``."""
        for digits in keys["phones"]:
            if digits in self.phones:
                return self.phones[digits], _("电话相同")
        if keys["email"] and keys["email"] in self.emails:
            return self.emails[keys["email"]], _("电子邮件相同")
        if keys["name"] and keys["name"] in self.names:
            return self.names[keys["name"]], _("名称相同")
        return None, ""


LOOKUP_PART = 500


def _parts(items, size=LOOKUP_PART):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _exact_matches(values):
    """Ids of the customers whose search entry holds the exact key of one of ``values``."""
    return lookup.exact_ids(org_id=current_org_id(), kind=indexing.CUSTOMER, values=values)


class Importer:
    """Checks (and, when ``write``, imports) the rows of one batch."""

    def __init__(self, batch, *, write):
        self.batch = batch
        self.actor = batch.created_by
        self.write = write
        self.mapping = list(batch.mapping)
        self.header = list(batch.header) + [""] * max(0, len(self.mapping) - len(batch.header))
        self.defs = custom_fields.definitions("customer")
        self.defs_by_code = {d.code: d for d in self.defs}
        self.builder = bulk.Builder(self.actor, defs=self.defs)
        self.dictionary_lookup = self._dictionary_lookup()
        self.employees, self.usernames = self._employees()
        self.stages = {}
        for code, label in Customer.Lifecycle.choices:
            for name in (code, *_both(label)):
                self.stages[normalise(name)] = code
        self.mode = batch.duplicate_mode
        self.index = DuplicateIndex(rows=batch.row_count) if self.mode != "create" else None
        # codes of the file's rows so far, and those found taken (``_check_codes``)
        self.codes: set[str] = set()
        self.wants_contacts = any(key in CONTACT_COLUMNS for key in self.mapping)
        self.can_edit = policy.can(self.actor, "customers.edit")
        # an all-or-nothing import stops writing at the first wrong row (the rest is
        # still checked for the report) and is then taken back (``undo``)
        self.all_or_nothing = not batch.valid_only
        self.journal = undo.Journal(batch)
        self.outcome = Outcome()

    # ---- what a row is checked against ----------------------------------------------------

    def _dictionary_lookup(self):
        lookup: dict[str, dict[str, str]] = {}
        kinds = {kind: f for f, kind in services.DICTIONARY_FIELDS.items()}
        entries = DictionaryEntry.objects.filter(kind__in=kinds, is_active=True)
        for entry in entries.order_by("sort_order", "id"):
            table = lookup.setdefault(kinds[entry.kind], {})
            for name in (entry.code, entry.label, entry.label_en):
                if name:
                    table.setdefault(normalise(name), entry.code)
        return lookup

    def _employees(self):
        by_name: dict[str, list] = {}
        by_username = {}
        active = Employee.objects.filter(status=Employee.Status.ACTIVE).select_related(
            "user", "department"
        )
        for employee in active:
            by_name.setdefault(normalise(employee.name), []).append(employee)
            by_username[normalise(employee.username)] = employee
        return by_name, by_username

    # ---- one row -----------------------------------------------------------------------------

    def _text(self, key, raw):
        if looks_like_formula(raw):
            raise ValueError(_("内容像公式（以 = + - @ 开头），为安全起见不予导入。"))
        if _HTML.search(raw):
            raise ValueError(_("不能包含 HTML 标签。"))
        return raw

    def _convert(self, key, raw):
        """The stored value of one cell, or ValueError with the message to report."""
        if key in PHONE_FIELDS:  # the customer services check the format
            return raw
        text = self._text(key, raw)
        if key == "email":
            try:
                validate_email(text)
            except ValidationError as exc:
                raise ValueError(_("电子邮件格式不正确。")) from exc
            return text
        if key == "registered_on":
            try:
                return parse_date(text)
            except ValueError as exc:
                raise ValueError(_("日期格式不正确，请用 YYYY-MM-DD。")) from exc
        if key == "credit_limit":
            try:
                return parse_decimal(text)
            except decimal.InvalidOperation as exc:
                raise ValueError(_("不是有效的金额。")) from exc
        if key == "is_person":
            word = normalise(text)
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError(_("请填写“是”或“否”。"))
        if key in services.DICTIONARY_FIELDS:
            code = self.dictionary_lookup.get(key, {}).get(normalise(text))
            if code is None:
                raise ValueError(_("“%(value)s”不是有效的选项。") % {"value": text})
            return code
        if key == "lifecycle_stage":
            if normalise(text) not in self.stages:
                raise ValueError(_("“%(value)s”不是有效的选项。") % {"value": text})
            return self.stages[normalise(text)]
        if key == "region":  # 广东 深圳 → 广东省 深圳市; other text as it is
            return regions.canonical(text)
        if key == "owner":
            return self._owner(text)
        if key == "tags":
            return [t.strip() for t in _TAG_SPLIT.split(text) if t.strip()]
        if key.startswith(CUSTOM_PREFIX):
            return self._custom(self.defs_by_code[key[len(CUSTOM_PREFIX) :]], text)
        return text

    def _owner(self, text):
        employee = self.usernames.get(normalise(text))
        if employee is not None:
            return employee
        named = self.employees.get(normalise(text), [])
        if not named:
            raise ValueError(_("找不到在职员工“%(name)s”。") % {"name": text})
        if len(named) > 1:
            raise ValueError(_("有多名员工叫“%(name)s”，请填写用户名。") % {"name": text})
        return named[0]

    def _custom(self, definition, text):
        kind = definition.field_type
        if kind in custom_fields.CHOICE_TYPES:
            by_name: dict[str, str] = {}
            for choice in definition.choices:
                for name in (choice.get("code"), choice.get("label"), choice.get("label_en")):
                    if name:
                        by_name.setdefault(normalise(name), choice["code"])
            parts = (
                _TAG_SPLIT.split(text) if kind == custom_fields.FieldType.MULTI_CHOICE else [text]
            )
            codes = [by_name.get(normalise(p), p.strip()) for p in parts if p.strip()]
            return codes if kind == custom_fields.FieldType.MULTI_CHOICE else codes[0]
        if kind == custom_fields.FieldType.DATE:
            try:
                return parse_date(text).isoformat()
            except ValueError as exc:
                raise ValueError(_("日期格式不正确，请用 YYYY-MM-DD。")) from exc
        if kind == custom_fields.FieldType.EMPLOYEE:
            return self._owner(text).pk
        return text

    def _column(self, key):
        index = self.mapping.index(key) if key in self.mapping else -1
        return self.header[index] if index >= 0 else ""

    def clean(self, number, cells):
        """``(fields, custom, contact, problems)`` of one row; empty cells are left out."""
        fields: dict = {}
        custom: dict = {}
        contact: dict = {}
        problems = []
        for index, key in enumerate(self.mapping):
            if not key:
                continue
            raw = cells[index].strip() if index < len(cells) else ""
            if not raw:
                continue
            try:
                value = self._convert(key, raw)
            except ValueError as exc:
                problems.append(Problem(number, self.header[index], raw, str(exc)))
                continue
            if key in CONTACT_COLUMNS:
                contact[CONTACT_COLUMNS[key][1]] = value
            elif key.startswith(CUSTOM_PREFIX):
                custom[key[len(CUSTOM_PREFIX) :]] = value
            else:
                fields[key] = value
        if "name" not in fields and not any(p.column == self._column("name") for p in problems):
            problems.append(Problem(number, self._column("name"), "", _("客户名称不能为空。")))
        if contact and "name" not in contact:
            problems.append(
                Problem(number, self._column("contact_name"), "", _("请填写联系人姓名。"))
            )
        return fields, custom, contact, problems

    def _check_codes(self, rows):
        """Codes a chunk's rows give that a customer (deleted ones too) or an earlier row
        already has: one lookup per chunk."""
        given = {fields["code"] for _n, fields, *_rest in rows if fields.get("code")}
        for part in _parts(sorted(given - self.codes)):
            self.codes |= set(
                Customer.with_deleted.filter(code__in=part).values_list("code", flat=True)
            )
        for number, fields, _custom, _contact, problems in rows:
            code = fields.get("code")
            if code:
                if code in self.codes:
                    problems.append(
                        Problem(number, self._column("code"), code, _("编号已被使用。"))
                    )
                self.codes.add(code)

    def _service_problems(self, number, exc, values, keys=None):
        """Field errors of a service → report lines for the columns they concern
        (``keys`` renames the service's fields to mapping targets)."""
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            lines = []
            for key, messages in exc.message_dict.items():
                target = (keys or {}).get(key, key)
                column = self._column(target) if key != "custom" else _("自定义字段")
                value = values.get(key, "")
                for message in messages:
                    lines.append(Problem(number, column, str(value), message))
            return lines
        if isinstance(exc, ValidationError):
            return [Problem(number, "", "", "；".join(exc.messages))]
        if isinstance(exc, Http404):
            return [Problem(number, "", "", _("匹配到的客户不在您的数据权限内，未更新。"))]
        if isinstance(exc, BusinessRuleError):
            return [Problem(number, "", "", str(exc.message))]
        return [Problem(number, "", "", str(exc) or _("您没有执行此操作的权限。"))]

    # ---- the whole file ----------------------------------------------------------------------

    def run(self, rows, reporter):
        """Go through ``rows`` (``(number, cells)``, header excluded) in chunks."""
        chunk = []
        for number, cells in rows:
            chunk.append((number, cells))
            if len(chunk) >= CHUNK_SIZE:
                self._chunk(chunk)
                reporter.advance(len(chunk))
                chunk = []
        if chunk:
            self._chunk(chunk)
            reporter.advance(len(chunk))
        self.outcome.problems.sort(key=lambda p: p.row)
        return self.outcome

    def _fail(self, problems):
        self.outcome.error_rows += 1
        self.outcome.problems.extend(problems)

    def _chunk(self, chunk):
        """Check the rows of ``chunk``; when writing, write them in one transaction
        with the journal that lets the import be taken back. The checks run before
        the transaction, so the write lock is held only for the writing itself."""
        creates, updates = self._prepare(chunk)
        if self.write and self.all_or_nothing and self.outcome.error_rows:
            # a wrong row in an all-or-nothing import: from here on the rows are only
            # checked (for the report), and what earlier chunks wrote is taken back
            self.write = False
        if not self.write:
            self._updates(updates)
            self.outcome.created += len(creates)
            return
        try:
            with transaction.atomic():
                self._updates(updates)
                if self.all_or_nothing and self.outcome.error_rows:
                    raise _ChunkFailed
                self._creates(creates)
                self.journal.save()
        except _ChunkFailed:
            self.journal.reset()
            self.write = False
            self.outcome.created += len(creates)
        except BaseException:
            self.journal.reset()
            raise

    def _prepare(self, chunk):
        """``(creates, updates)`` of a chunk: the rows checked and built, duplicates
        found, problems noted; nothing written."""
        rows = []
        for number, cells in chunk:
            self.outcome.rows += 1
            rows.append((number, *self.clean(number, cells)))
        self._check_codes(rows)
        built = []  # (number, fields, custom, contact, customer, person)
        for number, fields, custom, contact, problems in rows:
            if problems:
                self._fail(problems)
                continue
            values = {**fields, "custom": custom}
            try:
                customer = self.builder.customer(custom=custom, **fields)
            except (ValidationError, PermissionDenied) as exc:
                self._fail(self._service_problems(number, exc, values))
                continue
            person = None
            if contact:
                try:
                    person = self.builder.contact(customer, **contact)
                except (ValidationError, PermissionDenied) as exc:
                    keys = {field: key for key, (_l, field) in CONTACT_COLUMNS.items()}
                    self._fail(self._service_problems(number, exc, contact, keys))
                    continue
            built.append((number, fields, custom, contact, customer, person))
        if self.index is None:
            return [(number, customer, person) for number, *_r, customer, person in built], []
        creates = []  # (number, customer, contact)
        updates = []  # (number, pk, fields, custom, contact)
        known = []  # (number, pk, reason): rows that duplicate an existing customer
        keyed = [
            (item, DuplicateIndex.keys(name=item[4].name, email=item[4].email,
                                       phones=(item[4].phone, item[4].finance_phone)))
            for item in built
        ]  # fmt: skip
        self.index.prefetch([keys for _item, keys in keyed])
        for (number, fields, custom, contact, customer, person), keys in keyed:
            match, reason = self.index.find(keys)
            if match is not None:
                if self.mode == "update" and not isinstance(match, tuple):
                    updates.append((number, match, fields, custom, contact))
                    continue
                self.outcome.skipped += 1
                if isinstance(match, tuple):
                    self.outcome.problems.append(self._row_note(number, match[1], reason))
                else:
                    known.append((number, match, reason))
                continue
            self.index.add(keys, ("row", number))
            creates.append((number, customer, person))
        self._existing_notes(known)
        return creates, updates

    def _creates(self, creates):
        if not creates:
            return
        ids = bulk.customers_bulk_create(
            actor=self.actor,
            customers=[c for _n, c, _p in creates],
            contacts=[p for _n, _c, p in creates] if self.wants_contacts else None,
        )
        self.outcome.created += len(creates)
        self.outcome.created_ids.extend(ids)
        self.journal.customers.extend(ids)

    def _row_note(self, number, row, reason):
        message = _("与文件第 %(row)d 行重复（%(reason)s），已跳过。") % {
            "row": row,
            "reason": reason,
        }
        return Problem(number, "", "", message)

    def _visible(self, pks):
        return policy.scope_queryset(
            self.actor, "customers", Customer.objects.filter(pk__in=pks), owner="owner",
            department="department",
        )  # fmt: skip

    def _existing_notes(self, known):
        """Skip notes naming the existing customer (code, name and a link on the import
        page) when the importer may see it; without its details otherwise."""
        if not known:
            return
        pks = {pk for _n, pk, _r in known}
        names = {pk: (code, name) for pk, code, name in
                 self._visible(pks).values_list("pk", "code", "name")}  # fmt: skip
        for number, pk, reason in known:
            if pk in names:
                code, name = names[pk]
                message = _("与已有客户“%(name)s”重复（%(reason)s），已跳过。") % {
                    "name": name,
                    "reason": reason,
                }
                self.outcome.problems.append(Problem(number, "", code, message, customer_id=pk))
            else:
                message = _("与他人负责的已有客户重复（%(reason)s），已跳过。") % {"reason": reason}
                self.outcome.problems.append(Problem(number, "", "", message))

    def _updates(self, updates):
        if not updates:
            return
        if not self.can_edit:
            for number, *_rest in updates:
                self._fail([Problem(number, "", "", _("更新已有客户需要“客户 · 编辑”权限。"))])
            return
        customers = {c.pk: c for c in self._visible({pk for _n, pk, *_r in updates})}
        for number, pk, fields, custom, contact in updates:
            customer = customers.get(pk)
            if customer is None:
                self._fail(self._service_problems(number, Http404(), {}))
                continue
            done = undo.Journal(self.batch)  # what this row changed, kept once it holds
            try:
                with transaction.atomic():
                    # a check runs the very same update and takes it back
                    self._update_one(customer, fields, custom, contact, number, done)
                    if not self.write:
                        raise _CheckOnly
            except _CheckOnly:
                pass
            except _RowFailed as failed:
                self._fail(failed.problems)
                continue
            self.journal.contacts.extend(done.contacts)
            self.journal.changed.extend(done.changed)
            self.outcome.updated += 1

    def _update_one(self, customer, fields, custom, contact, number, done):
        """Update a matched customer (and its contact), noting in ``done`` what the
        records were before."""
        try:
            before = undo.row_state("customer", customer.pk) if self.write else None
            customer = services.customer_update(
                actor=self.actor, customer=customer, custom=custom or None, **fields
            )
        except UPDATE_ERRORS as exc:
            problems = self._service_problems(number, exc, {**fields, "custom": custom})
            raise _RowFailed(problems) from exc
        if before is not None:
            done.changed.append(_change("customer", customer, before))
        if not contact:
            return
        keys = {field: key for key, (_l, field) in CONTACT_COLUMNS.items()}
        try:
            self._contact_of(customer, contact, done)
        except UPDATE_ERRORS as exc:
            raise _RowFailed(self._service_problems(number, exc, contact, keys)) from exc

    def _contact_of(self, customer, contact, done):
        """The row's contact on a matched customer: the one of the same name has its
        other columns updated; a new name becomes a new contact."""
        fields = dict(contact)
        name = fields.pop("name", "")
        existing = Contact.objects.filter(customer_id=customer.pk, name=name.strip()).first()
        if existing is None:
            person = services.contact_create(
                actor=self.actor, customer=customer, name=name, **fields
            )
            done.contacts.append(person.pk)
            return
        changed = {k: v for k, v in fields.items() if getattr(existing, k) != v}
        if changed:
            before = undo.row_state("contact", existing.pk) if self.write else None
            person = services.contact_update(actor=self.actor, contact=existing, **changed)
            if before is not None:
                done.changed.append(_change("contact", person, before))


def _change(model_key, record, before):
    return {"model": model_key, "id": record.pk, "version": record.version, "row": before}


UPDATE_ERRORS = (ValidationError, PermissionDenied, Http404, BusinessRuleError, StaleVersion)


class _CheckOnly(Exception):
    """Takes back an update made only to check it."""


class _ChunkFailed(Exception):
    """Takes back the chunk being written: an all-or-nothing import met a wrong row."""


class _RowFailed(Exception):
    def __init__(self, problems):
        super().__init__()
        self.problems = problems


def _both(label):
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh, en
