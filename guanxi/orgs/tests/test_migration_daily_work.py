"""Migration 0007: roles that existed before the daily-work permissions get them by what
they already hold (see the migration's docstring)."""

import importlib

import pytest
from django.apps import apps

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Role

pytestmark = pytest.mark.django_db
migration = importlib.import_module("guanxi.orgs.migrations.0007_daily_work_permissions")


def _role(world, name, permissions, is_admin=False):
    with org_scope(world.org):
        return Role.objects.create(
            org=world.org, name=name, permissions=permissions, is_admin=is_admin
        )


def test_existing_roles_get_what_they_would_start_with_today(world):
    worker = _role(world, "老销售", ["customers.view", "customers.edit", "special.export"])
    reader = _role(world, "老只读", ["customers.view", "special.view_cost"])
    manager = _role(world, "老主管", ["customers.view", "customers.approve"])
    admin = _role(world, "老管理员", [], is_admin=True)
    migration.grant(apps, None)
    migration.grant(apps, None)  # again: nothing doubles
    with org_scope(world.org):
        worker, reader, manager, admin = (
            Role.objects.get(pk=r.pk) for r in (worker, reader, manager, admin)
        )
    assert worker.permissions == [
        "customers.view", "customers.edit", "special.export", *migration.DAILY_WORK,
    ]  # fmt: skip
    assert reader.permissions == ["customers.view", "special.view_cost", *migration.VIEWS]
    assert set(manager.permissions) == {
        "customers.view", "customers.approve", *migration.DAILY_WORK, *migration.PUBLISH,
    }  # fmt: skip
    assert len(manager.permissions) == len(set(manager.permissions))
    assert admin.permissions == []
