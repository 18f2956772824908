"""Turning stored audit values into text people can read.

A ``ChangeRecord`` stores raw values: foreign keys as ``{"id", "repr"}``,
many-to-many as lists of those, dates as ISO strings, choices as their codes.
Here they become labels in the reader's language: the field's verbose name,
the choice's label, the related record's name, lists joined with "、".

A model may name fields whose history only some people may read::

    AUDIT_SENSITIVE = {"cost": "special.view_cost", "mobile": "special.view_full_phone"}

Without that capability the values show as ``***`` (phone numbers are masked
the usual way, 138****5678), in the pages, the history component and exports.

Keys that are not model fields (a handover's summary, say) are labelled by what the
module writing them registered in ``guanxi.audit.labels``; unregistered ones show as
stored.
"""

import datetime
import json
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import labels
from guanxi.core.models import OrgOwned
from guanxi.orgs import policy

EMPTY = "—"
HIDDEN = "***"
PHONE_CAPABILITY = "special.view_full_phone"
AUDIT_ENTITIES = ("audit.changerecord", "audit.loginrecord", "audit.exportrecord")

# names for entities whose models carry no verbose name of their own
ENTITY_LABELS = {
    "audit.changerecord": gettext_lazy("审计变更日志"),
    "audit.loginrecord": gettext_lazy("登录日志"),
    "audit.exportrecord": gettext_lazy("导出记录"),
}

LOGIN_REASONS = {
    "unknown_user": gettext_lazy("用户名不存在"),
    "password": gettext_lazy("密码错误"),
    "locked": gettext_lazy("账户已锁定"),
    "inactive": gettext_lazy("账户已停用"),
    "otp_invalid": gettext_lazy("两步验证码错误"),
}
LOGIN_CHANNELS = {"web": gettext_lazy("网页"), "api": gettext_lazy("API")}


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


def model_for(entity):
    """The model class stored as ``entity`` (``"orgs.department"``), or None."""
    try:
        return apps.get_model(entity)
    except (LookupError, ValueError):
        return None


def entity_label(entity):
    if entity in ENTITY_LABELS:
        return ENTITY_LABELS[entity]
    model = model_for(entity)
    if model is not None and "verbose_name" in model._meta.original_attrs:
        return model._meta.verbose_name
    return entity


def entity_choices(*, include_audit=False):
    """(entity, label) of every named org-owned model, for filters (no query)."""
    choices = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if not issubclass(model, OrgOwned):
            continue
        if label in AUDIT_ENTITIES:
            if include_audit:
                choices.append((label, str(entity_label(label))))
        elif "verbose_name" in model._meta.original_attrs:
            choices.append((label, str(entity_label(label))))
    return sorted(choices, key=lambda choice: (choice[1], choice[0]))


def field_of(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(model, name):
    field = field_of(model, name)
    return str(getattr(field, "verbose_name", None) or name)


def _datetime_text(value):
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "Y-m-d H:i")


def format_value(value, field=None):
    """One stored value as text (``—`` when empty)."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, dict) and "repr" in value:
        return str(value["repr"]) or EMPTY
    if isinstance(value, list):
        return "、".join(format_value(item) for item in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None:
        if isinstance(value, str | int) and getattr(field, "flatchoices", None):
            labels = {key: label for key, label in field.flatchoices}
            if value in labels:
                return str(labels[value])
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            return _datetime_text(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def format_extra(value, key):
    """One stored value of a registered non-field key (``labels.Key``) as text."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    try:
        if value in key.values:
            return str(key.values[value])
    except TypeError:  # unhashable (a dict, a list): not a code
        pass
    if key.format is not None and not (isinstance(value, dict) and "repr" in value):
        return key.format(value)
    return format_value(value)


def _guard(model, name, employee):
    """A function that hides a value from ``employee`` when the field is sensitive."""
    capability = (getattr(model, "AUDIT_SENSITIVE", None) or {}).get(name)
    if not capability or (employee is not None and policy.can(employee, capability)):
        return None
    if capability == PHONE_CAPABILITY:
        return lambda text: text if text == EMPTY else policy.mask_phone(employee, text)
    return lambda text: text if text == EMPTY else HIDDEN


def describe_changes(record, *, employee, model=None):
    """The field changes of one ``ChangeRecord`` as readable ``FieldChange`` rows."""
    model = model if model is not None else model_for(record.entity)
    rows = []
    for name, change in (record.changes or {}).items():
        if not isinstance(change, dict):
            change = {"old": None, "new": change}
        field = field_of(model, name)
        extra = labels.key(record.entity, name) if field is None else None
        if extra is not None:
            old, new = (
                format_extra(change.get("old"), extra),
                format_extra(change.get("new"), extra),
            )
            label = str(extra.label)
        else:
            old = format_value(change.get("old"), field)
            new = format_value(change.get("new"), field)
            label = field_label(model, name)
        guard = _guard(model, name, employee)
        if guard is not None:
            old, new = guard(old), guard(new)
        rows.append(FieldChange(name=name, label=label, old=old, new=new))
    # by key, as the audit service stores them: PostgreSQL's jsonb keeps keys in an order
    # of its own, and the same entry should read the same on every database
    return sorted(rows, key=lambda row: row.name)


def present_changes(records, *, employee):
    """Give each record ``entity_label`` and ``field_changes`` for the templates."""
    models_by_entity = {}
    for record in records:
        if record.entity not in models_by_entity:
            models_by_entity[record.entity] = model_for(record.entity)
        record.entity_label = entity_label(record.entity)
        record.field_changes = describe_changes(
            record, employee=employee, model=models_by_entity[record.entity]
        )
    return records


def login_reason_label(reason):
    return LOGIN_REASONS.get(reason, reason) if reason else ""


def login_channel_label(channel):
    return LOGIN_CHANNELS.get(channel, channel)
