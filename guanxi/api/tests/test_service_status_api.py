"""An agent's availability (``service_status``): every employee sets their own through
``/api/v1/me`` or their own ``/api/v1/employees/{id}``; someone else's needs
``employees.edit``; a left employee is offline and cannot come back online."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.orgs import services
from guanxi.orgs.models import Employee

pytestmark = pytest.mark.django_db


def _status(employee):
    with org_scope(employee.org):
        return Employee.objects.get(pk=employee.pk).service_status


def test_new_employees_start_offline_and_the_api_shows_it(world, api):
    assert _status(world.agent) == "offline"
    body = api(world.admin).get(f"/api/v1/employees/{world.agent.pk}").json()
    assert body["service_status"] == "offline"
    assert body["service_status_at"] is None
    assert api(world.agent).get("/api/v1/me").json()["service_status"] == "offline"


def test_agent_goes_online_through_me(world, api):
    response = api(world.agent).patch("/api/v1/me", {"service_status": "online"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["service_status"] == "online"
    assert _status(world.agent) == "online"
    with org_scope(world.org):
        assert Employee.objects.get(pk=world.agent.pk).service_status_at is not None


def test_agent_sets_own_status_on_their_employee_record_without_employee_permissions(world, api):
    url = f"/api/v1/employees/{world.agent.pk}"
    response = api(world.agent).patch(url, {"service_status": "busy"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["service_status"] == "busy"
    assert _status(world.agent) == "busy"
    # but nothing else of their record, and not a colleague's status
    refused = api(world.agent).patch(url, {"title": "组长"}, format="json")
    assert refused.status_code == 403
    other = api(world.agent).patch(
        f"/api/v1/employees/{world.rep_a.pk}", {"service_status": "online"}, format="json"
    )
    assert other.status_code == 403
    assert _status(world.rep_a) == "offline"


def test_admin_sets_an_agents_status_and_bad_values_change_nothing(world, api):
    url = f"/api/v1/employees/{world.agent.pk}"
    assert (
        api(world.admin).patch(url, {"service_status": "online"}, format="json").status_code == 200
    )
    assert _status(world.agent) == "online"
    bad = api(world.admin).patch(url, {"service_status": "away"}, format="json")
    assert bad.status_code == 400
    assert "service_status" in bad.json()["fields"]
    bad_me = api(world.agent).patch("/api/v1/me", {"service_status": "away"}, format="json")
    assert bad_me.status_code == 400
    assert _status(world.agent) == "online"


def test_leaving_sets_offline_and_a_left_employee_cannot_go_online(world):
    with org_scope(world.org):
        services.employee_set_service_status(
            actor=world.agent, employee=world.agent, service_status="online"
        )
        left = services.employee_leave(actor=world.admin, employee=world.agent)
        assert left.service_status == "offline"
        with pytest.raises(Exception) as refused:
            services.employee_set_service_status(
                actor=world.admin, employee=left, service_status="online"
            )
        assert getattr(refused.value, "code", "") == "employee_left"
        assert Employee.objects.get(pk=left.pk).service_status == "offline"


def test_other_orgs_employee_is_not_reachable(world, other_world, api):
    url = f"/api/v1/employees/{other_world.agent.pk}"
    assert (
        api(world.admin).patch(url, {"service_status": "online"}, format="json").status_code == 404
    )
    assert _status(other_world.agent) == "offline"
