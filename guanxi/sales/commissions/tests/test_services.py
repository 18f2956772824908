"""Rules and statements: validation, precedence, bases, product-line attribution,
rounding, locking, the approval round trip and the data scope."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import role
from guanxi.sales.commissions import selectors, services
from guanxi.sales.commissions.models import CommissionLine, CommissionRule, CommissionStatement
from guanxi.sales.commissions.tests import helpers as c
from guanxi.sales.contracts.tests import helpers as h
from guanxi.workspace.approvals import services as approvals

pytestmark = pytest.mark.django_db
D = c.D


def _errors(exc_info):
    return exc_info.value.message_dict


# ---- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([], "至少需要一档比例"),
        ([{"from_amount": "0", "rate": "101"}], "0 到 100"),
        ([{"from_amount": "0", "rate": "-1"}], "0 到 100"),
        ([{"from_amount": "10", "rate": "3"}], "必须是 0"),
        (
            [{"from_amount": "0", "rate": "3"}, {"from_amount": "0", "rate": "5"}],
            "大于上一档",
        ),
        ([{"from_amount": "0", "rate": "abc"}], "必须是数字"),
    ],
)
def test_rule_tiers_are_validated(world, tiers, message):
    with org_scope(world.org), pytest.raises(ValidationError) as exc_info:
        services.rule_create(
            actor=world.admin, name="规则", basis="order", valid_from="2026-01-01", tiers=tiers
        )
    assert message in " ".join(_errors(exc_info)["tiers"])
    with org_scope(world.org):
        assert not CommissionRule.objects.exists()


def test_rule_needs_its_target_and_consistent_dates(world):
    with org_scope(world.org), pytest.raises(ValidationError) as exc_info:
        services.rule_create(
            actor=world.admin,
            name="规则",
            basis="order",
            applies_to="role",
            valid_from="2026-05-01",
            valid_to="2026-04-01",
            tiers=[{"from_amount": "0", "rate": "1"}],
        )
    errors = _errors(exc_info)
    assert "role" in errors and "valid_to" in errors


def test_same_scope_may_not_overlap_in_time(world):
    c.rule(world, name="A", valid_to="2026-06-30")
    with pytest.raises(ValidationError) as exc_info:
        c.rule(world, name="B", valid_from="2026-06-01")
    assert "A" in _errors(exc_info)["valid_from"][0]
    c.rule(world, name="C", valid_from="2026-07-01")  # right after: fine
    line = c.product_line(world)
    c.rule(world, name="D", product_line=line.pk)  # another scope: fine


def test_rules_take_sales_setup_edit(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.rule_create(
            actor=world.manager,
            name="规则",
            basis="order",
            valid_from="2026-01-01",
            tiers=[{"from_amount": "0", "rate": "1"}],
        )


def test_rule_update_replaces_tiers_and_refuses_a_stale_version(world):
    rule = c.rule(world)
    with org_scope(world.org):
        services.rule_update(
            actor=world.admin,
            rule=rule,
            version=rule.version,
            tiers=[{"from_amount": "0", "rate": "2"}, {"from_amount": "1000", "rate": "4"}],
        )
        fresh = CommissionRule.objects.get(pk=rule.pk)
        assert [(t.from_amount, t.rate) for t in fresh.tiers.all()] == [
            (D("0"), D("2")),
            (D("1000"), D("4")),
        ]
        with pytest.raises(BusinessRuleError):
            services.rule_update(actor=world.admin, rule=rule, version=rule.version, name="X")


# ---- computing -----------------------------------------------------------------------------


def test_order_basis_counts_confirmed_orders_of_the_period(world):
    c.rule(world, name="订单提成", basis="order", tiers=(("0", "2"),))
    item = c.product(world)
    c.order(world, world.rep_a, [(item, "1000"), (item, "500")])
    c.order(world, world.rep_a, [(item, "9999")], day=datetime.date(2026, 6, 1))  # next period
    c.order(world, world.rep_b, [(item, "7777")])  # someone else's
    statement = c.generate(world, world.rep_a)
    with org_scope(world.org):
        lines = list(statement.lines.all())
    assert len(lines) == 1  # one line per order and rule
    assert lines[0].kind == "order" and lines[0].base_amount == D("1500")
    assert statement.commission_total == D("30") and statement.total == D("30")


def test_collected_basis_counts_allocations_by_received_date(world):
    c.rule(world)
    item = c.product(world)
    order = c.order(world, world.rep_a, [(item, "1000")], day=datetime.date(2026, 4, 1))
    c.collect(world, order, "400")
    c.collect(world, order, "100", day=datetime.date(2026, 6, 2))
    statement = c.generate(world, world.rep_a)
    assert statement.base_total == D("400") and statement.total == D("12")


def test_one_sale_earns_under_one_basis_only(world):
    """An employee rule on order amount beats an everyone rule on collections: the paid
    part of the same order does not earn twice."""
    c.rule(world, name="回款", basis="collected")
    c.rule(
        world,
        name="张三订单",
        basis="order",
        applies_to="employees",
        employees=[world.rep_a.pk],
        tiers=(("0", "1"),),
    )
    item = c.product(world)
    order = c.order(world, world.rep_a, [(item, "1000")])
    c.collect(world, order, "1000")
    statement = c.generate(world, world.rep_a)
    with org_scope(world.org):
        kinds = {line.kind for line in statement.lines.all()}
    assert kinds == {"order"} and statement.total == D("10")


def test_tiers_apply_to_the_period_total_per_rule(world):
    """Two orders of 60,000 each under 3 % up to 100,000 and 5 % above: 3,000 + 1,000,
    spread over the lines in proportion (2,000 each), the effective rate 3.3333 %."""
    c.rule(world, name="阶梯", basis="order", tiers=(("0", "3"), ("100000", "5")))
    item = c.product(world)
    c.order(world, world.rep_a, [(item, "60000")])
    c.order(world, world.rep_a, [(item, "60000")])
    statement = c.generate(world, world.rep_a)
    with org_scope(world.org):
        lines = list(statement.lines.order_by("position"))
    assert statement.commission_total == D("4000")
    assert [line.commission for line in lines] == [D("2000"), D("2000")]
    assert lines[0].rate == D("3.3333")


def test_product_line_rule_takes_its_share_of_a_collection(world):
    """A payment of 300 on an order of 200 (line X) + 100 (other): 200 at the product-line
    rate 10 %, 100 at the general 3 %."""
    line = c.product_line(world, "智能网关")
    c.rule(world, name="通用")
    c.rule(world, name="网关奖励", product_line=line.pk, tiers=(("0", "10"),))
    gateway = c.product(world, "网关", line=line)
    other = c.product(world, "配件")
    order = c.order(world, world.rep_a, [(gateway, "200"), (other, "100")])
    c.collect(world, order, "300")
    statement = c.generate(world, world.rep_a)
    with org_scope(world.org):
        by_rule = {line.rule_name: line for line in statement.lines.all()}
    assert by_rule["网关奖励"].base_amount == D("200")
    assert by_rule["网关奖励"].product_line_name == "智能网关"
    assert by_rule["网关奖励"].commission == D("20")
    assert by_rule["通用"].base_amount == D("100") and by_rule["通用"].commission == D("3")
    assert statement.total == D("23")


def test_rounding_keeps_lines_and_total_equal(world):
    """A payment of 100 split over three equal lines in two product lines: bases 33.33 /
    66.67 (remainder on the last), commissions add up to the statement's total."""
    line = c.product_line(world, "A线")
    c.rule(world, name="通用", tiers=(("0", "3.333"),))
    c.rule(world, name="A线", product_line=line.pk, tiers=(("0", "7.77"),))
    a = c.product(world, "A1", line=line)
    b = c.product(world, "B1")
    order = c.order(world, world.rep_a, [(a, "1"), (b, "1"), (b, "1")])
    c.collect(world, order, "1")  # 0.33 / 0.67
    order2 = c.order(world, world.rep_a, [(a, "100"), (b, "200")])
    c.collect(world, order2, "100")
    statement = c.generate(world, world.rep_a)
    with org_scope(world.org):
        lines = list(statement.lines.all())
    assert sum(line.commission for line in lines) == statement.commission_total
    assert sum(line.base_amount for line in lines) == D("101")
    for line_ in lines:
        assert line_.commission == line_.commission.quantize(D("0.01"))


def test_manual_receivable_has_no_product(world):
    """A collection on a manual receivable only earns under a rule without product line."""
    from guanxi.sales.receivables.tests import helpers as r

    line = c.product_line(world)
    c.rule(world, name="线", product_line=line.pk, tiers=(("0", "9"),))
    client = r.make_customer(world, owner=world.rep_a)
    receivable = r.make_receivable(world, client, "500", owner=world.rep_a)
    r.pay(world, client, "500", [(receivable, "500")], day="2026-05-20")
    statement = c.generate(world, world.rep_a)
    assert statement.total == D("0")
    c.rule(world, name="通用")
    statement = c.generate(world, world.rep_a)
    assert statement.total == D("15")


# ---- lifecycle -----------------------------------------------------------------------------


def _earning(world):
    c.rule(world)
    item = c.product(world)
    order = c.order(world, world.rep_a, [(item, "1000")])
    c.collect(world, order, "1000")
    return c.generate(world, world.rep_a)


def test_adjustments_change_the_total_and_stay_on_recompute(world):
    statement = _earning(world)
    with org_scope(world.org):
        services.adjustment_add(actor=world.admin, statement=statement, amount="-5", reason="差错")
        with pytest.raises(ValidationError):
            services.adjustment_add(actor=world.admin, statement=statement, amount="0", reason="")
        statement = services.statement_recompute(actor=world.admin, statement=statement)
        assert statement.adjustment_total == D("-5") and statement.total == D("25")
        assert statement.lines.filter(kind=CommissionLine.Kind.ADJUSTMENT).count() == 1


def test_approved_statement_is_locked(world):
    statement = _earning(world)
    with org_scope(world.org):
        services.statement_submit(actor=world.admin, statement=statement)  # no flow: approver
        statement = CommissionStatement.objects.get(pk=statement.pk)
        assert statement.status == "approved" and statement.approved_at
        lines_before = list(statement.lines.values_list("pk", "commission"))
    c.rule(
        world,
        name="新规则",
        basis="order",
        applies_to="employees",
        employees=[world.rep_a.pk],
        tiers=(("0", "50"),),
    )
    attempts = [
        lambda: services.statement_recompute(actor=world.admin, statement=statement),
        lambda: services.statement_delete(actor=world.admin, statement=statement),
        lambda: services.statement_update(actor=world.admin, statement=statement, notes="x"),
        lambda: services.adjustment_add(
            actor=world.admin, statement=statement, amount="1", reason="x"
        ),
        lambda: c.generate(world, world.rep_a),
    ]
    for attempt in attempts:
        with org_scope(world.org), pytest.raises(BusinessRuleError) as exc_info:
            attempt()
        assert exc_info.value.code == "statement_locked"
    with org_scope(world.org):
        fresh = CommissionStatement.objects.get(pk=statement.pk)
        assert fresh.total == D("30") and fresh.version == statement.version
        assert list(fresh.lines.values_list("pk", "commission")) == lines_before


def test_without_a_flow_only_an_approver_may_submit(world):
    c.rule(world)
    statement = c.generate(world, world.rep_a)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.statement_submit(actor=world.rep_a, statement=statement)  # no edit right
    with org_scope(world.org):
        manager_role = role(world.org, "销售主管")
        assert "commissions.approve" in manager_role.permissions
        services.statement_submit(actor=world.manager, statement=statement)
        assert CommissionStatement.objects.get(pk=statement.pk).status == "approved"


def test_approval_round_trip(world):
    """With a flow: pending (locked), rejected → draft (editable), approved → locked."""
    statement = _earning(world)
    h.flow(
        world, "commission_statement", steps=[{"kind": "employees", "employees": [world.admin.pk]}]
    )
    with org_scope(world.org):
        request = services.statement_submit(actor=world.manager, statement=statement)
        assert CommissionStatement.objects.get(pk=statement.pk).status == "pending"
        assert request.values["total"] == "30.000000"
        with pytest.raises(BusinessRuleError):
            services.statement_recompute(actor=world.admin, statement=statement)
        approver = world.admin
        approvals.reject(actor=approver, request=request, comment="请核对")
        assert CommissionStatement.objects.get(pk=statement.pk).status == "draft"
        services.statement_recompute(actor=world.admin, statement=statement)
        request = services.statement_submit(actor=world.manager, statement=statement)
        approvals.approve(actor=approver, request=request)
        assert CommissionStatement.objects.get(pk=statement.pk).status == "approved"


def test_generate_respects_the_data_scope(world):
    c.rule(world)
    with org_scope(world.org):
        with pytest.raises(ValidationError):
            services.statement_generate(actor=world.manager, period="2026-05", employee=world.agent)
        services.statement_generate(actor=world.manager, period="2026-05", employee=world.rep_b)
        with pytest.raises(PermissionDenied):
            services.statement_generate(actor=world.rep_a, period="2026-05", employee=world.rep_a)


def test_rep_sees_own_statements_only(world):
    c.rule(world)
    own = c.generate(world, world.rep_a)
    other = c.generate(world, world.rep_b)
    with org_scope(world.org):
        visible = set(
            selectors.statement_queryset(employee=world.rep_a).values_list("pk", flat=True)
        )
        assert visible == {own.pk}
        with pytest.raises(Http404):
            selectors.access_statement(world.rep_a, other.pk)
        managed = selectors.statement_queryset(employee=world.manager)
        assert set(managed.values_list("pk", flat=True)) == {own.pk, other.pk}


def test_generate_all_runs_as_a_job(world, django_capture_on_commit_callbacks):
    from guanxi.jobs.models import Job
    from guanxi.sales.commissions import jobs

    c.rule(world)
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        job = jobs.generate_start(actor=world.manager, period="2026-05")
    with org_scope(world.org):
        job = Job.objects.get(pk=job.pk)
        assert job.status == "succeeded"
        assert job.result["generated"] >= 3
        owners = set(CommissionStatement.objects.values_list("owner_id", flat=True))
    # the manager's scope is the sales tree: manager, rep_a, rep_b, readonly
    assert {world.rep_a.pk, world.rep_b.pk, world.manager.pk} <= owners
    assert world.agent.pk not in owners


def test_period_format(world):
    assert selectors.parse_period("2026-q2").start == datetime.date(2026, 4, 1)
    assert selectors.parse_period("2026-02").end == datetime.date(2026, 2, 28)
    for bad in ("2026-13", "2026", "26-01", "2026-Q5", ""):
        with pytest.raises(ValidationError):
            selectors.parse_period(bad)
