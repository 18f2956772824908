"""The pure rules of work reports: periods and due moments, field definitions, values.

No database access here: services call these inside their transactions, forms and the API
reach them through services. Every refusal is a ``ValidationError`` keyed by field with
translated messages, and nothing is written when one is raised.
"""

import calendar
import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.workspace.reports.models import FieldType, Period

MAX_FIELDS = 50
LABEL_LENGTH = 100
HELP_LENGTH = 300
MAX_OPTIONS = 50
OPTION_LENGTH = 100
MAX_DECIMALS = 6
TEXT_LENGTH = 500
LONG_TEXT_LENGTH = 10000
NUMBER_LIMIT = Decimal("1e12")
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


# ---- periods -------------------------------------------------------------------------------


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the ``period`` (a ``Period`` value) holding ``day``."""
    if period == Period.DAILY:
        return day, day
    if period == Period.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period == Period.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)


def due_moment(template, period_start: datetime.date) -> datetime.datetime:
    """When the report of ``template`` for the period starting ``period_start`` is due (an
    aware datetime in the site's time zone)."""
    period = template.period
    if period == Period.DAILY:
        day = period_start
    elif period == Period.WEEKLY:
        day = period_start + datetime.timedelta(days=min(max(template.due_weekday, 1), 7) - 1)
    elif period == Period.MONTHLY:
        last = calendar.monthrange(period_start.year, period_start.month)[1]
        day = period_start.replace(day=min(max(template.due_day, 1), last))
    else:
        month = min(max(template.due_month, 1), 12)
        last = calendar.monthrange(period_start.year, month)[1]
        day = datetime.date(period_start.year, month, min(max(template.due_day, 1), last))
    due_time = template.due_time
    if isinstance(due_time, str):
        due_time = datetime.time.fromisoformat(due_time)
    return timezone.make_aware(datetime.datetime.combine(day, due_time))


def period_label(period: str, start: datetime.date, end: datetime.date) -> str:
    if period == Period.DAILY:
        return start.isoformat()
    if period == Period.MONTHLY:
        return f"{start.year}-{start.month:02d}"
    if period == Period.YEARLY:
        return str(start.year)
    return f"{start.isoformat()} ~ {end.isoformat()}"


# ---- field definitions ---------------------------------------------------------------------


def _add(errors, key, message):
    errors.setdefault(key, []).append(message)


def clean_fields(raw) -> list[dict]:
    """Check a template's field list and return it normalised: each field a dict with
    ``key, label, type, required, help, options, decimals``. Keys are kept when given
    (so values stay attached when a field is renamed) and made up (``f1``, ``f2``…)
    for new fields. Raises ``ValidationError({"fields": [...]})``."""
    if not isinstance(raw, list):
        raise ValidationError({"fields": [_("字段必须是一个列表。")]})
    if not raw:
        raise ValidationError({"fields": [_("请至少添加一个字段。")]})
    if len(raw) > MAX_FIELDS:
        raise ValidationError({"fields": [_("字段不能超过 %(n)s 个。") % {"n": MAX_FIELDS}]})
    problems: list[str] = []
    used: set[str] = set()
    cleaned: list[dict] = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            problems.append(_("第 %(n)s 个字段格式无效。") % {"n": index})
            continue
        label = item.get("label")
        label = label.strip() if isinstance(label, str) else ""
        where = label or _("第 %(n)s 个字段") % {"n": index}
        if not label:
            problems.append(_("第 %(n)s 个字段缺少名称。") % {"n": index})
        elif len(label) > LABEL_LENGTH:
            problems.append(_("字段“%(f)s”的名称太长。") % {"f": where})
        kind = item.get("type")
        if kind not in FieldType.values:
            problems.append(_("字段“%(f)s”的类型无效。") % {"f": where})
        help_text = item.get("help") or ""
        if not isinstance(help_text, str) or len(help_text) > HELP_LENGTH:
            problems.append(
                _("字段“%(f)s”的说明不能超过 %(n)s 字。") % {"f": where, "n": HELP_LENGTH}
            )
            help_text = ""
        required = item.get("required", False)
        if not isinstance(required, bool):
            problems.append(_("字段“%(f)s”的“必填”必须是是或否。") % {"f": where})
        key = item.get("key") or ""
        if key and (not isinstance(key, str) or not KEY_RE.match(key)):
            problems.append(_("字段“%(f)s”的标识无效。") % {"f": where})
            key = ""
        if key in used:
            problems.append(_("字段标识“%(k)s”重复。") % {"k": key})
        options: list[str] = []
        if kind in (FieldType.CHOICE, FieldType.MULTI):
            raw_options = item.get("options")
            if not isinstance(raw_options, list) or not all(
                isinstance(o, str) for o in raw_options
            ):
                problems.append(_("字段“%(f)s”的选项必须是文字列表。") % {"f": where})
                raw_options = []
            options = list(dict.fromkeys(o.strip() for o in raw_options if o.strip()))
            if not options and isinstance(item.get("options"), list):
                problems.append(_("字段“%(f)s”需要至少一个选项。") % {"f": where})
            elif len(options) > MAX_OPTIONS or any(len(o) > OPTION_LENGTH for o in options):
                problems.append(
                    _("字段“%(f)s”最多 %(n)s 个选项，每个不超过 %(m)s 字。")
                    % {"f": where, "n": MAX_OPTIONS, "m": OPTION_LENGTH}
                )
        decimals = 0
        if kind == FieldType.NUMBER:
            decimals = item.get("decimals", 0)
            if decimals in (None, ""):
                decimals = 0
            if isinstance(decimals, bool) or not isinstance(decimals, int):
                problems.append(_("字段“%(f)s”的小数位数无效。") % {"f": where})
                decimals = 0
            elif not 0 <= decimals <= MAX_DECIMALS:
                problems.append(
                    _("字段“%(f)s”的小数位数须在 0 到 %(n)s 之间。")
                    % {"f": where, "n": MAX_DECIMALS}
                )
        if key:
            used.add(key)
        cleaned.append(
            {
                "key": key,
                "label": label,
                "type": kind,
                "required": bool(required),
                "help": help_text.strip(),
                "options": options,
                "decimals": decimals,
            }
        )
    if problems:
        raise ValidationError({"fields": problems})
    number = 1
    for field in cleaned:
        if not field["key"]:
            while f"f{number}" in used:
                number += 1
            key = f"f{number}"
            field["key"] = key
            used.add(key)
    return cleaned


# ---- values --------------------------------------------------------------------------------


def _empty(value):
    return value is None or value == "" or value == []


def _number(field, value, errors, key):
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        _add(errors, key, _("“%(f)s”必须是数字。") % {"f": field["label"]})
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        _add(errors, key, _("“%(f)s”必须是数字。") % {"f": field["label"]})
        return None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        _add(errors, key, _("“%(f)s”超出范围。") % {"f": field["label"]})
        return None
    decimals = field.get("decimals") or 0
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        if decimals:
            message = _("“%(f)s”最多 %(n)s 位小数。") % {"f": field["label"], "n": decimals}
        else:
            message = _("“%(f)s”必须是整数。") % {"f": field["label"]}
        _add(errors, key, message)
        return None
    return str(number.quantize(Decimal(1).scaleb(-decimals)))


def _date(field, value, errors, key):
    try:
        day = datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
        _add(errors, key, _("“%(f)s”必须是有效日期（如 2026-12-02）。") % {"f": field["label"]})
        return None
    return day.isoformat()


def clean_one(field, value, errors, key):
    """One field's value normalised to its JSON form (None when empty or refused)."""
    kind = field["type"]
    label = field["label"]
    if kind in (FieldType.TEXT, FieldType.TEXTAREA):
        if not isinstance(value, str):
            _add(errors, key, _("“%(f)s”必须是文字。") % {"f": label})
            return None
        text = value.strip()
        limit = TEXT_LENGTH if kind == FieldType.TEXT else LONG_TEXT_LENGTH
        if kind == FieldType.TEXT and ("\n" in text or "\r" in text):
            _add(errors, key, _("“%(f)s”只能填一行文字。") % {"f": label})
            return None
        if len(text) > limit:
            _add(errors, key, _("“%(f)s”不能超过 %(n)s 字。") % {"f": label, "n": limit})
            return None
        return text or None
    if kind == FieldType.NUMBER:
        return _number(field, value, errors, key)
    if kind == FieldType.DATE:
        return _date(field, value, errors, key)
    if kind == FieldType.CHOICE:
        if not isinstance(value, str) or value not in field["options"]:
            _add(errors, key, _("“%(f)s”请从选项中选择。") % {"f": label})
            return None
        return value
    if kind == FieldType.MULTI:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            _add(errors, key, _("“%(f)s”必须是选项列表。") % {"f": label})
            return None
        unknown = [v for v in value if v not in field["options"]]
        if unknown:
            _add(errors, key, _("“%(f)s”中的“%(v)s”不是可选项。") % {"f": label, "v": unknown[0]})
            return None
        chosen = set(value)
        return [option for option in field["options"] if option in chosen]
    if kind == FieldType.BOOL:
        if not isinstance(value, bool):
            _add(errors, key, _("“%(f)s”必须是“是”或“否”。") % {"f": label})
            return None
        return value
    _add(errors, key, _("“%(f)s”的类型无效。") % {"f": label})
    return None


def clean_values(fields: list[dict], raw, *, complete: bool) -> dict:
    """``raw`` checked against ``fields`` (a report's field copy) and normalised: every
    field's key present (None when empty). Unknown keys and wrong types are refused;
    required fields must be filled when ``complete`` (submitting, or saving a submitted
    report). Errors are keyed ``values.<key>``; raises ``ValidationError``."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"values": [_("内容必须是以字段标识为键的对象。")]})
    errors: dict[str, list] = {}
    known = {field["key"] for field in fields}
    for key in sorted(set(raw) - known):
        _add(errors, f"values.{key}", _("没有这个字段：%(k)s。") % {"k": key})
    cleaned: dict[str, object] = {}
    for field in fields:
        key = field["key"]
        value = raw.get(key)
        if _empty(value):
            cleaned[key] = None
        else:
            cleaned[key] = clean_one(field, value, errors, f"values.{key}")
        missing = complete and field.get("required") and _empty(cleaned[key])
        if missing and f"values.{key}" not in errors:
            _add(errors, f"values.{key}", _("请填写“%(f)s”。") % {"f": field["label"]})
    if errors:
        raise ValidationError(errors)
    return cleaned


def display(field, value) -> str:
    """A stored value as text for the report page."""
    if value is None or value == [] or value == "":
        return ""
    if field["type"] == FieldType.BOOL:
        return _("是") if value else _("否")
    if field["type"] == FieldType.MULTI:
        return "、".join(value)
    return str(value)
