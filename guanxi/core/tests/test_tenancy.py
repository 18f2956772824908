"""Tenant scoping fails closed."""

import pytest

from guanxi.core.tenancy import ScopeError, all_orgs, org_scope
from guanxi.orgs.models import Department, Employee

pytestmark = pytest.mark.django_db


def test_unscoped_query_raises(world):
    with pytest.raises(ScopeError):
        list(Employee.objects.all())
    with pytest.raises(ScopeError):
        Department.objects.filter(name="销售部").exists()


def test_scope_filters_to_one_org(world, other_world):
    with org_scope(world.org):
        names = set(Employee.objects.values_list("user__username", flat=True))
        assert "rep_a" in names
        assert Employee.objects.count() == 6
        assert not Employee.objects.filter(org=other_world.org).exists()


def test_scope_needs_an_org():
    with pytest.raises(ScopeError), org_scope(None):
        pass


def test_all_orgs_sees_everything(world, other_world):
    with all_orgs():
        assert Employee.objects.count() == 12


def test_related_managers_are_scoped(world, other_world):
    with org_scope(world.org):
        assert set(world.sales.children.values_list("name", flat=True)) == {"华东组", "华北组"}


def test_anonymous_request_cannot_query_org_data(world, client):
    """No employee → no scope: a view that forgot its login check would raise, not leak."""
    response = client.get("/")
    assert response.status_code == 302  # login_required redirects before any query
