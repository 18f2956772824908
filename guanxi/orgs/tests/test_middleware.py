"""The tenant middleware: who the request is, with what roles, at what cost."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY

from guanxi.core.tenancy import all_orgs
from guanxi.orgs import policy
from guanxi.orgs.middleware import employee_with_roles
from guanxi.orgs.models import Employee

pytestmark = pytest.mark.django_db

BELL = "/jobs/bell/"  # a small page any employee may open: one query of its own


def test_signed_in_page_costs_the_session_and_one_query(world, web, django_assert_num_queries):
    """Session; employee with org, department, user and roles; the page's own count.
    A data scope over a department tree reads that tree once more (the manager)."""
    for employee, queries in ((world.rep_a, 3), (world.manager, 4)):
        client = web(employee)
        client.get(BELL)  # warm caches
        with django_assert_num_queries(queries):
            assert client.get(BELL).status_code == 200


def test_employee_with_roles_loads_them_for_the_policy(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        employee = employee_with_roles(world.rep_a.user_id)
    assert employee == world.rep_a and employee.user == world.rep_a.user
    with django_assert_num_queries(0):
        assert employee.org == world.org and employee.department == world.east
        assert policy.can(employee, "customers.view")
        assert not policy.can(employee, "roles.edit")


def test_forget_reads_the_roles_again(world):
    employee = employee_with_roles(world.rep_a.user_id)
    assert policy.can(employee, "customers.view")
    with all_orgs():
        world.rep_a.roles.clear()
    assert policy.can(employee, "customers.view")  # the request's own view
    policy.forget(employee)
    with all_orgs():
        assert not policy.can(employee, "customers.view")


def test_employee_without_roles_is_still_the_employee(world, web):
    with all_orgs():
        world.rep_a.roles.clear()
    assert employee_with_roles(world.rep_a.user_id) is None
    client = web(world.rep_a)
    assert client.get(BELL).status_code == 200  # signed in, as an employee
    assert client.get("/customers/new/").status_code == 403  # but allowed nothing


def test_left_employee_and_inactive_org_are_refused(world, other_world, web):
    with all_orgs():
        Employee._base_manager.filter(pk=world.rep_a.pk).update(status=Employee.Status.LEFT)
        other_world.org.is_active = False
        other_world.org.save(update_fields=["is_active"])
    assert web(world.rep_a).get(BELL).status_code == 403
    assert web(other_world.manager).get(BELL).status_code == 403


def test_session_of_a_changed_password_is_signed_out(world, web):
    """A session whose hash no longer matches (the password changed) goes Django's way:
    flushed, signed out."""
    client = web(world.rep_a)
    assert client.get(BELL).status_code == 200
    world.rep_a.user.set_password("Another-Pass-2026!")
    world.rep_a.user.save()
    response = client.get(BELL)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert HASH_SESSION_KEY not in client.session


def test_bearer_token_finds_the_employee_with_roles(world, api):
    response = api(world.rep_a).get("/api/v1/me")
    assert response.status_code == 200
