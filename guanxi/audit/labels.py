"""Labels for audit keys that are not model fields.

Most audit entries store model fields, which the audit screens label with the field's
verbose name. Some entries store other keys: a handover's summary on the employee handing
over (``handover_to``, ``handover_moved``…), for instance. The module that writes such
keys registers their labels here, in its ``AppConfig.ready()``::

    labels.register("orgs.employee", {
        "handover_scope": labels.Key(_("移交范围"), values={"all": _("全部客户")}),
        "handover_moved": labels.Key(_("移交数量"), format=labels.counts(kinds)),
    })

A key's stored value shows as one of its ``values`` (codes such as a scope), through its
``format`` (anything else), or like any other stored value (``{"id", "repr"}`` as the
name, lists joined…). A model field of the same name keeps its own label: the registry
only names what the model cannot. Registering again replaces the earlier labels of those
keys, so re-running ``ready()`` (tests, autoreload) is harmless.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation


@dataclass(frozen=True)
class Key:
    label: Any  # lazy translated text
    # stored code -> lazy translated label (a scope, a kind…)
    values: Mapping[Any, Any] = field(default_factory=dict)
    # stored value (never empty) -> text, for values the codes above do not cover
    format: Callable[[Any], str] | None = None


_keys: dict[str, dict[str, Key]] = {}


def register(entity: str, keys: Mapping[str, Key]) -> None:
    """Label the extra keys the audit entries of ``entity`` (``"orgs.employee"``) store."""
    _keys.setdefault(entity, {}).update(keys)


def unregister(entity: str, *names: str) -> None:
    """Forget the labels of ``names`` (all of the entity's without names); for tests."""
    if not names:
        _keys.pop(entity, None)
        return
    for name in names:
        _keys.get(entity, {}).pop(name, None)


def key(entity: str, name: str) -> Key | None:
    return _keys.get(entity, {}).get(name)


def counts(names: Callable[[], Mapping[str, Any]], *, always=()) -> Callable[[Any], str]:
    """A ``format`` for ``{kind: number}`` values: "客户 3、关怀任务 1" ("Customers 3,
    Care tasks 1" in English), each kind named by ``names()`` (read when shown, so kinds
    registered later are named too) or by its key when unknown. The kinds come in the
    order of ``names()``, unknown ones after: the stored order is not kept everywhere
    (PostgreSQL's jsonb orders keys by length). A kind with nothing (0) is left out unless
    it is one of ``always``: with a dozen modules counting, the zeros would hide the
    kinds that moved."""

    def text(value):
        if not isinstance(value, Mapping):
            return str(value)
        known = names()
        order = {kind: index for index, kind in enumerate(known)}
        shown = [kind for kind in value if value[kind] != 0 or kind in always]
        kinds = sorted(shown, key=lambda kind: (order.get(kind, len(order)), str(kind)))
        separator = "、" if (translation.get_language() or "zh").startswith("zh") else ", "
        return separator.join(f"{known.get(kind, kind)} {value[kind]}" for kind in kinds)

    return text
