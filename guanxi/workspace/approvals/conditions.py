"""Flow conditions: clauses ``{"variable", "op", "value"}`` that must all hold.

``clean`` checks clauses against a document type's variables and returns them in their
stored form (numbers as decimal strings, ``in`` as a list); ``holds`` tests stored
clauses against a record's values (``DocumentType.values_of``).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanxi.workspace.approvals import registry

OPS = (">", ">=", "<", "<=", "=", "!=", "in")
ORDER_OPS = (">", ">=", "<", "<=")
MAX_CLAUSES = 20
MAX_IN_VALUES = 50
TEXT_LENGTH = 200


def _number(value):
    if isinstance(value, bool):
        raise InvalidOperation
    number = Decimal(str(value).strip().replace(",", ""))
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise InvalidOperation
    return number


def _items(value):
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value).replace("，", ",").split(",") if part.strip()]


def _clean_value(variable, op, value):
    """The stored form of one clause's value, or ValidationError with the reason."""
    if variable.type != registry.NUMBER and op in ORDER_OPS:
        raise ValidationError(_("“%(op)s”只能用于数值。") % {"op": op})
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(_("请填写比较的值。"))
    values = _items(value) if op == "in" else [value]
    if op == "in" and not values:
        raise ValidationError(_("请填写比较的值。"))
    if len(values) > MAX_IN_VALUES:
        raise ValidationError(_("最多 %(n)d 个值。") % {"n": MAX_IN_VALUES})
    cleaned = []
    for item in values:
        if variable.type == registry.NUMBER:
            try:
                cleaned.append(str(_number(item)))
            except (InvalidOperation, ValueError) as exc:
                raise ValidationError(_("“%(value)s”不是有效的数字。") % {"value": item}) from exc
        elif variable.type == registry.CHOICE:
            codes = [str(code) for code, _label in variable.choices]
            labels = {str(label): str(code) for code, label in variable.choices}
            text = str(item).strip()
            if text in codes:
                cleaned.append(text)
            elif text in labels:
                cleaned.append(labels[text])
            else:
                raise ValidationError(_("“%(value)s”不是有效的选项。") % {"value": text})
        else:
            text = str(item).strip()
            if len(text) > TEXT_LENGTH:
                raise ValidationError(_("不能超过 %(n)d 字。") % {"n": TEXT_LENGTH})
            cleaned.append(text)
    return cleaned if op == "in" else cleaned[0]


def clean(document, clauses):
    """Check ``clauses`` against ``document``'s variables; returns the stored form or
    raises ``ValidationError({"conditions": [...]})`` naming each bad clause."""
    if clauses in (None, ""):
        return []
    if not isinstance(clauses, list):
        raise ValidationError({"conditions": [_("条件必须是列表。")]})
    if len(clauses) > MAX_CLAUSES:
        raise ValidationError({"conditions": [_("最多 %(n)d 个条件。") % {"n": MAX_CLAUSES}]})
    errors = []
    cleaned = []
    for number, clause in enumerate(clauses, start=1):
        if not isinstance(clause, dict):
            errors.append(_("第 %(n)d 个条件格式不对。") % {"n": number})
            continue
        name = clause.get("variable")
        op = clause.get("op")
        variable = document.variables.get(name) if isinstance(name, str) else None
        if variable is None:
            errors.append(_("第 %(n)d 个条件：没有这个条件项。") % {"n": number})
            continue
        if op not in OPS:
            errors.append(_("第 %(n)d 个条件：不支持的比较方式。") % {"n": number})
            continue
        try:
            value = _clean_value(variable, op, clause.get("value"))
        except ValidationError as exc:
            errors.append(
                _("第 %(n)d 个条件：%(reason)s") % {"n": number, "reason": exc.messages[0]}
            )
            continue
        cleaned.append({"variable": name, "op": op, "value": value})
    if errors:
        raise ValidationError({"conditions": errors})
    return cleaned


def _compare(variable_type, actual, op, expected):
    if variable_type == registry.NUMBER:
        try:
            left = _number(actual)
        except (InvalidOperation, ValueError):
            return op == "!="
        if op == "in":
            return any(left == _number(item) for item in expected)
        right = _number(expected)
        return {
            ">": left > right,
            ">=": left >= right,
            "<": left < right,
            "<=": left <= right,
            "=": left == right,
            "!=": left != right,
        }[op]
    left_text = str(actual)
    if op == "in":
        return left_text in [str(item) for item in expected]
    if op == "=":
        return left_text == str(expected)
    if op == "!=":
        return left_text != str(expected)
    return False


def holds(document, clauses, values):
    """Whether every clause holds for ``values``. A missing value (None) satisfies only
    ``!=``; a clause on a variable the document no longer has never holds."""
    for clause in clauses:
        variable = document.variables.get(clause.get("variable"))
        if variable is None:
            return False
        actual = values.get(clause["variable"])
        if actual is None or actual == "":
            if clause["op"] != "!=":
                return False
            continue
        if not _compare(variable.type, actual, clause["op"], clause["value"]):
            return False
    return True


def describe(document, clauses):
    """Clauses in words, e.g. ``金额 > 5000，类别 = 采购申请``."""
    parts = []
    for clause in clauses:
        variable = document.variables.get(clause.get("variable")) if document else None
        label = variable.label if variable else clause.get("variable")
        value = clause.get("value")
        if variable is not None and variable.type == registry.CHOICE:
            if isinstance(value, list):
                value = [variable.choice_label(item) for item in value]
            else:
                value = variable.choice_label(value)
        if isinstance(value, list):
            value = "、".join(str(item) for item in value)
        parts.append(f"{label} {clause.get('op')} {value}")
    return "，".join(parts)
