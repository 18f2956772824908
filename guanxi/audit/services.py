"""Writing audit records. Services call these inside their own transaction."""

import datetime
import decimal

from django.db import models

from guanxi.audit.models import ChangeRecord, ExportRecord, LoginRecord


def _plain(value):
    if isinstance(value, models.Model):
        return {"id": value.pk, "repr": str(value)}
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return value


def snapshot(instance, fields):
    """The audit-relevant state of ``instance``: field name -> JSON-safe value.

    Foreign keys are stored as ``{"id", "repr"}``; many-to-many as a sorted list
    of those (one query per m2m field).
    """
    data = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            related = sorted(getattr(instance, name).all(), key=lambda obj: obj.pk)
            data[name] = [_plain(obj) for obj in related]
        elif field.is_relation:
            data[name] = _plain(getattr(instance, name))
        else:
            data[name] = _plain(getattr(instance, field.attname))
    return data


def diff(before, after):
    return {
        name: {"old": before.get(name), "new": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def entity_of(instance):
    return instance._meta.label_lower


def record_change(*, actor, instance, action, before=None, after=None):
    """Store one change of ``instance``; an update that changed nothing is not stored."""
    changes = diff(before or {}, after or {})
    if action == ChangeRecord.Action.UPDATE and not changes:
        return None
    return ChangeRecord.objects.create(
        org_id=instance.org_id,
        actor=actor,
        actor_name=str(actor) if actor else "",
        entity=entity_of(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        changes=changes,
    )


def save_if_changed(*, actor, instance, before, after):
    """Save an edited record whose audited state went from ``before`` to ``after``
    (snapshots), moving its optimistic-lock ``version`` on and logging the update; nothing
    at all when the state is unchanged. Returns whether it saved."""
    if after == before:
        return False
    instance.version += 1
    instance.save()
    record_change(
        actor=actor, instance=instance, action=ChangeRecord.Action.UPDATE, before=before,
        after=after,
    )  # fmt: skip
    return True


def record_changes(*, actor, model, rows, batch_size=1000):
    """Store an update of many records of ``model`` at once: what ``record_change``
    stores one by one, for services that change many rows in one statement. ``rows``:
    ``(org_id, pk, repr, before, after)``, ``before``/``after`` as for ``diff``. One
    INSERT per ``batch_size`` rows; ``actor`` None stands for the system."""
    entity = entity_of(model)
    actor_name = str(actor) if actor else ""
    return ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                org_id=org_id,
                actor=actor,
                actor_name=actor_name,
                entity=entity,
                object_id=str(pk),
                object_repr=str(name)[:200],
                action=ChangeRecord.Action.UPDATE,
                changes=diff(before, after),
            )
            for org_id, pk, name, before, after in rows
        ],
        batch_size=batch_size,
    )


def record_login(
    *, org_id, user, username, success, reason="", channel="web", ip=None, user_agent=""
):
    return LoginRecord.objects.create(
        org_id=org_id,
        user=user,
        username=username[:60],
        success=success,
        reason=reason,
        channel=channel,
        ip=ip,
        user_agent=(user_agent or "")[:300],
    )


def record_export(*, actor, entity, row_count, file_format, filters=None):
    return ExportRecord.objects.create(
        org_id=actor.org_id,
        actor=actor,
        actor_name=str(actor),
        entity=entity,
        row_count=row_count,
        file_format=file_format,
        filters=filters or {},
    )
