"""Reads of the audit trail, scoped to the request's org and checked by ``policy``."""

import base64
import binascii
import datetime
from dataclasses import dataclass

from django.db.models import Q

from guanxi.audit.models import ChangeRecord, ExportRecord, LoginRecord
from guanxi.audit.services import entity_of
from guanxi.orgs import policy

PAGE_SIZE = 50
COUNT_CAP = 10_000


def change_list(*, employee):
    """The org's change log, newest first (``audit.view``)."""
    policy.require(employee, "audit.view")
    return ChangeRecord.objects.order_by("-created_at", "-id")


def login_list(*, employee):
    """The org's sign-in attempts, newest first (``audit.view``)."""
    policy.require(employee, "audit.view")
    return LoginRecord.objects.order_by("-created_at", "-id")


def export_list(*, employee):
    """Who exported what from the org, newest first (``audit.view``)."""
    policy.require(employee, "audit.view")
    return ExportRecord.objects.order_by("-created_at", "-id")


def history_for(instance, *, limit=50):
    """The latest ``limit`` changes of one record, newest first, in one query.

    No permission check: the page showing ``instance`` has already decided the
    reader may see it. Scoped to the record's org as well as the open scope.
    """
    return list(
        ChangeRecord.objects.filter(
            org_id=instance.org_id, entity=entity_of(instance), object_id=str(instance.pk)
        ).order_by("-created_at", "-id")[:limit]
    )


# ---- keyset pagination (newest first by created_at, id) -------------------------------


@dataclass(frozen=True)
class KeysetPage:
    items: list
    next_cursor: str | None
    is_first: bool


def encode_cursor(record):
    raw = f"{record.created_at.isoformat()}|{record.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """``(created_at, id)`` from a cursor; None for a missing or damaged one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|", 1)
        return datetime.datetime.fromisoformat(moment), int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def keyset_page(queryset, cursor=None, *, size=PAGE_SIZE):
    """One page of ``queryset`` after ``cursor``; as fast on page 20,000 as on page 1."""
    position = decode_cursor(cursor)
    if position is not None:
        moment, pk = position
        queryset = queryset.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(queryset.order_by("-created_at", "-id")[: size + 1])
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return KeysetPage(items=rows[:size], next_cursor=next_cursor, is_first=position is None)


def capped_count(queryset, cap=COUNT_CAP):
    """How many rows, counting at most ``cap + 1`` (shown as "10,000+")."""
    return queryset.order_by()[: cap + 1].count()
