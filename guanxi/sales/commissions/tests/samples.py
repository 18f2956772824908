"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): commission rules are
org-wide sales setup; commission statements are owned records of module ``commissions``
and each sample statement is ``rep_b``'s."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.sales.commissions import services
from guanxi.sales.commissions.models import CommissionRule


def _rule_body(world):
    with org_scope(world.org):
        count = CommissionRule.objects.count()
    return {
        "name": f"样本规则{count + 1}",
        "basis": "order",
        "applies_to": "employees",
        "employees": [world.rep_a.pk],
        "valid_from": f"{2030 + count}-01-01",
        "valid_to": f"{2030 + count}-12-31",
        "tiers": [{"from_amount": "0", "rate": "2"}],
    }


@sample(
    "commission-rule",
    change={"name": "改过的规则"},
    check_field="name",
    create=_rule_body,
)
def build_rule(world):
    body = _rule_body(world)
    with org_scope(world.org):
        return services.rule_create(actor=world.admin, **body)


@sample(
    "commission-statement",
    change={"notes": "已核对"},
    check_field="notes",
    owned=True,
    module="commissions",
)
def build_statement(world):
    with org_scope(world.org):
        count = services.CommissionStatement.objects.filter(owner=world.rep_b).count()
        return services.statement_generate(
            actor=world.admin, period=f"2025-{count + 1:02d}", employee=world.rep_b
        )
