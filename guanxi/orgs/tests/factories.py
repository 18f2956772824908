"""Test data builders for orgs. They write directly (fast) but keep every
invariant the services keep: tree paths, org on every row, hashed passwords."""

import itertools

import factory

from guanxi.accounts.models import User
from guanxi.core.tenancy import all_orgs
from guanxi.core.trees import tree_place
from guanxi.orgs import services
from guanxi.orgs.models import Department, Employee, Role

PASSWORD = "Guanxi-Test-2026!"
_seq = itertools.count(1)


def make_org(code=None, name=None, *, admin_username="admin"):
    """A fresh org with default roles/dictionaries and its admin; returns (org, admin)."""
    n = next(_seq)
    with all_orgs():
        return services.org_create(
            code=code or f"org{n}",
            name=name or f"测试公司{n}",
            admin_username=admin_username,
            admin_password=PASSWORD,
            admin_name="管理员",
        )


def role(org, name):
    with all_orgs():
        return Role.objects.get(org=org, name=name)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with all_orgs():
            parent = kwargs.get("parent")
            if parent is None:
                kwargs["parent"] = Department.objects.get(org=kwargs["org"], parent=None)
            node = model_class.objects.create(*args, **kwargs)
            tree_place(node)
            return node


class EmployeeFactory(factory.django.DjangoModelFactory):
    """``EmployeeFactory(org=org, department=d, roles=[role])`` with login PASSWORD."""

    class Meta:
        model = Employee

    name = factory.Sequence(lambda n: f"员工{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        roles = kwargs.pop("roles", [])
        username = kwargs.pop("username", None) or f"user{next(_seq)}"
        with all_orgs():
            org = kwargs["org"]
            if "department" not in kwargs:
                kwargs["department"] = Department.objects.get(org=org, parent=None)
            user = User(org=org, username=username)
            user.set_password(PASSWORD)
            user.save()
            employee = model_class.objects.create(*args, user=user, **kwargs)
            employee.roles.set(roles)
            return employee
