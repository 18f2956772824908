"""Writes to the search index. Modules call these from their own services, inside
the same transaction as the write they index, so the index never disagrees with
the records after a commit.

    index.put(documents)            add or replace these records' entries
    index.remove(kind, ids)         drop them (deleted, merged away...)
    index.refresh(kind, ids)        ask the kind for the records' documents and put or
                                    remove each (what services usually call)
    index.rebuild(kind=None)        every record of the current org, in batches
"""

from collections.abc import Callable, Iterable
from types import SimpleNamespace

from django.db import transaction

from guanxi.core import bulkwrite
from guanxi.core.tenancy import current_org_id
from guanxi.search import registry
from guanxi.search.models import SearchEntry
from guanxi.search.tokens import Document, document_tokens

BATCH = 2000


def _values(doc: Document, org_id: int) -> dict:
    """The columns of a document's entry."""
    text, tokens = document_tokens(doc, org_id)
    return {
        "org_id": org_id,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "module": doc.module,
        "owner_id": doc.owner_id,
        "department_id": doc.department_id,
        "title": doc.title[:200],
        "subtitle": (doc.subtitle or "")[:200],
        "url_name": doc.url_name,
        "url_arg": doc.url_arg,
        "text": text,
        "tokens": tokens,
    }


def _entry(doc: Document, org_id: int) -> SearchEntry:
    return SearchEntry(**_values(doc, org_id))


def _org_id() -> int:
    org_id = current_org_id()
    if org_id is None:
        raise RuntimeError("the search index is written inside org_scope()")
    return org_id


@transaction.atomic
def put(documents: Iterable[Document]) -> int:
    """Add or replace the entries of ``documents`` (all of the current org)."""
    org_id = _org_id()
    entries = [_entry(doc, org_id) for doc in documents]
    by_kind: dict[str, list[int]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry.object_id)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), BATCH):
            SearchEntry.objects.filter(kind=kind, object_id__in=ids[start : start + BATCH]).delete()
    SearchEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def add(documents: Iterable[Document]) -> int:
    """Add the entries of records that have none yet (just created: a bulk import),
    written straight to the table (``core.bulkwrite``): no model instance per entry."""
    org_id = _org_id()
    rows = [
        SimpleNamespace(id=None, created_at=None, updated_at=None, **_values(doc, org_id))
        for doc in documents
    ]
    with transaction.atomic():
        bulkwrite.insert(SearchEntry, rows)
    return len(rows)


@transaction.atomic
def remove(kind: str, ids: Iterable[int]) -> int:
    ids = sorted({int(pk) for pk in ids})
    removed = 0
    for start in range(0, len(ids), BATCH):
        removed += SearchEntry.objects.filter(
            kind=kind, object_id__in=ids[start : start + BATCH]
        ).delete()[0]
    return removed


@transaction.atomic
def refresh(kind: str, ids: Iterable[int]) -> None:
    """Put the records of ``kind`` that should be found; remove the others."""
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return
    documents = list(registry.get(kind).documents(ids))
    found = {doc.object_id for doc in documents}
    remove(kind, [pk for pk in ids if pk not in found])
    put(documents)


def rebuild(kind: str | None = None, progress: Callable[[str, int], None] | None = None) -> int:
    """Re-index every record of the current org (one kind or all), batch by batch."""
    total = 0
    for item in registry.kinds():
        if kind and item.name != kind:
            continue
        with transaction.atomic():
            SearchEntry.objects.filter(kind=item.name).delete()
        batch: list[int] = []
        for pk in item.all_ids():
            batch.append(pk)
            if len(batch) >= BATCH:
                total += _put_batch(item, batch)
                batch = []
                if progress:
                    progress(item.name, total)
        if batch:
            total += _put_batch(item, batch)
        if progress:
            progress(item.name, total)
    return total


@transaction.atomic
def _put_batch(kind: registry.Kind, ids: list[int]) -> int:
    return put(kind.documents(ids))
