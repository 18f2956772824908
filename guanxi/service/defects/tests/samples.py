"""Isolation-matrix sample (see guanxi/api/tests/matrix.py): defects are not owned, so
everyone with ``defects.view`` in the org sees them all."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.service.defects import services
from guanxi.service.defects.tests import helpers as h


def _defect_body(world):
    item = h.product(world, name="样本缺陷产品乙")
    return {"product": item.pk, "title": "显示屏闪烁", "severity": "minor"}


@sample(
    "defect",
    change={"found_version": "V2.1 批次 2405"},
    check_field="found_version",
    create=_defect_body,
    owned=False,
    module="defects",
)
def build_defect(world):
    item = h.product(world, name="样本缺陷产品")
    with org_scope(world.org):
        return services.defect_create(actor=world.admin, product=item, title="开机异响")
