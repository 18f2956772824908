"""Builders of the routing and SLA tests: tickets made with the ORM (the ticket services
live in their own app), agents of the service department, queues and policies."""

import datetime
import itertools

from django.utils import timezone

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Employee
from guanxi.orgs.tests.factories import DepartmentFactory, EmployeeFactory, role
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.routing import services
from guanxi.service.tickets.models import Ticket

_codes = itertools.count(1)


def agent(world, name, *, skills=(), status="online", department=None, at=None, **fields):
    """A 客服专员 of 客服部 (or ``department``) with ``skills`` and service ``status``
    (changed ``at``, default now)."""
    with all_orgs():
        employee = EmployeeFactory(
            org=world.org,
            name=name,
            username=f"agent{next(_codes)}",
            department=department or world.service,
            roles=[role(world.org, "客服专员")],
            **fields,
        )
        Employee.objects.filter(pk=employee.pk).update(
            skills=list(skills), service_status=status, service_status_at=at or timezone.now()
        )
        employee.refresh_from_db()
    return employee


def team(world, name, parent=None):
    with all_orgs():
        return DepartmentFactory(org=world.org, name=name, parent=parent or world.service)


def ticket(world, *, category="repair", priority="normal", client=None, product=None,
           created_at=None, **fields):  # fmt: skip
    """A new, unassigned ticket of a customer (made with the ORM)."""
    client = client or h.customer(world, name=f"客户{next(_codes)}", owner=world.admin)
    with org_scope(world.org):
        made = Ticket.objects.create(
            org=world.org,
            code=f"GD-{next(_codes):05d}",
            subject=fields.pop("subject", "设备无法开机"),
            customer=client,
            category=category,
            priority=priority,
            product=product,
            **fields,
        )
        if created_at is not None:
            Ticket.objects.filter(pk=made.pk).update(created_at=created_at)
            made.refresh_from_db()
        return made


def assigned(world, employee, *, status="assigned", at=None, **fields):
    """A ticket already assigned to ``employee`` (counts in their open load)."""
    made = ticket(world, **fields)
    with org_scope(world.org):
        Ticket.objects.filter(pk=made.pk).update(
            assignee=employee, status=status, assigned_at=at or timezone.now()
        )
        made.refresh_from_db()
    return made


def queue(world, name="售后维修组", *, team_dept=None, **fields):
    fields.setdefault("categories", ["repair", "installation"])
    with org_scope(world.org):
        return services.queue_create(
            actor=world.admin, name=name, team=(team_dept or world.service).pk, **fields
        )


def sla(world, name="普通工单", **fields):
    fields.setdefault("first_response_minutes", 60)
    fields.setdefault("resolution_minutes", 480)
    with org_scope(world.org):
        return services.sla_policy_create(actor=world.admin, name=name, **fields)


def calendar_days(world, start, end=None, name="国庆节", kind="holiday"):
    """Holidays (or make-up working days) from ``start`` to ``end`` (ISO dates)."""
    with org_scope(world.org):
        return services.calendar_days_add(
            actor=world.admin, start=start, end=end, name=name, kind=kind
        )


def work_week(world, start=datetime.time(9), end=datetime.time(18), days=(1, 2, 3, 4, 5)):
    h.settings(world, work_days=list(days), work_start=start, work_end=end)


def route(world, made):
    with org_scope(world.org):
        return services.route_ticket(ticket=made)
