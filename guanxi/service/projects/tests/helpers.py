"""Builders of the service project tests: a customer, projects, milestones, tasks."""

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.service.projects import services


def customer(world, name="华东精密机械有限公司", owner=None):
    with org_scope(world.org):
        return customer_services.customer_create(
            actor=world.admin, name=name, owner=owner or world.admin, region="上海市 闵行区"
        )


def project(world, actor=None, *, client=None, name="生产线设备安装调试", **fields):
    """A planned project managed by ``actor`` (the agent) for a new customer."""
    actor = actor or world.agent
    client = client or customer(world)
    with org_scope(world.org):
        return services.project_create(actor=actor, customer=client, name=name, **fields)


def started(world, actor=None, **fields):
    made = project(world, actor, **fields)
    with org_scope(world.org):
        return services.project_transition(actor=world.admin, project=made, status="in_progress")


def milestone(world, made, name="设备到货验收", due_date="2026-12-20", actor=None):
    with org_scope(world.org):
        return services.milestone_create(
            actor=actor or world.admin, project=made, name=name, due_date=due_date
        )


def task(world, made, title="设备就位", actor=None, **fields):
    with org_scope(world.org):
        return services.task_create(actor=actor or world.admin, project=made, title=title, **fields)


def reload(world, record):
    with org_scope(world.org):
        manager = getattr(type(record), "with_deleted", type(record).objects)
        return manager.get(pk=record.pk)
