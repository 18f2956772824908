"""Targets: validation, uniqueness, live actuals per measure, roll-up over the department
tree, data scope, the yearly plan."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import DepartmentFactory, EmployeeFactory, role
from guanxi.sales.planning import periods, selectors, services
from guanxi.sales.planning.models import SalesTarget
from guanxi.sales.planning.tests import helpers as h

pytestmark = pytest.mark.django_db
D = Decimal
DEC = periods.parse("2026-12")
TODAY = datetime.date(2026, 12, 10)


@pytest.fixture
def team(world):
    """A third level: 杭州小组 under 华东组 with rep_c."""
    hangzhou = DepartmentFactory(org=world.org, name="杭州小组", parent=world.east)
    rep_c = EmployeeFactory(
        org=world.org, name="钱七", username="rep_c", department=hangzhou,
        roles=[role(world.org, "销售代表")],
    )  # fmt: skip
    return hangzhou, rep_c


def _board(world, viewer, measure="order_amount", period=DEC, line=None):
    with org_scope(world.org):
        return selectors.board(
            employee=viewer, period=period, measure=measure, product_line_id=line, today=TODAY
        )


def _row(board, kind, pk):
    return next(r for r in board.rows if r.kind == kind and r.pk == pk)


def test_create_validates_every_field_at_once(world):
    with pytest.raises(ValidationError) as caught:
        h.target(world, period="2026-13", measure="profit", value="-5", employee=world.rep_a)
    errors = caught.value.message_dict
    assert {"period", "measure"} <= set(errors)
    with pytest.raises(ValidationError) as caught:
        h.target(world, period="2026-12", measure="order_amount", value="0", employee=world.rep_a)
    assert caught.value.message_dict["value"] == ["目标值必须大于零。"]
    with pytest.raises(ValidationError) as caught:
        h.target(world, period="2026-12", measure="order_amount", value="10")
    assert "employee" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        h.target(
            world, period="2026-12", measure="order_amount", value="10",
            employee=world.rep_a, department=world.east,
        )  # fmt: skip
    line = h.product_line(world)
    with pytest.raises(ValidationError) as caught:
        h.target(
            world, period="2026-12", measure="collected_amount", value="10",
            employee=world.rep_a, product_line=line.pk,
        )  # fmt: skip
    assert "product_line" in caught.value.message_dict
    with org_scope(world.org):
        assert SalesTarget.objects.count() == 0


def test_one_target_per_subject_period_measure_and_line(world):
    h.target(world, period="2026-12", measure="order_amount", value="100", employee=world.rep_a)
    with pytest.raises(ValidationError) as caught:
        h.target(world, period="2026-12", measure="order_amount", value="200", employee=world.rep_a)
    assert "period" in caught.value.message_dict
    line = h.product_line(world)
    # another measure, another line or a quarter is another target
    h.target(world, period="2026-12", measure="quantity", value="5", employee=world.rep_a)
    h.target(
        world, period="2026-12", measure="order_amount", value="50", employee=world.rep_a,
        product_line=line.pk,
    )  # fmt: skip
    h.target(world, period="2026-Q4", measure="order_amount", value="300", employee=world.rep_a)
    with org_scope(world.org):
        assert SalesTarget.objects.count() == 4
        made = SalesTarget.objects.get(period_kind="quarter")
        assert made.period_end == datetime.date(2026, 12, 31)
        assert made.owner_id == world.rep_a.pk and made.owner_department_id == world.east.pk
        assert ChangeRecord.objects.filter(entity="planning.salestarget").count() == 4


def test_amounts_are_rounded_to_the_org_places(world):
    made = h.target(
        world, period="2026-12", measure="order_amount", value="1000.005", employee=world.rep_a
    )
    assert made.value == D("1000.01")
    qty = h.target(
        world, period="2026-12", measure="quantity", value="3.14159", employee=world.rep_a
    )
    assert qty.value == D("3.1416")


def test_update_value_and_note_only_with_version(world):
    made = h.target(
        world, period="2026-12", measure="order_amount", value="100", employee=world.rep_a
    )
    with org_scope(world.org):
        changed = services.target_update(actor=world.admin, target=made, version=1, value="150")
        assert changed.value == D("150") and changed.version == 2
        with pytest.raises(StaleVersion):
            services.target_update(actor=world.admin, target=made, version=1, value="170")
        with pytest.raises(ValidationError) as caught:
            services.target_update(actor=world.admin, target=made, measure="quantity")
        assert "measure" in caught.value.message_dict
        assert SalesTarget.objects.get(pk=made.pk).value == D("150")


def test_actuals_follow_the_shared_definitions(world):
    line = h.product_line(world)
    pump = h.product(world, "水泵", line=line)
    valve = h.product(world, "阀门")
    in_dec = datetime.date(2026, 12, 2)
    h.order(world, world.rep_a, "1130", in_dec, lines=[(pump, 2, "800"), (valve, 3, "330")])
    h.order(world, world.rep_a, "500", in_dec, status="completed", lines=[(pump, 1, "500")])
    h.order(world, world.rep_a, "9999", in_dec, status="draft", lines=[(pump, 9, "9999")])
    h.order(world, world.rep_a, "7777", in_dec, status="cancelled")
    h.order(world, world.rep_a, "8888", datetime.date(2026, 11, 30))
    h.collected(world, world.rep_a, "600", in_dec)
    h.collected(world, world.rep_a, "50", datetime.date(2026, 11, 20))
    with org_scope(world.org):
        deleted = h.order(world, world.rep_a, "4444", in_dec)
        type(deleted).objects.filter(pk=deleted.pk).update(
            deleted_at=datetime.datetime.now(datetime.UTC)
        )
    amount = h.target(
        world, period="2026-12", measure="order_amount", value="2000", employee=world.rep_a
    )
    qty = h.target(world, period="2026-12", measure="quantity", value="10", employee=world.rep_a)
    line_qty = h.target(
        world, period="2026-12", measure="quantity", value="4", employee=world.rep_a,
        product_line=line.pk,
    )  # fmt: skip
    line_amount = h.target(
        world, period="2026-12", measure="order_amount", value="2600", employee=world.rep_a,
        product_line=line.pk,
    )  # fmt: skip
    cash = h.target(
        world, period="2026-12", measure="collected_amount", value="1200", employee=world.rep_a
    )
    with org_scope(world.org):
        found = selectors.target_actuals([amount, qty, line_qty, line_amount, cash])
    assert found[amount.pk] == D("1630")
    assert found[qty.pk] == D("6")
    assert found[line_qty.pk] == D("3")
    assert found[line_amount.pk] == D("1300")
    assert found[cash.pk] == D("600")
    assert selectors.attainment(D("1200"), found[cash.pk]) == D("50.0")


def test_roll_up_over_a_three_level_tree(world, team):
    hangzhou, rep_c = team
    in_dec = datetime.date(2026, 12, 5)
    h.order(world, world.rep_a, "1000", in_dec)
    h.order(world, rep_c, "300", in_dec)
    h.order(world, world.rep_b, "700", in_dec)
    h.target(world, period="2026-12", measure="order_amount", value="2000", employee=world.rep_a)
    h.target(world, period="2026-12", measure="order_amount", value="600", employee=rep_c)
    h.target(world, period="2026-12", measure="order_amount", value="1000", department=world.north)
    board = _board(world, world.admin)
    # actual of a department = its whole subtree
    assert _row(board, "department", hangzhou.pk).actual == D("300")
    assert _row(board, "department", world.east.pk).actual == D("1300")
    assert _row(board, "department", world.sales.pk).actual == D("2000")
    # target: explicit, else the sum of employees and child departments
    north = _row(board, "department", world.north.pk)
    assert (north.target, north.source) == (D("1000"), "explicit")
    hz = _row(board, "department", hangzhou.pk)
    assert (hz.target, hz.source) == (D("600"), "children")
    east = _row(board, "department", world.east.pk)
    assert (east.target, east.source) == (D("2600"), "children")
    sales = _row(board, "department", world.sales.pk)
    assert sales.target == D("3600")
    assert sales.attainment == D("55.6")
    assert sales.gap == D("1600")
    # time progress: 10 of 31 days; east at 50% is on track, north at 70% too
    assert board.progress == pytest.approx(10 / 31)
    assert east.on_track is True
    # an explicit department target wins over the sum below it
    h.target(world, period="2026-12", measure="order_amount", value="5000", department=world.sales)
    assert _row(_board(world, world.admin), "department", world.sales.pk).target == D("5000")
    # tree order: a department, its employees, then its sub-departments
    kinds = [(r.kind, r.name) for r in board.rows]
    assert kinds.index(("department", "华东组")) < kinds.index(("employee", world.rep_a.name))
    assert kinds.index(("employee", world.rep_a.name)) < kinds.index(("department", "杭州小组"))


def test_quarter_and_year_sum_their_months(world):
    for month, value in ((10, "100"), (11, "200"), (12, "300")):
        h.target(
            world, period=f"2026-{month}", measure="order_amount", value=value, employee=world.rep_a
        )
    h.order(world, world.rep_a, "450", datetime.date(2026, 11, 2))
    quarter = _board(world, world.admin, period=periods.parse("2026-Q4"))
    row = _row(quarter, "employee", world.rep_a.pk)
    assert (row.target, row.source, row.actual) == (D("600"), "periods", D("450"))
    year = _board(world, world.admin, period=periods.parse("2026"))
    assert _row(year, "employee", world.rep_a.pk).target == D("600")
    assert _row(year, "department", world.east.pk).target == D("600")


def test_data_scope_rep_sees_own_row_manager_the_subtree(world, team):
    _hangzhou, rep_c = team
    h.target(world, period="2026-12", measure="order_amount", value="100", employee=world.rep_a)
    h.target(world, period="2026-12", measure="order_amount", value="100", employee=world.rep_b)
    rep_board = _board(world, world.rep_a)
    assert [(r.kind, r.pk) for r in rep_board.rows] == [("employee", world.rep_a.pk)]
    manager_board = _board(world, world.manager)
    names = {r.name for r in manager_board.rows}
    assert {
        "销售部",
        "华东组",
        "华北组",
        "杭州小组",
        world.rep_a.name,
        world.rep_b.name,
        rep_c.name,
    } <= names
    assert "客服部" not in names
    with org_scope(world.org):
        assert list(
            selectors.target_queryset(employee=world.rep_a).values_list("owner_id", flat=True)
        ) == [world.rep_a.pk]
        assert selectors.target_queryset(employee=world.manager).count() == 2
        # a rep may not set targets (no create permission), a manager only in the subtree
        with pytest.raises(PermissionDenied):
            services.target_create(
                actor=world.rep_a, employee=world.rep_a, period="2026-12",
                measure="quantity", value="1",
            )  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.target_create(
                actor=world.manager, department=world.service, period="2026-12",
                measure="quantity", value="1",
            )  # fmt: skip
        services.target_create(
            actor=world.manager, employee=rep_c, period="2026-12", measure="quantity", value="1"
        )


def test_plan_saves_a_department_year_all_or_nothing(world):
    cells = {
        f"e{world.rep_a.pk}": {m: "1000" for m in range(1, 13)},
        f"d{world.east.pk}": {1: "5000", 2: ""},
    }
    with org_scope(world.org):
        assert services.plan_save(
            actor=world.manager, department=world.east, year=2026, measure="order_amount",
            cells=cells,
        ) == (13, 0, 0)  # fmt: skip
        cells[f"e{world.rep_a.pk}"][3] = "1200"
        cells[f"d{world.east.pk}"][1] = ""
        assert services.plan_save(
            actor=world.manager, department=world.east, year=2026, measure="order_amount",
            cells=cells,
        ) == (0, 1, 1)  # fmt: skip
        before = SalesTarget.objects.count()
        cells[f"e{world.rep_a.pk}"][4] = "abc"
        cells[f"e{world.rep_a.pk}"][5] = "-1"
        with pytest.raises(ValidationError) as caught:
            services.plan_save(
                actor=world.manager, department=world.east, year=2026, measure="order_amount",
                cells={**cells, f"e{world.rep_a.pk}": {**cells[f"e{world.rep_a.pk}"], 6: "1"}},
            )  # fmt: skip
        assert {f"e{world.rep_a.pk}-4", f"e{world.rep_a.pk}-5"} <= set(caught.value.message_dict)
        assert SalesTarget.objects.count() == before
        assert SalesTarget.objects.get(
            employee=world.rep_a, period_start=datetime.date(2026, 6, 1)
        ).value == D("1000")
        with pytest.raises(ValidationError):
            services.plan_save(
                actor=world.manager, department=world.east, year=2026, measure="order_amount",
                cells={f"e{world.rep_b.pk}": {1: "1"}},
            )  # fmt: skip
        values = services.plan_values(department=world.east, year=2026, measure="order_amount")
        assert values[f"e{world.rep_a.pk}"][3] == D("1200")


def test_split_evenly_puts_the_remainder_last():
    shares = services.split_evenly("1000", 12, 2)
    assert shares[:11] == [D("83.33")] * 11
    assert shares[-1] == D("83.37")
    assert sum(shares) == D("1000")
