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
