"""Search as an employee whose data scope covers many departments: the scope is then
checked on the entries' owner and department columns instead of OR-ing a token per
department (``query.SCOPE_TOKENS_MAX``). What is found must not change: the tree's
records and the employee's own, nothing of the other departments or of another org,
the same hits in the same order as the token way."""

from types import SimpleNamespace

import pytest
from django.db import connection

from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.tests.factories import DepartmentFactory, EmployeeFactory, role
from guanxi.search import query as fulltext
from guanxi.search import tokens as tk

pytestmark = pytest.mark.django_db

BRANCHES = 4  # offices under the region, each with teams
TEAMS = 3
# thirty trades, one per customer of the region, so that each name is its own
TRADES = [a + b for a, b in zip("电机纺化食建物医汽家服印包五陶玩灯塑钢水茶酒乳光环能软通教传",
                                "子械织工品材流药配具装刷装金瓷具饰料材泥叶业业电保源件信育媒",
                                strict=True)]  # fmt: skip


def _region(world, name):
    """A region under the org's root department: offices and their teams, more
    departments than ``SCOPE_TOKENS_MAX``, a head who sees the whole tree, a rep in
    each team who owns customers there."""
    with org_scope(world.org):
        region = DepartmentFactory(org=world.org, name=f"{name}大区", parent=world.root)
        head = EmployeeFactory(
            org=world.org, name=f"{name}总", department=region, roles=[role(world.org, "销售主管")]
        )
        reps = []
        for office_no in range(BRANCHES):
            office = DepartmentFactory(org=world.org, name=f"{name}办{office_no}", parent=region)
            for team_no in range(TEAMS):
                team = DepartmentFactory(
                    org=world.org, name=f"{name}办{office_no}组{team_no}", parent=office
                )
                reps.append(
                    EmployeeFactory(
                        org=world.org,
                        name=f"{name}代表{office_no}{team_no}",
                        department=team,
                        roles=[role(world.org, "销售代表")],
                    )
                )
        scope = policy.access_for(head).scope("customers")
    assert len(scope.department_ids) == 1 + BRANCHES * (1 + TEAMS) > fulltext.SCOPE_TOKENS_MAX
    return SimpleNamespace(region=region, head=head, reps=reps)


def _customer(world, actor, name, **fields):
    with org_scope(world.org):
        customer = services.customer_create(actor=actor, name=name, **fields)
        services.contact_create(
            actor=actor, customer=customer, name="孙丽", mobile=fields.get("phone", "")
        )
    return customer


@pytest.fixture
def region(world, other_world):
    """华南 region of org A with 30 远航 customers in its teams, 6 more in 华北组 (rep_b),
    one owned by the head but booked to the service department, and 5 of the same names
    in org B, whose own region head has as many departments."""
    south = _region(world, "华南")
    inside = []
    for n in range(30):
        rep = south.reps[n % len(south.reps)]
        phone = f"1390000{n:04d}"
        inside.append(_customer(world, rep, f"广州远航{TRADES[n]}有限公司", phone=phone))
    outside = [
        _customer(world, world.rep_b, f"北京远航{TRADES[n]}贸易公司", phone=f"1380000{n:04d}")
        for n in range(6)
    ]
    own = _customer(
        world, world.admin, "深圳远航总部有限公司", owner=south.head, department=world.service
    )
    # a region as large, holding one record: its scope is sparse
    north_west = _region(world, "西北")
    lone = _customer(world, north_west.reps[0], "西安远航电子有限公司", phone="13700000001")
    west = _region(other_world, "西南")
    foreign = [
        _customer(other_world, rep, f"广州远航{TRADES[n]}有限公司", phone=f"1390000{n:04d}")
        for n, rep in enumerate(west.reps[:5])
    ]
    return SimpleNamespace(
        south=south,
        north_west=north_west,
        lone=lone,
        west=west,
        inside=inside,
        outside=outside,
        own=own,
        foreign=foreign,
    )


def _items(client, q):
    answer = client.get("/api/v1/search", {"q": q})
    assert answer.status_code == 200
    return [(item["type"], item["id"], item["title"]) for item in answer.json()["items"]]


def test_the_scope_of_many_departments_is_checked_on_the_columns(world, region):
    with org_scope(world.org):
        scope = policy.access_for(region.south.head).scope("customers")
    assert fulltext._column_scope(
        owner_id=region.south.head.pk, department_ids=scope.department_ids, all_scope=False
    ) == fulltext._Scope(region.south.head.pk, tuple(sorted(scope.department_ids)))
    # a scope of a few departments (the sales manager's 3) stays tokens
    with org_scope(world.org):
        small = policy.access_for(world.manager).scope("customers")
    assert (
        fulltext._column_scope(
            owner_id=world.manager.pk, department_ids=small.department_ids, all_scope=False
        )
        is None
    )


def test_a_large_scope_sees_its_tree_and_its_own_records_only(world, api, region):
    head = api(region.south.head)
    # owned by the head, though booked to a department outside the tree
    assert _items(head, "深圳远航") == [("customer", region.own.pk, "深圳远航总部有限公司")]
    for n in (0, 7, 29):  # customers and contacts of several teams, by name, pinyin, phone
        customer = region.inside[n]
        assert _items(head, customer.name[2:6]) == [("customer", customer.pk, customer.name)]
        assert _items(head, customer.code)[0] == ("customer", customer.pk, customer.name)
        found = _items(head, customer.phone)
        assert found[0] == ("customer", customer.pk, customer.name)
        assert [kind for kind, _pk, _title in found].count("contact") == 1
    by_initials = [(pk, title) for kind, pk, title in _items(head, "gzyh") if kind == "customer"]
    assert by_initials == [(c.pk, c.name) for c in reversed(region.inside[-10:])]
    # 华北组's customers and org B's never show, whatever the query
    hidden = {c.pk for c in region.outside} | {c.pk for c in region.foreign}
    for query in ("远航", "北京远航", "yhkj", "13800000003", region.outside[2].code, "贸易"):
        assert not {pk for kind, pk, _t in _items(head, query) if kind == "customer"} & hidden
    assert [t for kind, _pk, t in _items(head, "北京远航") if kind == "customer"] == []
    # 远航 matches 37 customers in org A: the head gets the 10 newest of their 31
    newest = [("customer", c.pk, c.name) for c in [region.own, *reversed(region.inside)][:10]]
    assert [item for item in _items(head, "远航") if item[0] == "customer"] == newest


def test_tenant_isolation_for_large_scopes(world, other_world, api, region):
    west = api(region.west.head)
    found = {pk for kind, pk, _t in _items(west, "广州远航") if kind == "customer"}
    assert found == {c.pk for c in region.foreign}
    # org B's head with the same number of departments sees none of org A's
    assert not found & {c.pk for c in region.inside}
    assert {pk for _k, pk, _t in _items(west, region.inside[0].code)} <= found  # its own code
    assert _items(west, "深圳远航") == []
    south = api(region.south.head)
    assert not {pk for _k, pk, _t in _items(south, "广州远航")} & {c.pk for c in region.foreign}


def _both_ways(monkeypatch, run):
    monkeypatch.setattr(fulltext, "SCOPE_TOKENS_MAX", 10**6)
    by_tokens = run()
    monkeypatch.setattr(fulltext, "SCOPE_TOKENS_MAX", 0)
    by_columns = run()
    return by_tokens, by_columns


QUERIES = ["远航", "广州远航", "远航电子", "gzyh", "yhkj", "guangzhou", "0000", "13900000012",
           "北京远航", "深圳", "有限公司", "孙丽", "sl"]  # fmt: skip


@pytest.mark.parametrize(
    "slices,window", [(fulltext.RECENT_SLICES, fulltext.SQLITE_WINDOW), ((4,), 3)]
)
def test_lookups_equal_the_token_way(world, region, monkeypatch, slices, window):
    """The candidates of every tier, for employees of every kind of scope, as tokens and
    as columns: also past PostgreSQL's first slice of newest records and past SQLite's
    window of newest matches, where a sparse scope goes on with its tokens."""
    monkeypatch.setattr(fulltext, "RECENT_SLICES", slices)
    monkeypatch.setattr(fulltext, "SQLITE_WINDOW", window)
    code = region.inside[5].code
    people = [region.south.head, region.north_west.head, world.manager, world.rep_a, world.admin]
    with org_scope(world.org):
        for employee in people:
            scope = policy.access_for(employee).scope("customers")
            for text in [*QUERIES, code]:
                for kind in ("customer", "contact"):

                    def run(text=text, kind=kind, employee=employee, scope=scope):
                        return fulltext.candidates(
                            tk.parse(text),
                            fetch=6,
                            org_id=world.org.pk,
                            kind=kind,
                            owner_id=employee.pk,
                            department_ids=scope.department_ids,
                            all_scope=scope.all,
                        )

                    by_tokens, by_columns = _both_ways(monkeypatch, run)
                    assert by_tokens == by_columns, (employee.name, text, kind)
                    if employee is region.south.head and text == "远航" and kind == "customer":
                        # 31 match: the limit cut the "any" tier
                        assert [tier for tier, _pk in by_columns] == [fulltext.ANY] * 6


def test_search_answers_equal_the_token_way(world, api, region, monkeypatch):
    people = (region.south.head, region.north_west.head, region.west.head, world.manager)
    for employee in people:
        client = api(employee)
        for text in QUERIES:
            by_tokens, by_columns = _both_ways(monkeypatch, lambda c=client, t=text: _items(c, t))
            assert by_tokens == by_columns, (employee.name, text)


def test_a_moved_customer_follows_its_department(world, api, region):
    """The columns are the entry's, kept with the record: a customer handed to 华北组
    leaves the head's results, one handed into the tree joins them."""
    moved, joined = region.inside[4], region.outside[0]
    with org_scope(world.org):
        services.customers_handover(
            actor=world.admin, from_employee=moved.owner, to_employee=world.rep_b,
            customer_ids=[moved.pk],
        )  # fmt: skip
        services.customers_handover(
            actor=world.admin, from_employee=world.rep_b, to_employee=region.south.reps[0],
            customer_ids=[joined.pk],
        )  # fmt: skip
        assert Customer.objects.get(pk=moved.pk).department_id == world.north.pk
    head = api(region.south.head)
    assert moved.pk not in {pk for _kind, pk, _title in _items(head, moved.code)}
    assert _items(head, joined.code)[0] == ("customer", joined.pk, joined.name)


def test_a_sparse_large_scope_sees_its_few_records(world, api, region):
    head = api(region.north_west.head)
    assert _items(head, "远航") == [("customer", region.lone.pk, "西安远航电子有限公司")]
    assert [kind for kind, _pk, _t in _items(head, "13700000001")] == ["customer", "contact"]
    assert _items(head, "广州远航") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own choice")
def test_postgresql_checks_dense_scopes_on_the_columns_and_sparse_ones_by_tokens(world, region):
    with org_scope(world.org):
        dense = policy.access_for(region.south.head).scope("customers")
        sparse = policy.access_for(region.north_west.head).scope("customers")
    with connection.cursor() as cursor:
        for employee, scope, expected in (
            (region.south.head, dense, True),
            (region.north_west.head, sparse, False),
        ):
            columns = fulltext._column_scope(
                owner_id=employee.pk, department_ids=scope.department_ids, all_scope=False
            )
            assert fulltext._pg_dense(cursor, columns, world.org.pk, "customer") is expected
