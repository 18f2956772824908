"""Setup screens: roles and their three kinds of permission."""

import re

import pytest
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.orgs import permissions as perms
from guanxi.orgs import services
from guanxi.orgs.models import Role
from guanxi.orgs.permissions import DataScope
from guanxi.orgs.tests.factories import EmployeeFactory, role

pytestmark = pytest.mark.django_db

LIST = reverse("orgs:role_list")
CREATE = reverse("orgs:role_create")
# session, user, employee, roles (access), roles with counts; +2 headroom for the shell
LIST_QUERIES = 7
# … and the departments offered for "chosen" data scopes
EDIT_QUERIES = 8


def edit_url(role_):
    return reverse("orgs:role_edit", args=[role_.pk])


def delete_url(role_):
    return reverse("orgs:role_delete", args=[role_.pk])


def text(response):
    return response.content.decode()


def roles_state(org):
    with org_scope(org):
        return sorted(
            (r.pk, r.name, r.description, r.is_admin, tuple(r.permissions), repr(r.data_scopes),
             r.version)
            for r in Role.objects.all()
        )  # fmt: skip


def form_data(name="外勤", description="", permissions=(), scopes=None, version=None):
    """A role form post: every scoped module gets "own" unless ``scopes`` says otherwise."""
    data = {"name": name, "description": description, "permissions": [], "special": []}
    for code in permissions:
        data["special" if code.startswith("special.") else "permissions"].append(code)
    for module in perms.scoped_modules():
        scope, departments = (scopes or {}).get(module, (DataScope.OWN, []))
        data[f"scope_{module}"] = scope
        data[f"departments_{module}"] = departments
    if version is not None:
        data["version"] = version
    return data


# ---- list -----------------------------------------------------------------------------


def test_list_shows_roles_with_employee_counts(world, web):
    response = web(world.admin).get(LIST)
    assert response.status_code == 200
    page = text(response)
    rep_role = role(world.org, "销售代表")
    row = re.search(rf'data-role="{rep_role.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "销售代表" in row and ">2</td>" in row
    assert "全部权限" in page  # the admin role
    assert 'data-testid="role-new"' in page


def test_list_query_count(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(LIST).status_code == 200
    with org_scope(world.org):
        for n in range(10):
            services.role_create(actor=world.admin, name=f"角色{n}", permissions=["tasks.view"])
    with django_assert_max_num_queries(LIST_QUERIES):
        assert "角色9" in text(client.get(LIST))


def test_readonly_sees_the_list_without_buttons(world, web):
    page = text(web(world.readonly).get(LIST))
    assert "销售代表" in page
    assert 'data-testid="role-new"' not in page and 'data-testid="role-delete"' not in page


def test_rep_gets_403(world, web):
    client = web(world.rep_a)
    assert client.get(LIST).status_code == 403
    assert client.get(edit_url(role(world.org, "销售代表"))).status_code == 403


# ---- create ---------------------------------------------------------------------------


def test_create_with_grid_specials_and_scopes(world, web):
    client = web(world.admin)
    page = text(client.get(CREATE))
    # only the actions a module offers are checkboxes
    assert 'value="customers.transfer"' in page
    assert 'value="parameters.delete"' not in page
    assert 'data-testid="scope-table"' in page
    data = form_data(
        name="华北外勤",
        description="只看华北",
        permissions=["customers.view", "customers.create", "special.view_full_phone"],
        scopes={
            "customers": (DataScope.CHOSEN, [world.north.pk, world.service.pk]),
            "tasks": (DataScope.DEPARTMENT_TREE, [world.east.pk]),
        },
    )
    response = client.post(CREATE, data, follow=True)
    assert "已新建角色“华北外勤”" in text(response)
    with org_scope(world.org):
        created = Role.objects.get(name="华北外勤")
    assert created.description == "只看华北"
    assert created.permissions == sorted(
        ["customers.view", "customers.create", "special.view_full_phone"]
    )
    assert created.data_scopes["customers"] == {
        "scope": "chosen",
        "departments": sorted([world.north.pk, world.service.pk]),
    }
    # departments only count when the scope is "chosen"
    assert created.data_scopes["tasks"] == {"scope": "department_tree", "departments": []}
    assert created.data_scopes["orders"] == {"scope": "own", "departments": []}
    assert set(created.data_scopes) == set(perms.scoped_modules())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form_data(name=""), "该字段是必填项"),
        (form_data(name="销售代表"), "已有同名角色"),
        (form_data(permissions=["customers.fly"]), "选择一个有效的选项"),
        (form_data(permissions=["parameters.delete"]), "选择一个有效的选项"),
        (form_data(scopes={"customers": (DataScope.CHOSEN, [])}), "请至少选择一个部门"),
        (form_data(scopes={"customers": ("everyone", [])}), "选择一个有效的选项"),
        (form_data(scopes={"customers": (DataScope.CHOSEN, [999999])}), "选择一个有效的选项"),
    ],
)
def test_create_bad_input_writes_nothing(world, web, data, message):
    before = roles_state(world.org)
    response = web(world.admin).post(CREATE, data)
    assert response.status_code == 400
    assert message in text(response)
    assert roles_state(world.org) == before


def test_create_with_another_orgs_department_is_refused(world, other_world, web):
    before = roles_state(world.org)
    data = form_data(scopes={"customers": (DataScope.CHOSEN, [other_world.east.pk])})
    assert web(world.admin).post(CREATE, data).status_code == 400
    assert roles_state(world.org) == before


def test_readonly_cannot_create(world, web):
    before = roles_state(world.org)
    client = web(world.readonly)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(name="偷建")).status_code == 403
    assert roles_state(world.org) == before


# ---- edit -----------------------------------------------------------------------------


def test_edit_page_shows_current_grid(world, web):
    rep_role = role(world.org, "销售代表")
    page = text(web(world.admin).get(edit_url(rep_role)))
    assert re.search(r'value="customers\.create"[^>]*checked', page)
    assert not re.search(r'value="customers\.delete"[^>]*checked', page)
    assert f'name="version" value="{rep_role.version}"' in page


def test_edit_grid_and_data_scope(world, web):
    rep_role = role(world.org, "销售代表")
    data = form_data(
        name="销售代表",
        description="改过",
        permissions=[*rep_role.permissions, "customers.export", "special.export"],
        scopes={"customers": (DataScope.DEPARTMENT, [])},
        version=rep_role.version,
    )
    response = web(world.admin).post(edit_url(rep_role), data)
    assert response.status_code == 302
    with org_scope(world.org):
        changed = Role.objects.get(pk=rep_role.pk)
    assert "customers.export" in changed.permissions and "special.export" in changed.permissions
    assert changed.data_scopes["customers"]["scope"] == "department"
    assert changed.description == "改过" and changed.version == rep_role.version + 1


def test_stale_edit_is_refused(world, web):
    rep_role = role(world.org, "销售代表")
    client = web(world.admin)
    stale = form_data(name="销售代表", description="后到", version=rep_role.version)
    first = form_data(name="销售代表", description="先到", version=rep_role.version)
    assert client.post(edit_url(rep_role), first).status_code == 302
    before = roles_state(world.org)
    response = client.post(edit_url(rep_role), stale)
    assert response.status_code == 409
    assert "该记录已被他人修改" in text(response)
    assert roles_state(world.org) == before


def test_admin_role_shows_all_permissions_and_no_grid(world, web):
    admin_role = role(world.org, "系统管理员")
    client = web(world.admin)
    page = text(client.get(edit_url(admin_role)))
    assert 'data-testid="admin-all-permissions"' in page
    assert 'data-testid="permission-grid"' not in page
    response = client.post(
        edit_url(admin_role),
        {"name": "超级管理员", "description": "全部", "version": admin_role.version},
    )
    assert response.status_code == 302
    with org_scope(world.org):
        changed = Role.objects.get(pk=admin_role.pk)
    assert changed.name == "超级管理员" and changed.is_admin and changed.permissions == []


def test_readonly_sees_disabled_grid_and_cannot_save(world, web):
    rep_role = role(world.org, "销售代表")
    before = roles_state(world.org)
    client = web(world.readonly)
    page = text(client.get(edit_url(rep_role)))
    assert re.search(r'value="customers\.view"[^>]*disabled', page)
    assert 'data-testid="save"' not in page
    data = form_data(name="销售代表", permissions=perms.function_codes(), version=rep_role.version)
    assert client.post(edit_url(rep_role), data).status_code == 403
    assert roles_state(world.org) == before


def test_other_orgs_role_is_404(world, other_world, web):
    target = role(other_world.org, "销售代表")
    before = roles_state(other_world.org)
    client = web(world.admin)
    assert client.get(edit_url(target)).status_code == 404
    data = form_data(name="改", version=target.version)
    assert client.post(edit_url(target), data).status_code == 404
    assert client.post(delete_url(role(other_world.org, "市场专员"))).status_code == 404
    assert roles_state(other_world.org) == before


def test_edit_page_query_count(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    rep_role = role(world.org, "销售代表")
    with django_assert_max_num_queries(EDIT_QUERIES):
        assert client.get(edit_url(rep_role)).status_code == 200


# ---- delete ---------------------------------------------------------------------------


def test_delete_unused_role(world, web):
    with org_scope(world.org):
        spare = services.role_create(actor=world.admin, name="临时角色")
    response = web(world.admin).post(delete_url(spare), follow=True)
    assert "已删除角色“临时角色”" in text(response)
    with org_scope(world.org):
        assert not Role.objects.filter(pk=spare.pk).exists()


def test_delete_refused_while_in_use(world, web):
    before = roles_state(world.org)
    response = web(world.admin).post(delete_url(role(world.org, "销售代表")))
    assert response.status_code == 422
    assert "该角色仍被 2 名员工使用" in text(response)
    assert roles_state(world.org) == before


def test_readonly_cannot_delete(world, web):
    with org_scope(world.org):
        spare = services.role_create(actor=world.admin, name="临时角色")
    before = roles_state(world.org)
    assert web(world.readonly).post(delete_url(spare)).status_code == 403
    assert roles_state(world.org) == before


def test_role_changes_take_effect_for_its_employees(world, web):
    """A granted permission opens the screen for the role's employees at once."""
    with org_scope(world.org):
        clerk_role = services.role_create(actor=world.admin, name="文员")
    clerk = EmployeeFactory(org=world.org, name="文员甲", department=world.service,
                            roles=[clerk_role])  # fmt: skip
    assert web(clerk).get(reverse("orgs:settings")).status_code == 403
    data = form_data(name="文员", permissions=["parameters.view"], version=clerk_role.version)
    assert web(world.admin).post(edit_url(clerk_role), data).status_code == 302
    assert web(clerk).get(reverse("orgs:settings")).status_code == 200
