"""Custom fields (自定义字段): definitions per org and entity, values in a JSON column.

An entity that supports custom fields has ``custom = models.JSONField(default=dict)``
and calls, from its services, ``clean_values(org_id=..., entity=..., values=...,
existing=record.custom)``; its forms add ``form_fields(defs)``; its serializers
expose ``custom`` as an object; its filters use ``filter_q``. Values are stored
JSON-safe and exact: numbers and money as decimal strings, dates as ISO strings,
employees as ids, choices as their stable codes.
"""

import datetime
import decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.orgs.models import CustomField, Employee

FieldType = CustomField.FieldType

# entity code -> (label, permission module). A module registers its entity (in
# its AppConfig.ready) once its forms, lists, filters, exports and API use the
# fields, so admins are only offered fields that show up somewhere.
ENTITIES: dict[str, tuple] = {}


def register_entity(code, *, label, module):
    ENTITIES[code] = (label, module)


CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)
MAX_FIELDS_PER_ENTITY = 100
MAX_CHOICES = 200
TEXT_MAX_LENGTH = 1000
NUMBER_MAX_DIGITS = 18
FORM_PREFIX = "cf_"


def definitions(entity, *, active_only=True):
    """The org's field definitions for ``entity``, in display order (one query)."""
    qs = CustomField.objects.filter(entity=entity)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("sort_order", "id"))


def _decimal(raw, places=None):
    if isinstance(raw, bool):
        raise ValueError
    try:
        value = decimal.Decimal(str(raw).strip().replace(",", ""))
    except decimal.InvalidOperation as exc:
        raise ValueError from exc
    if not value.is_finite():
        raise ValueError
    if places is not None:
        value = value.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
    # bounded magnitude and precision: stored text stays short and exact
    exponent = value.as_tuple().exponent
    if value != 0 and (
        value.adjusted() >= NUMBER_MAX_DIGITS or (isinstance(exponent, int) and exponent < -8)
    ):
        raise ValueError
    if len(value.as_tuple().digits) > NUMBER_MAX_DIGITS:
        raise ValueError
    return value


def coerce(definition, raw, *, org_id=None):
    """Turn one input value into its stored form; None means "empty".

    Raises ``ValueError`` with no message for a wrong value (the caller words it).
    """
    if raw is None or raw == "" or raw == []:
        return None
    kind = definition.field_type
    if kind == FieldType.TEXT:
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise ValueError
        text = str(raw).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise ValueError
        return text or None
    if kind == FieldType.NUMBER:
        return format(_decimal(raw), "f")
    if kind == FieldType.MONEY:
        return str(_decimal(raw, places=2))
    if kind == FieldType.DATE:
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        if not isinstance(raw, str):
            raise ValueError
        return datetime.date.fromisoformat(raw.strip()).isoformat()
    if kind == FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "on", "是"):
            return True
        if text in ("false", "0", "no", "off", "否"):
            return False
        raise ValueError
    codes = {choice["code"] for choice in definition.choices}
    if kind == FieldType.CHOICE:
        if not isinstance(raw, str) or raw not in codes:
            raise ValueError
        return raw
    if kind == FieldType.MULTI_CHOICE:
        items = raw if isinstance(raw, list | tuple) else [raw]
        if any(not isinstance(item, str) or item not in codes for item in items):
            raise ValueError
        return [choice["code"] for choice in definition.choices if choice["code"] in items]
    if kind == FieldType.EMPLOYEE:
        try:
            pk = int(raw)
        except (TypeError, ValueError) as exc:
            raise ValueError from exc
        employees = Employee.objects.filter(pk=pk)
        if org_id is not None:
            employees = employees.filter(org_id=org_id)
        if isinstance(raw, bool) or not employees.exists():
            raise ValueError
        return pk
    raise ValueError


def _type_hint(definition):
    return {
        FieldType.TEXT: _("文本，最多 %(n)d 字") % {"n": TEXT_MAX_LENGTH},
        FieldType.NUMBER: _("数字"),
        FieldType.MONEY: _("金额（最多两位小数）"),
        FieldType.DATE: _("日期，格式 YYYY-MM-DD"),
        FieldType.CHOICE: _("其中一个选项代码"),
        FieldType.MULTI_CHOICE: _("选项代码的列表"),
        FieldType.EMPLOYEE: _("本组织员工的编号"),
        FieldType.BOOLEAN: _("是或否"),
    }[definition.field_type]


def clean_values(*, org_id, entity, values, existing=None, defs=None, error_key="custom"):
    """Validate ``values`` (code → raw) against the entity's fields; return the
    full dict to store (``existing`` merged with the given keys).

    Raises ``ValidationError({error_key: [...]})`` naming each bad field.
    """
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ValidationError({error_key: [_("自定义字段必须是“代码: 值”的对象。")]})
    defs = definitions(entity) if defs is None else defs
    by_code = {d.code: d for d in defs}
    result = {k: v for k, v in (existing or {}).items()}
    problems = []
    for code, raw in values.items():
        definition = by_code.get(code)
        if definition is None:
            problems.append(_("未知的自定义字段：%(code)s") % {"code": code})
            continue
        try:
            value = coerce(definition, raw, org_id=org_id)
        except (ValueError, TypeError):
            problems.append(
                _("“%(label)s”的值无效（应为%(hint)s）。")
                % {"label": definition.display_label, "hint": _type_hint(definition)}
            )
            continue
        if value is None:
            result.pop(code, None)
        else:
            result[code] = value
    for definition in defs:
        if definition.required and result.get(definition.code) in (None, "", []):
            problems.append(_("“%(label)s”为必填项。") % {"label": definition.display_label})
    if problems:
        raise ValidationError({error_key: problems})
    return result


def display(definition, value, employees=None):
    """A stored value as people read it."""
    if value is None or value == "" or value == []:
        return ""
    kind = definition.field_type
    if kind == FieldType.BOOLEAN:
        return _("是") if value else _("否")
    if kind == FieldType.CHOICE:
        return definition.choice_label(value)
    if kind == FieldType.MULTI_CHOICE:
        return "、".join(definition.choice_label(code) for code in value)
    if kind == FieldType.EMPLOYEE:
        names = employees or {}
        return names.get(value, f"#{value}")
    return str(value)


def display_rows(custom, defs):
    """``[(definition, text)]`` for a detail page; one query when employees appear."""
    custom = custom or {}
    employee_ids = [
        custom[d.code] for d in defs if d.field_type == FieldType.EMPLOYEE and d.code in custom
    ]
    names = (
        dict(Employee.objects.filter(pk__in=employee_ids).values_list("pk", "name"))
        if employee_ids
        else {}
    )
    return [(d, display(d, custom.get(d.code), names)) for d in defs]


def form_fields(defs):
    """Django form fields for ``defs``, named ``cf_<code>``."""
    fields: dict[str, forms.Field] = {}
    for d in defs:
        common = {"label": d.display_label, "required": d.required, "help_text": d.help_text}
        kind = d.field_type
        choices = [(c["code"], d.choice_label(c["code"])) for c in d.choices]
        field: forms.Field
        if kind == FieldType.TEXT:
            field = forms.CharField(max_length=TEXT_MAX_LENGTH, **common)
        elif kind == FieldType.NUMBER:
            field = forms.DecimalField(max_digits=NUMBER_MAX_DIGITS, **common)
        elif kind == FieldType.MONEY:
            field = forms.DecimalField(max_digits=NUMBER_MAX_DIGITS, decimal_places=2, **common)
        elif kind == FieldType.DATE:
            field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        elif kind == FieldType.BOOLEAN:
            common["required"] = False
            field = forms.BooleanField(**common)
        elif kind == FieldType.CHOICE:
            field = forms.ChoiceField(choices=[("", "—"), *choices], **common)
        elif kind == FieldType.MULTI_CHOICE:
            field = forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        else:  # employee
            field = forms.ModelChoiceField(
                queryset=Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name"),
                **common,
            )
        fields[FORM_PREFIX + d.code] = field
    return fields


def form_initial(custom, defs):
    custom = custom or {}
    initial = {}
    for d in defs:
        if d.code in custom:
            value = custom[d.code]
            if d.field_type == FieldType.DATE:
                value = datetime.date.fromisoformat(value)
            initial[FORM_PREFIX + d.code] = value
    return initial


def values_from_form(cleaned_data, defs):
    """The ``cf_*`` entries of a form's cleaned_data as ``code → raw`` for clean_values."""
    values = {}
    for d in defs:
        name = FORM_PREFIX + d.code
        if name not in cleaned_data:
            continue
        value = cleaned_data[name]
        if isinstance(value, Employee):
            value = value.pk
        elif isinstance(value, decimal.Decimal):
            value = str(value)
        values[d.code] = value
    return values


def filter_q(defs, params):
    """A Q for ``cf_<code>=value`` parameters: text contains, other types equal.

    Unknown or invalid parameters are left out here; the list filters refuse invalid
    values before they get this far (``customers.filters``), so a list or an export
    never runs with a condition quietly dropped.
    """
    q = Q()
    for d in defs:
        raw = params.get(FORM_PREFIX + d.code)
        if raw in (None, ""):
            continue
        lookup = f"custom__{d.code}"
        if d.field_type == FieldType.TEXT:
            q &= Q(**{f"{lookup}__icontains": str(raw)})
            continue
        try:
            value = coerce(d, raw if d.field_type != FieldType.MULTI_CHOICE else [raw])
        except (ValueError, TypeError):
            continue
        if d.field_type == FieldType.MULTI_CHOICE:
            q &= Q(**{f"{lookup}__icontains": f'"{value[0]}"'})
        else:
            q &= Q(**{lookup: value})
    return q


def list_definitions(defs):
    """The fields an org chose to show as list columns."""
    return [d for d in defs if d.show_in_list]


def attach_cells(records, defs):
    """Set ``record.custom_cells`` — ``(label, text)`` in ``defs`` order — on each
    record; one query for all employee-type values."""
    employee_ids = {
        value
        for record in records
        for d in defs
        if d.field_type == FieldType.EMPLOYEE
        and (value := (record.custom or {}).get(d.code)) is not None
    }
    names = (
        dict(Employee.objects.filter(pk__in=employee_ids).values_list("pk", "name"))
        if employee_ids
        else {}
    )
    for record in records:
        custom = record.custom or {}
        record.custom_cells = [
            (d.display_label, display(d, custom.get(d.code), names)) for d in defs
        ]
    return records
