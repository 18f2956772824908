"""Migration 0012: roles that existed before the service modules get them by what they
hold on tickets, with the tickets' data scope (see the migration's docstring)."""

import importlib

import pytest
from django.apps import apps

from guanxi.core.tenancy import org_scope
from guanxi.orgs import defaults
from guanxi.orgs.models import Role

pytestmark = pytest.mark.django_db
migration = importlib.import_module("guanxi.orgs.migrations.0012_service_permissions")
ALL_SCOPE = {"scope": "all", "departments": []}
OWN_SCOPE = {"scope": "own", "departments": []}


def _role(world, name, permissions, scopes=None):
    with org_scope(world.org):
        return Role.objects.create(
            org=world.org, name=name, permissions=permissions, data_scopes=scopes or {}
        )


def _reload(*roles):
    with org_scope(roles[0].org):
        return [Role.objects.get(pk=role.pk) for role in roles]


def test_existing_roles_get_the_service_modules_by_what_they_hold_on_tickets(world):
    agent = _role(world, "老客服", ["tickets.view", "tickets.create"], {"tickets": ALL_SCOPE})
    manager = _role(world, "老客服主管", [f"tickets.{a}" for a in migration.ALL])
    viewer = _role(world, "老查看", ["tickets.view"])
    sales = _role(world, "老销售", ["orders.view"])
    rep = _role(world, "老销售代表", ["orders.view", "orders.create"], {"orders": OWN_SCOPE})
    migration.grant(apps, None)
    migration.grant(apps, None)  # again: nothing doubles
    agent, manager, viewer, sales, rep = _reload(agent, manager, viewer, sales, rep)

    assert agent.permissions[2:] == list(migration.AGENT)
    assert agent.data_scopes["service_contracts"] == ALL_SCOPE
    assert agent.data_scopes["repairs"] == ALL_SCOPE
    assert {"service_setup.edit", "service_contracts.approve", "repairs.delete"} <= set(
        manager.permissions
    )
    assert len(manager.permissions) == len(set(manager.permissions))
    assert set(viewer.permissions) == {"tickets.view", *migration.VIEWER}
    assert sales.permissions == ["orders.view"]
    assert rep.permissions[2:] == [
        "service_contracts.view", "service_contracts.create", "service_contracts.edit",
    ]  # fmt: skip
    assert rep.data_scopes["service_contracts"] == OWN_SCOPE


def test_the_presets_already_hold_what_the_migration_grants():
    roles = {key: codes for key, _n, _d, _a, codes, _s in defaults.ROLES}
    assert set(migration._added(roles["service_agent"])) <= set(roles["service_agent"])
    for key in ("service_manager", "sales_rep", "sales_manager"):
        assert set(migration._added(roles[key])) <= set(roles[key]), key


def test_existing_roles_get_the_defects_module_by_what_they_hold_on_tickets(world):
    defects = importlib.import_module("guanxi.orgs.migrations.0014_defect_permissions")
    agent = _role(world, "老客服", ["tickets.view", "tickets.create"])
    viewer = _role(world, "老查看", ["tickets.view"])
    manager = _role(world, "老客服主管", [f"tickets.{a}" for a in defects.ALL])
    defects.grant(apps, None)
    agent, viewer, manager = _reload(agent, viewer, manager)
    assert agent.permissions[2:] == ["defects.view", "defects.create", "defects.edit"]
    assert viewer.permissions[1:] == ["defects.view"]
    assert "defects.export" in manager.permissions
    roles = {key: codes for key, _n, _d, _a, codes, _s in defaults.ROLES}
    for key in ("service_agent", "service_manager"):
        assert set(defects._added(roles[key])) <= set(roles[key]), key
