"""Real-browser flows through the setup screens."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Department, Employee, OrgSettings, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Chun-Feng-2026!"


class DepartmentPages:
    def __init__(self, page):
        self.page = page

    def create(self, name, parent_label):
        self.page.goto("/setup/departments/")
        self.page.click("[data-testid=department-new]")
        self.page.fill("input[name=name]", name)
        self.page.select_option("select[name=parent]", label=parent_label)
        self.page.click("[data-testid=save]")
        self.page.wait_for_url("**/setup/departments/")

    def names(self):
        return self.page.locator("[data-testid=department-name]").all_inner_texts()


class EmployeePages:
    def __init__(self, page):
        self.page = page

    def create(self, *, username, password, name, department_label, role_name):
        self.page.goto("/setup/employees/")
        self.page.click("[data-testid=employee-new]")
        form = self.page.locator("[data-testid=employee-form]")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=department]").select_option(label=department_label)
        form.get_by_label(role_name, exact=True).check()
        form.locator("input[name=skills]").fill("安装调试、维修")
        form.locator("[data-testid=save]").click()
        self.page.wait_for_selector("[data-testid=employee-heading]")


def test_admin_sets_up_a_department_and_employee_who_then_signs_in(world, page, sign_in):
    sign_in(world.admin)
    departments = DepartmentPages(page)
    departments.create("上海组", "\u3000\u3000华东组")
    assert "上海组" in departments.names()
    shanghai = page.locator("[data-testid=department-row]", has_text="上海组")
    assert shanghai.get_attribute("data-depth") == "3"

    EmployeePages(page).create(
        username="chunfeng",
        password=NEW_PASSWORD,
        name="春风",
        department_label="\u3000\u3000\u3000上海组",
        role_name="销售代表",
    )
    assert "已新建员工“春风”" in page.locator("[data-testid=messages]").inner_text()
    with all_orgs():
        created = Employee.objects.select_related("department", "user").get(
            org=world.org, user__username="chunfeng"
        )
        assert created.department.name == "上海组"
        assert [r.name for r in created.roles.all()] == ["销售代表"]
        assert created.skills == ["安装调试", "维修"]

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login/")
    sign_in(created, password=NEW_PASSWORD)
    assert "春风" in page.locator("[data-testid=greeting]").inner_text()
    assert "销售代表" in page.locator("[data-testid=my-roles]").inner_text()


def test_admin_edits_a_roles_permission_grid_and_data_scope(world, page, sign_in):
    sign_in(world.admin)
    page.goto("/setup/roles/")
    page.locator("[data-testid=role-name]", has_text="销售代表").click()
    page.check("[data-testid='perm-customers.export']")
    page.uncheck("[data-testid='perm-customers.edit']")
    page.check("[data-testid='perm-special.view_full_phone']")
    row = page.locator("[data-scope-row][data-module=customers]")
    picker = row.locator("[data-scope-departments]")
    assert not picker.is_visible()  # only shown for "chosen departments"
    row.locator("select[data-scope-select]").select_option("chosen")
    picker.locator("select").select_option(label="\u3000华北组")
    page.click("[data-testid=save]")
    page.wait_for_url("**/setup/roles/")
    assert "已保存" in page.locator("[data-testid=messages]").inner_text()
    with all_orgs():
        rep_role = Role.objects.get(org=world.org, name="销售代表")
    assert "customers.export" in rep_role.permissions
    assert "customers.edit" not in rep_role.permissions
    assert "special.view_full_phone" in rep_role.permissions
    assert rep_role.data_scopes["customers"] == {
        "scope": "chosen",
        "departments": [world.north.pk],
    }


def test_admin_changes_a_system_parameter(world, page, sign_in):
    sign_in(world.admin)
    page.goto("/setup/settings/")
    page.fill("input[name=churn_threshold_days]", "60")
    page.get_by_label("周六").check()
    page.click("[data-testid=save]")
    assert "系统参数已保存" in page.locator("[data-testid=messages]").inner_text()
    assert page.input_value("input[name=churn_threshold_days]") == "60"
    with org_scope(world.org):
        saved = OrgSettings.objects.get()
    assert saved.churn_threshold_days == 60
    assert saved.work_days == [1, 2, 3, 4, 5, 6]


def test_setup_screens_in_english(world, page, sign_in):
    sign_in(world.admin)
    page.goto("/setup/settings/")
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "System parameters"
    assert page.get_by_label("Churn warning after (days without a purchase)").is_visible()
    page.goto("/setup/departments/")
    assert page.locator("h1").inner_text() == "Departments"
    with org_scope(world.org):
        assert Department.objects.count() == 5
