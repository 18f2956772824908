"""Isolation-matrix samples (see guanxi/api/tests/matrix.py)."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import Pipeline


def _customer(world, owner, name):
    with org_scope(world.org):
        return customer_services.customer_create(actor=owner, name=name)


def _create_opportunity(world):
    customer = _customer(world, world.admin, "样本新建客户有限公司")
    return {"customer": customer.pk, "name": "新建样本商机", "amount": "1000.00"}


@sample(
    "opportunity",
    change={"name": "改过的商机"},
    check_field="name",
    create=_create_opportunity,
    owned=True,
    module="opportunities",
)
def build_opportunity(world):
    customer = _customer(world, world.rep_b, "样本客户有限公司")
    with org_scope(world.org):
        return services.opportunity_create(
            actor=world.rep_b, customer=customer, name="样本商机", amount="50000"
        )


STAGES = [
    {"name": "接洽", "probability": 20},
    {"name": "成交", "probability": 100, "kind": "won"},
    {"name": "失败", "probability": 0, "kind": "lost"},
]


@sample(
    "pipeline",
    change={"name": "改过的流程"},
    check_field="name",
    create=lambda w: {"name": "新流程", "stages": STAGES},
)
def build_pipeline(world):
    with org_scope(world.org):
        existing = Pipeline.objects.filter(name="样本流程").first()
        return existing or services.pipeline_create(
            actor=world.admin, name="样本流程", stages=STAGES
        )
