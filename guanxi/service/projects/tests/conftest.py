"""Fixtures of the service project tests: a second service agent in another department,
and a colleague who may only view projects (own scope)."""

import pytest

from guanxi.core.tenancy import all_orgs
from guanxi.orgs.models import Role
from guanxi.orgs.permissions import DataScope
from guanxi.orgs.tests.factories import DepartmentFactory, EmployeeFactory, role


@pytest.fixture
def agent_b(world):
    """A service agent of the field team (not the agent's department)."""
    with all_orgs():
        field = DepartmentFactory(org=world.org, name="现场服务组")
        return EmployeeFactory(
            org=world.org,
            name="孙工",
            username="agent_b",
            department=field,
            roles=[role(world.org, "客服专员")],
        )


@pytest.fixture
def viewer(world):
    """May view projects (own scope) and customers, nothing else."""
    with all_orgs():
        looker = Role.objects.create(
            org=world.org,
            name="项目查看",
            permissions=["service_projects.view", "customers.view"],
            data_scopes={
                "service_projects": {"scope": DataScope.OWN, "departments": []},
                "customers": {"scope": DataScope.ALL, "departments": []},
            },
        )
        return EmployeeFactory(
            org=world.org, name="周工", username="viewer", department=world.service, roles=[looker]
        )
