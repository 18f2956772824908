"""Migration 0011: roles that existed before the expenses, commissions and sales-target
permissions get them by what they hold on orders, with the orders' data scope (see the
migration's docstring). A role created today from a preset already matches."""

import importlib

import pytest
from django.apps import apps

from guanxi.core.tenancy import org_scope
from guanxi.orgs import defaults
from guanxi.orgs.models import Role

pytestmark = pytest.mark.django_db
migration = importlib.import_module("guanxi.orgs.migrations.0011_sales_planning_permissions")
TREE = {"scope": "department_tree", "departments": []}


def _role(world, name, permissions, scopes=None):
    with org_scope(world.org):
        return Role.objects.create(
            org=world.org, name=name, permissions=permissions, data_scopes=scopes or {}
        )


def _reload(*roles):
    with org_scope(roles[0].org):
        return [Role.objects.get(pk=role.pk) for role in roles]


def test_existing_roles_get_the_new_modules_by_what_they_hold_on_orders(world):
    rep = _role(world, "老销售", ["orders.view", "orders.create", "orders.edit"])
    manager = _role(
        world,
        "老主管",
        ["reports.view", *(f"orders.{action}" for action in migration.ALL)],
        {"orders": TREE, "commissions": {"scope": "all", "departments": []}},
    )
    boss = _role(world, "老领导", ["orders.view", "orders.export", "orders.approve"])
    service = _role(world, "老客服", ["tickets.view", "tickets.edit"])
    migration.grant(apps, None)
    migration.grant(apps, None)  # again: nothing doubles
    rep, manager, boss, service = _reload(rep, manager, boss, service)

    assert rep.permissions[3:] == [
        "expenses.view", "expenses.create", "expenses.edit", "commissions.view",
        "sales_targets.view",
    ]  # fmt: skip
    assert {
        "commissions.approve",
        "sales_targets.delete",
        "expenses.approve",
        "reports.export",
    } <= set(manager.permissions)
    assert len(manager.permissions) == len(set(manager.permissions))
    assert manager.data_scopes["expenses"] == TREE
    assert manager.data_scopes["sales_targets"] == TREE
    assert manager.data_scopes["commissions"]["scope"] == "all"  # already set: kept
    assert set(boss.permissions) - {"orders.view", "orders.export", "orders.approve"} == {
        "expenses.view", "expenses.export", "expenses.approve", "commissions.view",
        "commissions.export", "commissions.approve", "sales_targets.view",
        "sales_targets.export",
    }  # fmt: skip
    assert service.permissions == ["tickets.view", "tickets.edit"]
    assert service.data_scopes == {}


@pytest.mark.parametrize("key", ["boss", "sales_manager", "sales_rep", "readonly"])
def test_a_preset_role_gains_nothing(key):
    """The rule reproduces the presets: a preset role already holds what it would add."""
    _key, _name, _description, _admin, codes, _scopes = next(
        role for role in defaults.ROLES if role[0] == key
    )
    assert set(migration._added(codes)) <= set(codes)
