"""The kinds of record the search index holds, registered by the modules that own them.

A module registers each kind it indexes from its ``indexing`` module (imported
for every installed app when the search app is ready):

    registry.register("customer", label=..., module="customers", documents=...)

``documents(ids)`` yields the ``Document`` of each of those records that should
be in the index (within the current org scope); ``all_ids()`` lists every
record of the kind in the org, for a rebuild.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from guanxi.search.tokens import Document


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # a lazy translated string
    module: str
    documents: Callable[[list[int]], Iterable[Document]]
    all_ids: Callable[[], Iterable[int]]
    order: int = 100


_KINDS: dict[str, Kind] = {}


def register(name, *, label, module, documents, all_ids, order=100):
    _KINDS[name] = Kind(name, label, module, documents, all_ids, order)


def kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.name))


def get(name) -> Kind:
    return _KINDS[name]
