"""Builders shared by the approvals tests."""

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Employee, Role
from guanxi.orgs.tests.factories import EmployeeFactory
from guanxi.workspace.approvals import requisitions, services


def flow(world, *steps, conditions=None, priority=100, name="采购审批", is_active=True):
    """A requisition flow of ``world``'s org made by its admin."""
    with org_scope(world.org):
        return services.flow_create(
            actor=world.admin,
            document="requisition",
            name=name,
            conditions=conditions or [],
            priority=priority,
            is_active=is_active,
            steps=list(steps) or [{"kind": "manager"}],
        )


def requisition(
    world, employee=None, *, amount="8000", category="purchase", title="采购笔记本电脑"
):
    with org_scope(world.org):
        return requisitions.requisition_create(
            actor=employee or world.rep_a,
            title=title,
            category=category,
            amount=amount,
            content="三台，用于新员工",
        )


def submitted(world, employee=None, **kwargs):
    record = requisition(world, employee, **kwargs)
    with org_scope(world.org):
        request = requisitions.requisition_submit(actor=employee or world.rep_a, requisition=record)
    return record, request


def employee(world, name, department, *, manager=None, role_name=None, username=None):
    with org_scope(world.org):
        roles = [Role.objects.get(name=role_name)] if role_name else []
    return EmployeeFactory(
        org=world.org,
        name=name,
        username=username or f"u_{abs(hash(name)) % 10**8}",
        department=department,
        manager=manager,
        roles=roles,
    )


def leave(world, person):
    with org_scope(world.org):
        Employee.objects.filter(pk=person.pk).update(status=Employee.Status.LEFT)
        person.refresh_from_db()
    return person
