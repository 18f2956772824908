"""Writing many new rows of one model at once, without the ORM's per-value work.

``bulk_create`` prepares every value of every row through its field (a method call
per value) and builds one big statement per batch; for an import of a million rows
that is most of the time. ``insert`` does what ``bulk_create`` does for plain new
rows — ids from the table's own sequence, ``auto_now``/``auto_now_add`` times, the
database form of dates, decimals and JSON — and hands the rows to the driver in
one go: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

    insert(Model, objects)      give each unsaved object an id and write them; returns the ids

The objects are model instances, or any objects with an attribute per column
(``attname``: ``org_id``, not ``org``), which spares building model instances for
rows nobody reads back.

It writes what the objects hold and nothing else: no ``save()``, no signals, no
model validation (the caller has checked the objects). It runs inside the
caller's transaction, which must be open: on SQLite the project's transactions
take the write lock when they begin (``transaction_mode`` IMMEDIATE), so the ids
it reads off the table cannot be taken by another writer before it writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection as default_connection
from django.db import models
from django.utils import timezone

# values the drivers take as they are
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.ForeignKey,
)
_TEXT = (models.CharField, models.TextField)
CHUNK = 5000


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else str(value)


def _converter(field: models.Field, connection) -> Callable[[Any], Any] | None:
    """How a value of ``field`` becomes what the driver is given (None: as it is)."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def dump(value):
            return None if value is None else json.dumps(value, cls=encoder, ensure_ascii=False)

        return dump
    if isinstance(field, _TEXT):
        return _text
    if isinstance(field, _PLAIN):
        return None
    if connection.vendor == "postgresql" and isinstance(
        field, models.DateTimeField | models.DateField | models.DecimalField
    ):
        return None  # psycopg writes these itself

    last = [object(), None]  # the previous value and its form: row after row holds the same time

    def prepare(value):
        if value is None:
            return None
        if value is not last[0]:
            last[0], last[1] = value, field.get_db_prep_save(value, connection)
        return last[1]

    return prepare


def _reserve_ids(model: type[models.Model], count: int, connection) -> list[int]:
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # AUTOINCREMENT: the next id is past both the highest id and the highest ever used
        # (table and column names come from the model, quoted)
        pk_column, table_name = connection.ops.quote_name(pk), connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX({pk_column}), 0) FROM {table_name}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        used = cursor.fetchone()
        top = max(highest, used[0] if used else 0)
    return list(range(top + 1, top + 1 + count))


def insert(model: type[models.Model], objects: Sequence[Any], *, connection=None):
    """Write ``objects`` (new, unsaved) as new rows; each gets its ``pk``. Returns the ids."""
    connection = connection or default_connection
    if not objects:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("bulkwrite.insert runs inside transaction.atomic()")
    fields = list(model._meta.concrete_fields)
    pk_name = model._meta.pk.attname
    now = timezone.now()
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    ids = _reserve_ids(model, len(objects), connection)
    for obj, pk in zip(objects, ids, strict=True):
        setattr(obj, pk_name, pk)
        for name in stamped:
            setattr(obj, name, now)
        if isinstance(obj, models.Model):
            obj._state.adding = False
            obj._state.db = connection.alias
    getter = attrgetter(*(f.attname for f in fields))
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f, connection))]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    connection.ensure_connection()
    raw = connection.connection
    for start in range(0, len(objects), CHUNK):
        rows = []
        for obj in objects[start : start + CHUNK]:
            row = list(getter(obj))
            for index, convert in converters:
                row[index] = convert(row[index])
            rows.append(row)
        if connection.vendor == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            raw.executemany(sql, rows)
    return ids
