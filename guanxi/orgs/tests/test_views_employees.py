"""Setup screens: employees (list, search, filters, create, edit, leave, password)."""

import re

import pytest
from django.urls import reverse

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import services
from guanxi.orgs.models import Employee, Role
from guanxi.orgs.tests.factories import PASSWORD, EmployeeFactory, role

pytestmark = pytest.mark.django_db

LIST = reverse("orgs:employee_list")
CREATE = reverse("orgs:employee_create")
NEW_PASSWORD = "Qing-Shan-2026!"
# session, employee (with user and roles), departments (filter), count, page, roles
# (prefetch); headroom for the shared shell
LIST_QUERIES = 11
EDIT_QUERIES = 12


def edit_url(employee):
    return reverse("orgs:employee_edit", args=[employee.pk])


def text(response):
    return response.content.decode()


def names(response):
    """The employee names listed on a list page, in order."""
    return re.findall(r'data-testid="employee-name">([^<]+)<', text(response))


def state(org):
    """Every employee of ``org`` as comparable rows (roles included)."""
    with org_scope(org):
        return sorted(
            (e.pk, e.name, e.department_id, e.manager_id, e.status, e.version, e.title,
             tuple(e.skills), tuple(sorted(r.pk for r in e.roles.all())), e.user.is_active,
             e.user.password)
            for e in Employee.objects.select_related("user").prefetch_related("roles")
        )  # fmt: skip


def edit_data(employee, **changes):
    with org_scope(employee.org_id):
        employee = Employee.objects.get(pk=employee.pk)
        data = {
            "name": employee.name,
            "department": employee.department_id,
            "manager": employee.manager_id or "",
            "roles": [r.pk for r in employee.roles.all()],
            "title": employee.title,
            "skills": "、".join(employee.skills),
            "mobile": employee.mobile,
            "email": employee.email,
            "version": employee.version,
        }
    data.update(changes)
    return data


# ---- list -----------------------------------------------------------------------------


def test_list_shows_everyone_with_details(world, web):
    with org_scope(world.org):
        services.employee_update(
            actor=world.admin, employee=world.rep_a, mobile="13812345678", title="销售代表"
        )
    response = web(world.admin).get(LIST)
    assert response.status_code == 200
    page = text(response)
    assert sorted(names(response)) == sorted(["张三", "李四", "王经理", "管理员", "赵六", "钱七"])
    assert "13812345678" in page  # admin screens mask nothing
    assert 'data-label="部门"' in page and "gx-cards" in page
    assert f'href="{edit_url(world.rep_a)}"' in page


@pytest.mark.parametrize(
    ("query", "found", "missing"),
    [
        ("张", "张三", "李四"),
        ("rep_b", "李四", "张三"),
        ("5678", "张三", "李四"),
        ("zhang@", "张三", "李四"),
    ],
)
def test_search_by_name_username_mobile_email(world, web, query, found, missing):
    with org_scope(world.org):
        services.employee_update(
            actor=world.admin, employee=world.rep_a, mobile="13812345678", email="zhang@a.cn"
        )
    listed = names(web(world.admin).get(LIST, {"q": query}))
    assert found in listed
    assert missing not in listed


def test_status_filter(world, web):
    with org_scope(world.org):
        services.employee_leave(actor=world.admin, employee=world.rep_b)
    client = web(world.admin)
    assert names(client.get(LIST, {"status": "left"})) == ["李四"]
    active = names(client.get(LIST, {"status": "active"}))
    assert "李四" not in active and "张三" in active


def test_department_filter_includes_sub_departments(world, web):
    client = web(world.admin)
    listed = names(client.get(LIST, {"department": world.sales.pk}))
    assert sorted(listed) == sorted(["王经理", "张三", "李四", "赵六"])
    assert names(client.get(LIST, {"department": world.east.pk})) == ["张三"]


def test_bad_filter_values_are_ignored(world, web):
    response = web(world.admin).get(LIST, {"department": "abc", "status": "nope"})
    assert response.status_code == 200
    assert "张三" in names(response)


def test_pages_of_fifty(world, web):
    for n in range(50):
        EmployeeFactory(org=world.org, name=f"批量{n:02d}", department=world.service)
    client = web(world.admin)
    first = text(client.get(LIST))
    assert first.count('data-testid="employee-row"') == 50
    assert 'data-testid="next-page"' in first
    second = text(client.get(LIST, {"page": 2}))
    assert second.count('data-testid="employee-row"') == 6
    assert "共 56 名员工" in second


def test_list_query_count_does_not_grow_with_employees(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    filters = {"q": "", "status": "active", "department": world.root.pk}
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(LIST, filters).status_code == 200
    with all_orgs():
        sales_rep = Role.objects.get(org=world.org, name="销售代表")
    for n in range(30):
        EmployeeFactory(
            org=world.org, name=f"新员工{n}", department=world.east, manager=world.manager,
            roles=[sales_rep],
        )  # fmt: skip
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST, filters)
    assert text(response).count('data-testid="employee-row"') == 36


def test_manager_sees_the_list_without_create_button(world, web):
    response = web(world.manager).get(LIST)
    assert response.status_code == 200
    assert 'data-testid="employee-new"' not in text(response)


def test_rep_without_employees_view_gets_403(world, web):
    client = web(world.rep_a)
    assert client.get(LIST).status_code == 403
    assert client.get(edit_url(world.rep_b)).status_code == 403


def test_other_orgs_employees_never_listed(world, other_world, web):
    assert sorted(names(web(world.admin).get(LIST, {"q": "rep"}))) == ["张三", "李四"]


# ---- create ---------------------------------------------------------------------------


def test_create_employee(world, web):
    client = web(world.admin)
    assert client.get(CREATE).status_code == 200
    sales_rep = role(world.org, "销售代表")
    response = client.post(
        CREATE,
        {
            "username": "wangwu",
            "password": NEW_PASSWORD,
            "name": "王五",
            "department": world.east.pk,
            "manager": world.manager.pk,
            "roles": [sales_rep.pk],
            "title": "客户经理",
            "skills": "安装调试、维修, 投诉处理，维修",
            "mobile": "13900001111",
            "email": "wangwu@alpha.cn",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "已新建员工“王五”" in text(response)
    with org_scope(world.org):
        created = Employee.objects.select_related("user").get(user__username="wangwu")
        assert created.department_id == world.east.pk
        assert created.manager_id == world.manager.pk
        assert list(created.roles.all()) == [sales_rep]
        assert created.skills == ["安装调试", "维修", "投诉处理"]
        assert created.title == "客户经理" and created.mobile == "13900001111"
        assert created.user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "12345678"}, "密码只包含数字"),
        ({"username": "rep_a"}, "该用户名已被使用"),
        ({"name": ""}, "该字段是必填项"),
        ({"email": "not-an-email"}, "请输入合法的邮件地址"),
        ({"department": ""}, "该字段是必填项"),
    ],
)
def test_create_bad_input_writes_nothing(world, web, changes, message):
    before = state(world.org)
    data = {
        "username": "wangwu",
        "password": NEW_PASSWORD,
        "name": "王五",
        "department": world.east.pk,
        **changes,
    }
    response = web(world.admin).post(CREATE, data)
    assert response.status_code == 400
    assert message in text(response)
    assert state(world.org) == before


def test_create_with_another_orgs_department_or_role_is_refused(world, other_world, web):
    before = state(world.org)
    client = web(world.admin)
    data = {"username": "x1", "password": NEW_PASSWORD, "name": "渗透", "department": world.east.pk}
    other_role = role(other_world.org, "销售代表")
    assert client.post(CREATE, {**data, "department": other_world.east.pk}).status_code == 400
    assert client.post(CREATE, {**data, "roles": [other_role.pk]}).status_code == 400
    assert client.post(CREATE, {**data, "manager": other_world.rep_a.pk}).status_code == 400
    assert state(world.org) == before


def test_only_admins_grant_the_admin_role(world, web):
    hr = _hr_employee(world)
    before = state(world.org)
    response = web(hr).post(
        CREATE,
        {
            "username": "x2",
            "password": NEW_PASSWORD,
            "name": "想当管理员",
            "department": world.east.pk,
            "roles": [role(world.org, "系统管理员").pk],
        },
    )
    assert response.status_code == 422
    assert "只有系统管理员可以授予管理员角色" in text(response)
    assert state(world.org) == before


def test_readonly_cannot_create(world, web):
    before = state(world.org)
    client = web(world.readonly)
    assert client.get(CREATE).status_code == 403
    data = {"username": "x3", "password": NEW_PASSWORD, "name": "偷建", "department": world.east.pk}
    assert client.post(CREATE, data).status_code == 403
    assert state(world.org) == before


# ---- edit -----------------------------------------------------------------------------


def test_edit_employee(world, web):
    client = web(world.admin)
    page = text(client.get(edit_url(world.rep_a)))
    assert 'name="version"' in page and 'name="username"' not in page
    marketing = role(world.org, "市场专员")
    data = edit_data(
        world.rep_a, name="张三丰", department=world.north.pk, roles=[marketing.pk],
        skills="太极, 剑法", manager="",
    )  # fmt: skip
    response = client.post(edit_url(world.rep_a), data)
    assert response.status_code == 302
    with org_scope(world.org):
        rep = Employee.objects.get(pk=world.rep_a.pk)
        assert rep.name == "张三丰" and rep.department_id == world.north.pk
        assert rep.manager_id is None and rep.skills == ["太极", "剑法"]
        assert list(rep.roles.all()) == [marketing]
        assert rep.version == data["version"] + 1


def test_stale_edit_shows_the_conflict_and_changes_nothing(world, web):
    client = web(world.admin)
    stale = edit_data(world.rep_a, name="旧页面的改动")
    first = client.post(edit_url(world.rep_a), edit_data(world.rep_a, title="先到"))
    assert first.status_code == 302
    before = state(world.org)
    response = client.post(edit_url(world.rep_a), stale)
    assert response.status_code == 409
    assert "该记录已被他人修改" in text(response)
    assert state(world.org) == before


def test_manager_cannot_be_self_or_a_report(world, web):
    before = state(world.org)
    response = web(world.admin).post(
        edit_url(world.manager), edit_data(world.manager, manager=world.rep_a.pk)
    )
    assert response.status_code == 400
    assert "上级不能是本人或其下属" in text(response)
    assert state(world.org) == before


def test_bad_edit_input_writes_nothing(world, web):
    before = state(world.org)
    response = web(world.admin).post(edit_url(world.rep_a), edit_data(world.rep_a, name=""))
    assert response.status_code == 400
    assert "该字段是必填项" in text(response)
    assert state(world.org) == before


def test_viewer_without_edit_sees_read_only_page(world, web):
    response = web(world.manager).get(edit_url(world.rep_a))
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="employee-readonly"' in page
    assert '<form method="post" novalidate' not in page
    for action in ("employee-leave", "employee-password", "save"):
        assert f'data-testid="{action}"' not in page


def test_viewer_without_edit_cannot_change_anything(world, web):
    before = state(world.org)
    client = web(world.readonly)
    urls = [
        (edit_url(world.rep_a), edit_data(world.rep_a, name="改")),
        (reverse("orgs:employee_leave", args=[world.rep_a.pk]), {}),
        (reverse("orgs:employee_reactivate", args=[world.rep_a.pk]), {}),
        (reverse("orgs:employee_password", args=[world.rep_a.pk]),
         {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}),
    ]  # fmt: skip
    for url, data in urls:
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("orgs:employee_password", args=[world.rep_a.pk])).status_code == 403
    assert state(world.org) == before


def test_other_orgs_employee_is_404(world, other_world, web):
    before = state(other_world.org)
    client = web(world.admin)
    target = other_world.rep_a
    assert client.get(edit_url(target)).status_code == 404
    assert client.post(edit_url(target), {"name": "改", "version": 1}).status_code == 404
    passwords = {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    for name in ("employee_leave", "employee_reactivate", "employee_password"):
        url = reverse(f"orgs:{name}", args=[target.pk])
        assert client.post(url, passwords).status_code == 404
    assert state(other_world.org) == before


def test_edit_page_query_count(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with django_assert_max_num_queries(EDIT_QUERIES):
        assert client.get(edit_url(world.rep_a)).status_code == 200
    for n in range(20):
        EmployeeFactory(org=world.org, name=f"同事{n}", department=world.east)
    with django_assert_max_num_queries(EDIT_QUERIES):
        assert client.get(edit_url(world.rep_a)).status_code == 200


# ---- leave, reactivate, password -----------------------------------------------------


def test_leave_and_reactivate(world, web):
    client = web(world.admin)
    response = client.post(reverse("orgs:employee_leave", args=[world.rep_a.pk]), follow=True)
    assert "已将“张三”设为离职" in text(response)
    assert 'data-testid="employee-reactivate"' in text(response)
    with org_scope(world.org):
        rep = Employee.objects.select_related("user").get(pk=world.rep_a.pk)
        assert rep.status == Employee.Status.LEFT and not rep.user.is_active
    response = client.post(reverse("orgs:employee_reactivate", args=[world.rep_a.pk]))
    assert response.status_code == 302
    with org_scope(world.org):
        rep = Employee.objects.select_related("user").get(pk=world.rep_a.pk)
        assert rep.status == Employee.Status.ACTIVE and rep.user.is_active


def test_cannot_mark_self_as_left(world, web):
    before = state(world.org)
    client = web(world.admin)
    assert 'data-testid="employee-leave"' not in text(client.get(edit_url(world.admin)))
    response = client.post(reverse("orgs:employee_leave", args=[world.admin.pk]))
    assert response.status_code == 422
    assert "不能将自己设为离职" in text(response)
    assert state(world.org) == before


def test_cannot_mark_the_last_admin_as_left(world, web):
    hr = _hr_employee(world)
    before = state(world.org)
    response = web(hr).post(reverse("orgs:employee_leave", args=[world.admin.pk]))
    assert response.status_code == 422
    assert "这是最后一名管理员" in text(response)
    assert state(world.org) == before


def test_leave_and_reactivate_are_post_only(world, web):
    before = state(world.org)
    client = web(world.admin)
    assert client.get(reverse("orgs:employee_leave", args=[world.rep_a.pk])).status_code == 405
    assert state(world.org) == before


def test_reset_password(world, web):
    client = web(world.admin)
    url = reverse("orgs:employee_password", args=[world.rep_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    with all_orgs():
        user = Employee.objects.select_related("user").get(pk=world.rep_a.pk).user
        assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (NEW_PASSWORD, "Different-2026!", "两次输入的密码不一致"),
        ("12345678", "12345678", "密码只包含数字"),
    ],
)
def test_reset_password_bad_input(world, web, first, second, message):
    before = state(world.org)
    url = reverse("orgs:employee_password", args=[world.rep_a.pk])
    response = web(world.admin).post(url, {"password": first, "password2": second})
    assert response.status_code == 400
    assert message in text(response)
    assert state(world.org) == before


def _hr_employee(world):
    """An employee who may edit employees but is not an admin."""
    with org_scope(world.org):
        hr_role = services.role_create(
            actor=world.admin,
            name="人事",
            permissions=["employees.view", "employees.create", "employees.edit"],
        )
    return EmployeeFactory(org=world.org, name="人事专员", department=world.root, roles=[hr_role])
