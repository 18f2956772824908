"""Taking an import back.

An import commits chunk by chunk (``engine.Importer``), and each chunk leaves an
``ImportChunk`` in the same transaction: the customers it created, the contacts it
added to existing customers, and the full rows of the records it changed as they
were before. ``take_back`` undoes the chunks, newest first, each in a transaction
of its own that also deletes the chunk record, so an undo that is interrupted
carries on where it stopped the next time.

Two ways: an import that must not half-happen (a wrong row, a failure) deletes
what it created outright, moments after writing it; an import the user undoes
later (``to_bin``) moves what it created to the recycle bin, like a delete by
hand, audited, so whatever others attached to those customers meanwhile can be
brought back with them.

A changed record is put back only when nobody saved it after the import did (its
``version`` is still the one the import left); otherwise it is left as it is and
counted, because putting it back would throw away that person's work.
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.customers import indexing
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer, LifecycleChange
from guanxi.transfer.models import ImportChunk

MODELS: dict[str, Any] = {"customer": Customer, "contact": Contact}
AUDITED = {
    "customer": customer_services.CUSTOMER_FIELDS,
    "contact": customer_services.CONTACT_FIELDS,
}
# set anew by a restore, never copied from the saved row
NOT_RESTORED = ("id", "org_id", "created_at", "updated_at", "version")


def _columns(model):
    return {f.attname: f for f in model._meta.concrete_fields if f.attname not in NOT_RESTORED}


def row_state(model_key, pk):
    """The columns of one record as JSON-safe values (what ``Journal.changed`` keeps),
    read under the row lock the change that follows takes anyway: nobody can slip a save
    in between, which putting the row back would then undo."""
    model = MODELS[model_key]
    values = model._base_manager.select_for_update().filter(pk=pk).values(*_columns(model)).get()
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


class Journal:
    """What the chunk being written has done so far; ``save`` stores it in the
    chunk's transaction."""

    def __init__(self, batch):
        self.batch = batch
        self.reset()

    def reset(self):
        self.customers: list[int] = []
        self.contacts: list[int] = []
        self.changed: list[dict] = []

    def save(self):
        if self.customers or self.contacts or self.changed:
            ImportChunk.objects.create(
                org_id=self.batch.org_id,
                batch=self.batch,
                customers=self.customers,
                contacts=self.contacts,
                changed=self.changed,
            )
        self.reset()


def take_back(batch, actor, *, to_bin=False, advance=None):
    """Undo every chunk the import ``batch`` committed; returns ``{"deleted",
    "restored", "kept"}``: customers and contacts removed (moved to the recycle bin
    when ``to_bin``), records put back, records left as they are because someone
    saved them after the import. ``advance()`` is called after each chunk."""
    counts = {"deleted": 0, "restored": 0, "kept": 0}
    expected: dict[tuple[str, int], int] = {}  # the version a record has after our restore
    chunk_ids = list(
        ImportChunk.objects.filter(batch=batch).order_by("-id").values_list("pk", flat=True)
    )
    remove = _to_bin if to_bin else _delete
    for chunk_id in chunk_ids:
        with transaction.atomic():
            chunk = ImportChunk.objects.select_for_update().filter(pk=chunk_id).first()
            if chunk is None:  # undone meanwhile by another run
                continue
            for entry in reversed(chunk.changed):
                _restore(entry, expected, counts, actor)
            counts["deleted"] += remove(Contact, chunk.contacts, actor)
            counts["deleted"] += remove(Customer, chunk.customers, actor)
            chunk.delete()
        if advance is not None:
            advance()
    return counts


def _unindex(model, ids):
    if model is Customer:
        indexing.unindex_customers(ids)
    else:
        indexing.unindex_contacts(ids)


def _delete(model, ids, actor):
    if not ids:
        return 0
    ids = list(model._base_manager.filter(pk__in=ids).values_list("pk", flat=True))
    if ids:
        _unindex(model, ids)
        model._base_manager.filter(pk__in=ids).delete()
    return len(ids)


RELATED = {"customer": ("owner", "department", "parent"),
           "contact": ("customer", "owner", "owner_department", "manager")}  # fmt: skip


def _to_bin(model, ids, actor):
    """Move the records still live to the recycle bin, as ``customer_delete`` and
    ``contact_delete`` do one by one: a customer's contacts go with it, the search
    entries go, and each record gets a "deleted" audit entry (one insert)."""
    if not ids:
        return 0
    key = "customer" if model is Customer else "contact"
    live = list(
        model._base_manager.filter(pk__in=ids, deleted_at__isnull=True).select_related(
            *RELATED[key]
        )
    )
    if not live:
        return 0
    pks = [record.pk for record in live]
    now = timezone.now()
    _unindex(model, pks)
    if model is Customer:
        model._base_manager.filter(pk__in=pks).update(deleted_at=now)
        Contact._base_manager.filter(customer_id__in=pks, deleted_at__isnull=True).update(
            deleted_at=now
        )
    else:  # as contact_delete: a contact in the bin is nobody's primary contact
        model._base_manager.filter(pk__in=pks).update(deleted_at=now, is_primary=False)
    entity = audit.entity_of(model)
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                org_id=record.org_id,
                actor=actor,
                actor_name=str(actor) if actor else "",
                entity=entity,
                object_id=str(record.pk),
                object_repr=str(record)[:200],
                action=ChangeRecord.Action.DELETE,
                changes=audit.diff(audit.snapshot(record, AUDITED[key]), {}),
            )
            for record in live
        ],
        batch_size=1000,
    )
    return len(live)


def _restore(entry, expected, counts, actor):
    key = (entry["model"], entry["id"])
    model = MODELS[entry["model"]]
    wanted = expected.get(key, entry["version"])
    current = model._base_manager.filter(pk=entry["id"]).first()
    if current is None or current.version != wanted:
        counts["kept"] += 1
        expected[key] = -1  # changed by someone else: its earlier states stay too
        return
    fields = audit.snapshot(current, AUDITED[entry["model"]])
    columns = _columns(model)
    values = {name: columns[name].to_python(value) for name, value in entry["row"].items()
              if name in columns}  # fmt: skip
    model._base_manager.filter(pk=current.pk, version=wanted).update(
        **values, version=wanted + 1, updated_at=timezone.now()
    )
    expected[key] = wanted + 1
    restored = model._base_manager.get(pk=current.pk)
    if entry["model"] == "customer":
        if restored.lifecycle_stage != current.lifecycle_stage:
            LifecycleChange.objects.create(
                org_id=restored.org_id,
                customer=restored,
                from_stage=current.lifecycle_stage,
                to_stage=restored.lifecycle_stage,
                reason=LifecycleChange.Reason.MANUAL,
                actor=actor,
            )
        indexing.index_customers([restored.pk])
    else:
        indexing.index_contacts([restored.pk])
    audit.record_change(
        actor=actor,
        instance=restored,
        action=ChangeRecord.Action.UPDATE,
        before=fields,
        after=audit.snapshot(restored, AUDITED[entry["model"]]),
    )
    counts["restored"] += 1
