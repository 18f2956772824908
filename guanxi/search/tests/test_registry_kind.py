"""Another module's kind of record in the search index: registered through
``guanxi.search.registry`` like customers and contacts (``customers.indexing``), found
by GET /api/v1/search within its module's data scope, and gone again afterwards."""

from dataclasses import dataclass

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.search import index, registry
from guanxi.search.models import SearchEntry
from guanxi.search.selectors import search
from guanxi.search.tokens import Document

pytestmark = pytest.mark.django_db

KIND = "test_machine"


@dataclass
class Machine:
    """A record of the fake module: installed machines at customers."""

    pk: int
    name: str
    serial: str
    owner_id: int
    department_id: int | None
    org_id: int


@pytest.fixture
def machines(world):
    """The fake kind's records, keyed by id, and the kind registered for them."""
    org, a, b = world.org.pk, world.rep_a, world.rep_b
    rows = {
        1: Machine(1, "西湖茶业包装机", "SN-2024-0001", a.pk, a.department_id, org),
        2: Machine(2, "钱塘机械冷库压缩机", "SN-2024-0002", b.pk, b.department_id, org),
        3: Machine(3, "西湖茶业烘干机", "SN-2025-0003", a.pk, a.department_id, org),
    }

    def documents(ids):
        for pk in ids:
            machine = rows.get(pk)
            if machine is None:  # gone: refresh() removes its entry
                continue
            yield Document(
                kind=KIND,
                object_id=machine.pk,
                title=machine.name,
                subtitle=machine.serial,
                module="customers",  # its data scope is the customers'
                url_name="customers:customer_detail",
                url_arg=machine.pk,
                owner_id=machine.owner_id,
                department_id=machine.department_id,
                names=[machine.name],
                codes=[machine.serial],
            )

    def all_ids():
        return sorted(rows)

    assert KIND not in {kind.name for kind in registry.kinds()}
    registry.register(
        KIND, label="设备", module="customers", documents=documents, all_ids=all_ids, order=5
    )
    try:
        yield rows
    finally:
        registry._KINDS.pop(KIND, None)  # the registry has no unregister
    assert KIND not in {kind.name for kind in registry.kinds()}


def _items(client, q):
    return [
        (item["type"], item["title"], item["subtitle"], item["url"])
        for item in client.get("/api/v1/search", {"q": q}).json()["items"]
    ]


def test_a_registered_kind_is_found_through_the_api(world, api, machines):
    assert registry.get(KIND).module == "customers"
    assert [kind.name for kind in registry.kinds()][:3] == [KIND, "customer", "contact"]
    with org_scope(world.org):
        index.refresh(KIND, list(machines))
        assert SearchEntry.objects.filter(kind=KIND).count() == 3
    manager = api(world.manager)
    found = _items(manager, "西湖茶业")
    assert found == [
        (KIND, "西湖茶业烘干机", "SN-2025-0003", "/customers/3/"),
        (KIND, "西湖茶业包装机", "SN-2024-0001", "/customers/1/"),
    ]  # the title starts with the query: newest first
    assert _items(manager, "XHCY")[0][1] in {"西湖茶业烘干机", "西湖茶业包装机"}  # pinyin
    assert [t for _k, t, _s, _u in _items(manager, "sn-2024-0002")] == ["钱塘机械冷库压缩机"]
    assert _items(manager, "qiantang")[0][1] == "钱塘机械冷库压缩机"
    # the kind's records follow the module's data scope: rep_b sees only his machine
    assert [t for _k, t, _s, _u in _items(api(world.rep_b), "机")] == []  # one character
    assert [t for _k, t, _s, _u in _items(api(world.rep_b), "SN-20")] == ["钱塘机械冷库压缩机"]
    assert _items(api(world.rep_b), "西湖茶业") == []
    # and the search page shows the kind under its label
    with org_scope(world.org):
        hits = search(employee=world.manager, query="烘干")
    assert [(h.kind, h.kind_label, h.title) for h in hits] == [(KIND, "设备", "西湖茶业烘干机")]


def test_refresh_follows_changes_and_removals_and_rebuild_reindexes(
    world, other_world, api, machines
):
    with org_scope(world.org):
        index.refresh(KIND, list(machines))
    machines[1].name = "灵隐寺香炉"
    del machines[3]
    with org_scope(world.org):
        index.refresh(KIND, [1, 3])
    manager = api(world.manager)
    assert _items(manager, "西湖茶业") == []
    assert [t for _k, t, _s, _u in _items(manager, "香炉")] == ["灵隐寺香炉"]
    # a lost index comes back from all_ids()
    with org_scope(world.org):
        SearchEntry.objects.filter(kind=KIND).delete()
        assert _items(manager, "香炉") == []
        assert index.rebuild(kind=KIND) == 2
    assert [t for _k, t, _s, _u in _items(manager, "香炉")] == ["灵隐寺香炉"]
    # the entries belong to the org they were written in
    assert _items(api(other_world.admin), "香炉") == []


def test_an_unknown_url_name_still_gives_a_hit(world, api, machines):
    """A module may index records whose screen does not exist yet: the hit has no link."""

    def documents(ids):
        for pk in ids:
            yield Document(
                kind=KIND, object_id=pk, title=f"未上线的记录{pk}", module="customers",
                url_name="nowhere:missing", url_arg=pk, owner_id=world.rep_a.pk,
                names=[f"未上线的记录{pk}"],
            )  # fmt: skip

    registry.register(
        KIND, label="设备", module="customers", documents=documents, all_ids=lambda: [7]
    )
    with org_scope(world.org):
        index.refresh(KIND, [7])
    assert _items(api(world.rep_a), "未上线") == [(KIND, "未上线的记录7", "", "")]


def test_nothing_of_the_kind_is_left_behind():
    """Runs in any order with the tests above: the registry holds only the real kinds."""
    names = {kind.name for kind in registry.kinds()}
    assert KIND not in names and {"customer", "contact"} <= names
