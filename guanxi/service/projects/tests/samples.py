"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). Projects are owned records
of module ``service_projects``, which the sales roles of the matrix's data-scope dimension
do not have: that dimension (and membership visibility) is proven in ``test_api.py`` with
two service agents instead."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.service.projects import services
from guanxi.service.projects.tests import helpers as h


def _body(world):
    client = h.customer(world, name="样本项目客户乙")
    return {"customer": client.pk, "name": "系统升级改造"}


@sample("service-project", change={"name": "改过的项目名称"}, check_field="name", create=_body)
def build_project(world):
    client = h.customer(world, name="样本项目客户")
    with org_scope(world.org):
        return services.project_create(actor=world.admin, customer=client, name="年度巡检")
