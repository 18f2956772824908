"""Service projects in the global search index: found by code and name, shown with the
customer's name, placed in the ``service_projects`` data scope by manager and department."""

from django.utils.translation import gettext_lazy as _

from guanxi.search import registry
from guanxi.search.tokens import Document
from guanxi.service.projects.models import ServiceProject

KIND = "service_project"


def _projects(ids):
    rows = ServiceProject.objects.filter(pk__in=ids).select_related("customer")
    for project in rows.only(
        "id", "code", "name", "owner_id", "owner_department_id", "customer__name"
    ):
        yield Document(
            kind=KIND,
            object_id=project.pk,
            title=f"{project.code} {project.name}",
            subtitle=project.customer.name,
            module="service_projects",
            url_name="service_projects:project_detail",
            url_arg=project.pk,
            owner_id=project.owner_id,
            department_id=project.owner_department_id,
            names=[project.name],
            codes=[project.code],
        )


def _all_ids():
    return (
        ServiceProject.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)
    )


registry.register(
    KIND,
    label=_("服务项目"),
    module="service_projects",
    documents=_projects,
    all_ids=_all_ids,
    order=73,
)
