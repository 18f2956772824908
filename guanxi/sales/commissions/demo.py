"""Demo data of commissions: three rules (3 % of collections for sales reps, a tiered rate
on order amount for sales managers, a 5 % product-line rate for reps) and last month's
statements of the employees they apply to, computed from the demo's orders and payments;
the first one with commission is approved. Called by the project's demo seed inside the
demo org's scope, after the receivables demo; a second run adds nothing."""

import datetime

from django.utils import timezone

from guanxi.catalog.models import ProductLine
from guanxi.orgs.models import Employee, Role
from guanxi.sales.commissions import selectors, services
from guanxi.sales.commissions.models import CommissionRule


def _role(has, lacks=()):
    """The first non-admin role holding every code of ``has`` and none of ``lacks`` (the
    default roles are found by what they may do: their names are translated)."""
    for role in Role.objects.filter(is_admin=False).order_by("pk"):
        codes = set(role.permissions or [])
        if set(has) <= codes and not codes & set(lacks):
            return role
    return None


def seed(admin):
    """Returns how many statements were made (0 when the demo already has rules)."""
    if CommissionRule.objects.exists():
        return 0
    today = timezone.localdate()
    start = datetime.date(today.year - 1, 1, 1)
    rep_role = _role(
        ["commissions.view", "orders.create"], ["commissions.create", "commissions.approve"]
    )
    manager_role = _role(["commissions.create", "commissions.approve"])
    line = ProductLine.objects.order_by("sort_order", "pk").first()
    if rep_role is not None:
        services.rule_create(
            actor=admin,
            name="销售代表回款提成",
            basis="collected",
            applies_to="role",
            role=rep_role,
            valid_from=start,
            tiers=[{"from_amount": "0", "rate": "3"}],
            notes="按到账并核销的回款计提 3%",
        )
        if line is not None:
            services.rule_create(
                actor=admin,
                name=f"{line.name}产品线奖励",
                basis="collected",
                applies_to="role",
                role=rep_role,
                product_line=line,
                valid_from=start,
                tiers=[{"from_amount": "0", "rate": "5"}],
                notes="重点产品线回款按 5% 计提",
            )
    if manager_role is not None:
        services.rule_create(
            actor=admin,
            name="销售主管订单阶梯提成",
            basis="order",
            applies_to="role",
            role=manager_role,
            valid_from=start,
            tiers=[
                {"from_amount": "0", "rate": "1"},
                {"from_amount": "200000", "rate": "1.5"},
                {"from_amount": "500000", "rate": "2"},
            ],
            notes="月度订单额分段累进",
        )
    period = selectors.previous_month(today)
    found = selectors.parse_period(period)
    made = []
    for employee in Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("pk"):
        if selectors.rules_for(employee, found.start, found.end):
            made.append(services.statement_generate(actor=admin, period=period, employee=employee))
    earning = [statement for statement in made if statement.total > 0]
    if earning:
        services.statement_submit(actor=admin, statement=earning[0])
    return len(made)
