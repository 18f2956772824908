"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). Requisitions are filed by
``rep_b``; flows belong to the org (a setup module: no data scope)."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.workspace.approvals import requisitions, services


@sample(
    "approval-flow",
    change={"name": "改过的流程"},
    check_field="name",
    create=lambda w: {
        "document": "requisition",
        "name": "用章审批",
        "conditions": [{"variable": "category", "op": "=", "value": "seal"}],
        "steps": [{"kind": "manager"}],
    },
)
def build_flow(world):
    with org_scope(world.org):
        return services.flow_create(
            actor=world.admin,
            document="requisition",
            name="采购审批",
            conditions=[{"variable": "amount", "op": ">", "value": "5000"}],
            steps=[{"kind": "manager"}],
        )


@sample(
    "requisition",
    change={"title": "改过的标题"},
    check_field="title",
    create=lambda w: {"title": "申请用章", "category": "seal"},
)
def build_requisition(world):
    with org_scope(world.org):
        return requisitions.requisition_create(
            actor=world.rep_b, title="采购打印机", category="purchase", amount="3000"
        )
