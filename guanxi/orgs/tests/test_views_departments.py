"""Setup screens: the department tree (list, create, rename, move, delete)."""

import pytest
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.orgs import services
from guanxi.orgs.models import Department
from guanxi.orgs.permissions import DataScope
from guanxi.orgs.tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

LIST = reverse("orgs:department_list")
CREATE = reverse("orgs:department_create")


def edit_url(department):
    return reverse("orgs:department_edit", args=[department.pk])


def delete_url(department):
    return reverse("orgs:department_delete", args=[department.pk])


def snapshot(org):
    with org_scope(org):
        return sorted(Department.objects.values_list("pk", "name", "parent_id", "path"))


def text(response):
    return response.content.decode()


# ---- list -----------------------------------------------------------------------------


def test_tree_is_in_path_order_with_depth_and_counts(world, web):
    response = web(world.admin).get(LIST)
    assert response.status_code == 200
    page = text(response)
    # parents come before their children, each row knows its depth
    assert page.index("阿尔法公司") < page.index("销售部") < page.index("华东组")
    assert f'data-department="{world.east.pk}" data-depth="2"' in page
    assert "gx-tree-indent-2" in page
    assert 'data-testid="department-new"' in page


def test_tree_query_count_does_not_grow_with_departments(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with django_assert_max_num_queries(7):
        assert client.get(LIST).status_code == 200
    for n in range(20):
        DepartmentFactory(org=world.org, name=f"小组{n}", parent=world.east)
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert "小组19" in text(response)


def test_readonly_sees_the_tree_without_buttons(world, web):
    response = web(world.readonly).get(LIST)
    assert response.status_code == 200
    page = text(response)
    assert "华东组" in page
    assert 'data-testid="department-new"' not in page
    assert 'data-testid="department-delete"' not in page


def test_rep_without_view_permission_gets_403(world, web):
    assert web(world.rep_a).get(LIST).status_code == 403


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_other_orgs_departments_never_show(world, other_world, web):
    page = text(web(world.admin).get(LIST))
    assert "贝塔公司" not in page


# ---- create ---------------------------------------------------------------------------


def test_create_under_a_parent(world, web):
    client = web(world.admin)
    assert client.get(CREATE + f"?parent={world.east.pk}").status_code == 200
    response = client.post(CREATE, {"name": "上海组", "parent": world.east.pk}, follow=True)
    assert response.status_code == 200
    assert "已新建部门“上海组”" in text(response)
    with org_scope(world.org):
        team = Department.objects.get(name="上海组")
        assert team.parent_id == world.east.pk
        assert team.path == f"{world.east.path}{team.pk}/"
        assert team.depth == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "parent": "PARENT"}, "该字段是必填项"),
        ({"name": "华东组", "parent": "PARENT"}, "同一上级部门下已有同名部门"),
        ({"name": "新组", "parent": "999999"}, "选择一个有效的选项"),
    ],
)
def test_create_bad_input_shows_errors_and_writes_nothing(world, web, data, message):
    before = snapshot(world.org)
    data = {k: (world.sales.pk if v == "PARENT" else v) for k, v in data.items()}
    response = web(world.admin).post(CREATE, data)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot(world.org) == before


def test_create_under_another_orgs_department_is_refused(world, other_world, web):
    before, other_before = snapshot(world.org), snapshot(other_world.org)
    response = web(world.admin).post(CREATE, {"name": "渗透组", "parent": other_world.east.pk})
    assert response.status_code == 400
    assert snapshot(world.org) == before
    assert snapshot(other_world.org) == other_before


def test_readonly_cannot_create(world, web):
    before = snapshot(world.org)
    client = web(world.readonly)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {"name": "偷建", "parent": world.sales.pk}).status_code == 403
    assert snapshot(world.org) == before


# ---- rename and move ------------------------------------------------------------------


def test_rename(world, web):
    client = web(world.admin)
    assert client.get(edit_url(world.east)).status_code == 200
    response = client.post(edit_url(world.east), {"name": "华东大区", "parent": world.sales.pk})
    assert response.status_code == 302
    with org_scope(world.org):
        assert Department.objects.get(pk=world.east.pk).name == "华东大区"


def test_root_can_be_renamed_but_has_no_parent_field(world, web):
    client = web(world.admin)
    page = text(client.get(edit_url(world.root)))
    assert 'name="parent"' not in page
    assert client.post(edit_url(world.root), {"name": "阿尔法集团"}).status_code == 302
    with org_scope(world.org):
        root = Department.objects.get(pk=world.root.pk)
        assert root.name == "阿尔法集团" and root.parent_id is None


def test_move_carries_the_subtree(world, web):
    team = DepartmentFactory(org=world.org, name="上海组", parent=world.east)
    response = web(world.admin).post(
        edit_url(world.east), {"name": "华东组", "parent": world.service.pk}
    )
    assert response.status_code == 302
    with org_scope(world.org):
        east = Department.objects.get(pk=world.east.pk)
        team = Department.objects.get(pk=team.pk)
        assert east.parent_id == world.service.pk
        assert east.path == f"{world.service.path}{east.pk}/"
        assert team.path == f"{east.path}{team.pk}/"
        assert (east.depth, team.depth) == (2, 3)


@pytest.mark.parametrize("target", ["sales", "east"])
def test_move_under_itself_or_a_descendant_is_refused(world, web, target):
    before = snapshot(world.org)
    response = web(world.admin).post(
        edit_url(world.sales), {"name": "销售部", "parent": getattr(world, target).pk}
    )
    assert response.status_code == 400
    assert "不能把节点移动到它自己或它的下级之下" in text(response)
    assert snapshot(world.org) == before


def test_readonly_sees_a_read_only_form_and_cannot_save(world, web):
    before = snapshot(world.org)
    client = web(world.readonly)
    page = text(client.get(edit_url(world.east)))
    assert "disabled" in page and 'data-testid="save"' not in page
    response = client.post(edit_url(world.east), {"name": "改名", "parent": world.sales.pk})
    assert response.status_code == 403
    assert snapshot(world.org) == before


def test_other_orgs_department_is_404(world, other_world, web):
    before = snapshot(other_world.org)
    client = web(world.admin)
    assert client.get(edit_url(other_world.east)).status_code == 404
    response = client.post(edit_url(other_world.east), {"name": "改", "parent": world.sales.pk})
    assert response.status_code == 404
    assert client.post(delete_url(other_world.north)).status_code == 404
    assert snapshot(other_world.org) == before


# ---- delete ---------------------------------------------------------------------------


def test_delete_an_empty_department(world, web):
    team = DepartmentFactory(org=world.org, name="临时组", parent=world.east)
    response = web(world.admin).post(delete_url(team), follow=True)
    assert "已删除部门“临时组”" in text(response)
    with org_scope(world.org):
        assert not Department.objects.filter(pk=team.pk).exists()


def test_delete_refused_when_it_has_children(world, web):
    before = snapshot(world.org)
    response = web(world.admin).post(delete_url(world.sales))
    assert response.status_code == 422
    assert "该部门下还有下级部门" in text(response)
    assert snapshot(world.org) == before


def test_delete_refused_when_it_has_employees(world, web):
    before = snapshot(world.org)
    response = web(world.admin).post(delete_url(world.east))
    assert response.status_code == 422
    assert "该部门下还有员工" in text(response)
    assert snapshot(world.org) == before


def test_delete_refused_when_a_role_scope_names_it(world, web):
    team = DepartmentFactory(org=world.org, name="观察组", parent=world.north)
    with org_scope(world.org):
        services.role_create(
            actor=world.admin,
            name="观察员",
            permissions=["customers.view"],
            data_scopes={"customers": {"scope": DataScope.CHOSEN, "departments": [team.pk]}},
        )
    before = snapshot(world.org)
    response = web(world.admin).post(delete_url(team))
    assert response.status_code == 422
    assert "观察员" in text(response)
    assert snapshot(world.org) == before


def test_root_has_no_delete_button_and_cannot_be_deleted(world, web):
    client = web(world.admin)
    page = text(client.get(edit_url(world.root)))
    assert "删除部门" not in page
    before = snapshot(world.org)
    assert client.post(delete_url(world.root)).status_code == 422
    assert snapshot(world.org) == before


def test_readonly_cannot_delete(world, web):
    team = DepartmentFactory(org=world.org, name="临时组", parent=world.east)
    before = snapshot(world.org)
    assert web(world.readonly).post(delete_url(team)).status_code == 403
    assert snapshot(world.org) == before


def test_delete_is_post_only(world, web):
    team = DepartmentFactory(org=world.org, name="临时组", parent=world.east)
    assert web(world.admin).get(delete_url(team)).status_code == 405
    with org_scope(world.org):
        assert Department.objects.filter(pk=team.pk).exists()


def test_employee_count_counts_active_employees(world, web):
    EmployeeFactory(org=world.org, name="新人", department=world.service)
    page = text(web(world.admin).get(LIST))
    assert f'?department={world.service.pk}&amp;status=active">2<' in page
