"""Shared builders for the opportunity tests."""

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.opportunities import services


def make_customer(world, owner, name="华东精密机械有限公司", **extra):
    with org_scope(world.org):
        return customer_services.customer_create(actor=owner, name=name, **extra)


def make_opportunity(world, actor, *, customer=None, name="数控机床采购项目", **extra):
    customer = customer or make_customer(world, actor)
    with org_scope(world.org):
        return services.opportunity_create(actor=actor, customer=customer, name=name, **extra)


def stage_named(pipeline, name):
    return pipeline.stages.get(name=name)
