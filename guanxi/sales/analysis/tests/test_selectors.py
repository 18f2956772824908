"""The figures on the known history of ``helpers`` (worked out by hand there)."""

from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.sales.analysis import selectors
from guanxi.sales.analysis.forms import preset_range
from guanxi.sales.analysis.selectors import Filters
from guanxi.sales.analysis.tests.helpers import END, START, D, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    return build(world)


def run(world, reader, fn, *args, **filters):
    with org_scope(world.org):
        ctx = selectors.context_for(reader)
        return fn(ctx, Filters(start=START, end=END, **filters), *args)


def rows_by_label(result):
    return {row["label"]: row for row in result["rows"]}


def test_summary_kpis_of_the_whole_org(world, history):
    """Order amount counts confirmed/completed live orders in range; win rate, cycle and
    deal size come from the opportunities closed in range (A1, A3, A5 won; A2 lost)."""
    result = run(world, world.admin, selectors.summary)
    assert result["order_amount"] == D("7300.00")
    assert result["order_count"] == 4
    assert result["won_count"] == 3
    assert result["lost_count"] == 1
    assert result["win_rate"] == D("75.0")
    assert result["won_amount"] == D("38000.00")
    assert result["average_deal_size"] == D("12666.67")
    assert result["average_cycle_days"] == D("47.0")  # (30 + 40 + 71) / 3
    assert result["new_pipeline_count"] == 4
    assert result["new_pipeline_amount"] == D("41000.00")


def test_summary_of_a_rep_is_their_own(world, history):
    result = run(world, world.rep_a, selectors.summary)
    assert result["order_amount"] == D("3000.00")
    assert (result["won_count"], result["lost_count"]) == (2, 1)
    assert result["win_rate"] == D("66.7")
    assert result["average_cycle_days"] == D("50.5")
    assert result["average_deal_size"] == D("9000.00")


def test_summary_of_a_manager_is_their_department_tree(world, history):
    """The agent's order (客服部) is outside the manager's 销售部 tree."""
    result = run(world, world.manager, selectors.summary)
    assert result["order_amount"] == D("7000.00")
    assert result["won_count"] == 3


def test_summary_without_view_permissions_is_empty(world, history):
    result = run(world, world.agent, selectors.summary)
    assert result["order_amount"] == D("0.00")
    assert result["won_count"] == 0
    assert result["win_rate"] is None
    assert result["average_deal_size"] is None


def test_filters_narrow_every_figure(world, history):
    by_region = run(world, world.admin, selectors.summary, region="江苏省")
    assert by_region["order_amount"] == D("3000.00")
    assert (by_region["won_count"], by_region["lost_count"]) == (1, 1)
    by_employee = run(world, world.admin, selectors.summary, employee=world.rep_b)
    assert by_employee["order_amount"] == D("4000.00")
    assert by_employee["new_pipeline_count"] == 2
    by_department = run(world, world.admin, selectors.summary, department=world.east)
    assert by_department["order_amount"] == D("3000.00")
    by_sales = run(world, world.admin, selectors.summary, department=world.sales)
    assert by_sales["order_amount"] == D("7000.00")
    by_line = run(world, world.admin, selectors.summary, product_line=history.line2)
    assert by_line["order_amount"] == D("5500.00")  # the 刀具 lines only
    assert by_line["order_count"] == 2
    assert (by_line["won_count"], by_line["lost_count"]) == (1, 0)


def test_funnel_reach_conversion_and_days(world, history):
    """Cohort A1–A4 (created in range): a stage skipped on the way counts as reached."""
    result = run(world, world.admin, selectors.funnel)
    stages = [
        (r["name"], r["reached"], r["conversion"], r["average_days"]) for r in result["stages"]
    ]
    assert stages == [
        ("初步接洽", 4, D("75.0"), D("6.3")),
        ("需求确认", 3, D("66.7"), D("10.0")),
        ("方案报价", 2, D("100.0"), D("12.5")),
        ("商务谈判", 2, D("100.0"), D("20.0")),
        ("赢单", 2, None, None),
    ]
    assert (result["created"], result["won"], result["lost"]) == (4, 2, 1)
    assert result["stages"][-1]["share"] == D("50.0")


def test_funnel_of_a_rep(world, history):
    result = run(world, world.rep_a, selectors.funnel)
    assert [r["reached"] for r in result["stages"]] == [2, 2, 1, 1, 1]


def test_breakdown_by_employee(world, history):
    rows = rows_by_label(run(world, world.admin, selectors.breakdown, "employee"))
    assert list(rows) == ["李四", "张三", "钱七"]
    assert rows["李四"]["order_amount"] == D("4000.00")
    assert rows["李四"]["win_rate"] == D("100.0")
    assert rows["李四"]["average_cycle_days"] == D("40.0")
    assert rows["张三"]["order_count"] == 2
    assert rows["张三"]["win_rate"] == D("66.7")
    assert rows["张三"]["average_deal_size"] == D("9000.00")
    assert rows["钱七"]["won_count"] == 0


def test_breakdown_by_department_rolls_up_the_tree(world, history):
    result = run(world, world.admin, selectors.breakdown, "department")
    rows = [(r["label"], r["depth"], r["order_amount"]) for r in result["rows"]]
    root = world.root.name
    assert rows == [
        (root, 0, D("7300.00")),
        ("销售部", 1, D("7000.00")),
        ("华东组", 2, D("3000.00")),
        ("华北组", 2, D("4000.00")),
        ("客服部", 1, D("300.00")),
    ] or sorted(rows) == sorted(
        [
            (root, 0, D("7300.00")),
            ("销售部", 1, D("7000.00")),
            ("华东组", 2, D("3000.00")),
            ("华北组", 2, D("4000.00")),
            ("客服部", 1, D("300.00")),
        ]
    )
    sales = rows_by_label(result)["销售部"]
    assert (sales["won_count"], sales["lost_count"]) == (3, 1)


def test_breakdown_by_product_and_line(world, history):
    rows = rows_by_label(run(world, world.admin, selectors.breakdown, "product"))
    assert list(rows) == ["硬质合金刀片", "数控车床"]
    assert rows["硬质合金刀片"]["order_amount"] == D("5500.00")
    assert rows["硬质合金刀片"]["quantity"] == Decimal("7")
    assert rows["硬质合金刀片"]["order_count"] == 2
    assert rows["硬质合金刀片"]["won_amount"] == D("20000.00")
    assert rows["数控车床"]["order_amount"] == D("1800.00")
    assert rows["数控车床"]["quantity"] == Decimal("4")
    assert str(rows["数控车床"]["quantity"]) == "4"
    assert rows["数控车床"]["average_cycle_days"] == D("30.0")
    lines = rows_by_label(run(world, world.admin, selectors.breakdown, "product_line"))
    assert lines["刀具"]["order_amount"] == D("5500.00")
    assert lines["机床"]["order_amount"] == D("1800.00")


def test_breakdown_by_region_uses_the_province(world, history):
    rows = rows_by_label(run(world, world.admin, selectors.breakdown, "region"))
    assert rows["上海市"]["order_amount"] == D("4000.00")
    assert rows["江苏省"]["order_amount"] == D("3000.00")
    assert rows["江苏省"]["win_rate"] == D("50.0")
    assert rows["（未填写地区）"]["order_amount"] == D("300.00")


def test_breakdown_by_period_lists_every_period(world, history):
    months = run(world, world.admin, selectors.breakdown, "month")["rows"]
    assert [(r["label"], r["order_amount"], r["won_count"], r["lost_count"]) for r in months] == [
        ("2026-01", D("1000.00"), 1, 1),
        ("2026-02", D("2300.00"), 1, 0),
        ("2026-03", D("4000.00"), 1, 0),
    ]
    quarters = run(world, world.admin, selectors.breakdown, "quarter")["rows"]
    assert [(r["label"], r["order_amount"]) for r in quarters] == [("2026-Q1", D("7300.00"))]


def test_top_customers_by_amount(world, history):
    result = run(world, world.admin, selectors.top_customers)
    assert [(r["name"], r["amount"]) for r in result["rows"]] == [
        ("申城贸易", D("4000.00")),
        ("华东精工", D("3000.00")),
        ("无名商行", D("300.00")),
    ]


def test_top_customers_by_growth(world, history):
    with org_scope(world.org):
        ctx = selectors.context_for(world.admin)
        filters = Filters(start=START, end=END)
        result = selectors.top_customers(ctx, filters, order="growth")
        strict = selectors.top_customers(ctx, filters, order="growth", min_base=D("2000"))
    assert (str(result["previous_start"]), str(result["previous_end"])) == (
        "2025-10-03",
        "2025-12-31",
    )
    assert [(r["name"], r["growth"], r["growth_rate"]) for r in result["rows"]] == [
        ("华东精工", D("1500.00"), D("100.0")),
        ("申城贸易", D("-4000.00"), D("-50.0")),
        ("无名商行", D("-1200.00"), D("-80.0")),
    ]
    assert [r["name"] for r in strict["rows"]] == ["申城贸易"]


def test_org_b_never_appears(world, other_world, history):
    build(other_world)
    with org_scope(world.org):
        ctx = selectors.context_for(world.admin)
        result = selectors.summary(ctx, Filters(start=START, end=END))
    assert result["order_amount"] == D("7300.00")


def test_presets():
    import datetime

    today = datetime.date(2026, 5, 17)
    assert preset_range("this_month", today) == (
        datetime.date(2026, 5, 1),
        datetime.date(2026, 5, 31),
    )
    assert preset_range("this_quarter", today) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 6, 30),
    )
    assert preset_range("this_year", today) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )
    assert preset_range("last_12_months", today) == (
        datetime.date(2025, 6, 1),
        datetime.date(2026, 5, 31),
    )
