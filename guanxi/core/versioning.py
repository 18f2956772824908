"""Optimistic locking for records that several people edit."""

from django.db.models import F

from guanxi.core.errors import StaleVersion


def lock_for_update(model, pk, *, expected_version=None):
    """Lock ``model`` row ``pk`` for this transaction; refuse a stale edit.

    Must run inside ``transaction.atomic()``. ``expected_version`` is the
    version the editor loaded; ``None`` skips the check (internal updates).
    """
    instance = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and int(expected_version) != instance.version:
        raise StaleVersion()
    return instance


def bump_version(instance):
    """Mark ``instance`` as changed: the next save stores version + 1."""
    instance.version = F("version") + 1
