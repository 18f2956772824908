"""orgs.policy: function permissions, special permissions and data scopes."""

import pytest
from django.core.exceptions import PermissionDenied

from guanxi.core.tenancy import org_scope
from guanxi.orgs import policy, services
from guanxi.orgs.permissions import DataScope

pytestmark = pytest.mark.django_db


def test_admin_has_every_permission_and_all_data(world):
    with org_scope(world.org):
        access = policy.access_for(world.admin)
        assert access.is_admin
        assert policy.can(world.admin, "customers.delete")
        assert policy.can(world.admin, "special.view_cost")
        assert policy.visible_q(world.admin, "customers") is None


def test_rep_sees_own_records_only(world):
    with org_scope(world.org):
        q = policy.visible_q(world.rep_a, "customers")
        assert q is not None
        assert policy.access_for(world.rep_a).scope("customers").department_ids == frozenset()
        assert policy.can(world.rep_a, "customers.create")
        assert not policy.can(world.rep_a, "customers.delete")
        assert not policy.can(world.rep_a, "employees.edit")


def test_manager_department_tree_covers_sub_departments(world):
    with org_scope(world.org):
        scope = policy.access_for(world.manager).scope("customers")
        assert not scope.all
        assert scope.department_ids == {world.sales.pk, world.east.pk, world.north.pk}


def test_readonly_department_scope_is_exactly_own_department(world):
    with org_scope(world.org):
        scope = policy.access_for(world.readonly).scope("customers")
        assert scope.department_ids == {world.sales.pk}
        assert policy.can(world.readonly, "customers.view")
        assert not policy.can(world.readonly, "customers.edit")


def test_chosen_departments_include_their_sub_departments(world):
    with org_scope(world.org):
        role = services.role_create(
            actor=world.admin,
            name="华北观察员",
            permissions=["customers.view"],
            data_scopes={"customers": {"scope": DataScope.CHOSEN, "departments": [world.sales.pk]}},
        )
        services.employee_update(
            actor=world.admin, employee=world.agent, roles=[*world.agent.roles.all(), role]
        )
        world.agent.refresh_from_db()
        policy.forget(world.agent)
        # the agent's own role gives "all" customers; union keeps the widest
        assert policy.access_for(world.agent).scope("customers").all
        services.employee_update(actor=world.admin, employee=world.agent, roles=[role])
        world.agent.refresh_from_db()
        policy.forget(world.agent)
        scope = policy.access_for(world.agent).scope("customers")
        assert scope.department_ids == {world.sales.pk, world.east.pk, world.north.pk}


def test_left_employee_may_do_nothing(world):
    with org_scope(world.org):
        services.employee_leave(actor=world.admin, employee=world.rep_a)
        world.rep_a.refresh_from_db()
        policy.forget(world.rep_a)
        assert not policy.can(world.rep_a, "customers.view")


def test_require_raises_translated_permission_denied(world):
    with org_scope(world.org), pytest.raises(PermissionDenied) as info:
        policy.require(world.rep_a, "employees.create")
    assert "员工" in str(info.value)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("021-62345678", "021****5678"),
        ("62345678", "****5678"),
        ("5678", "****"),
        ("", ""),
    ],
)
def test_phone_masking_without_special_permission(world, value, masked):
    with org_scope(world.org):
        assert policy.mask_phone(world.rep_a, value) == masked
        assert policy.mask_phone(world.admin, value) == value
