"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a lead owned by rep_b."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.sales.leads import services


@sample(
    "lead",
    change={"title": "采购总监"},
    check_field="title",
    create=lambda w: {"contact_name": "孙莉", "company_name": "苏州新材料有限公司",
                      "mobile": "13900002222"},
    owned=True,
    module="leads",
)  # fmt: skip
def build_lead(world):
    with org_scope(world.org):
        return services.lead_create(
            actor=world.manager,
            contact_name="周明",
            company_name="杭州云帆科技有限公司",
            mobile="13800001111",
            title="采购经理",
            owner=world.rep_b,
        )


@sample(
    "lead-scoring-rule",
    change={"points": 7},
    check_field="points",
    create=lambda w: {"criterion": "industry", "value": "education", "points": 3},
)
def build_scoring_rule(world):
    with org_scope(world.org):
        return services.scoring_rule_create(
            actor=world.admin, criterion="region", value="西藏", points=4
        )


@sample(
    "lead-assignment-rule",
    change={"name": "改过的规则"},
    check_field="name",
    create=lambda w: {"name": "新规则", "method": "employee", "employee": w.rep_a.pk},
)
def build_assignment_rule(world):
    with org_scope(world.org):
        return services.assignment_rule_create(
            actor=world.admin, name="样本规则", method="round_robin", department=world.east
        )
