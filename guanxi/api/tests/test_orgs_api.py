"""The orgs resources through the API: contracts, rules, errors."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Department, Employee, OrgSettings, Role

pytestmark = pytest.mark.django_db


def test_employee_create_with_contract_fields(world, api):
    with all_orgs():
        rep_role = Role.objects.get(org=world.org, name="销售代表")
    body = {
        "username": "wangwu",
        "password": "Strong-Pass-88",
        "name": "王五",
        "department": world.east.pk,
        "manager": world.manager.pk,
        "roles": [rep_role.pk],
        "skills": ["repair", "installation"],
        "mobile": "13800001111",
        "email": "wangwu@example.com",
        "title": "销售代表",
    }
    response = api(world.admin).post("/api/v1/employees", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["username"] == "wangwu"
    assert data["status"] == "active"
    assert "password" not in data
    assert data["skills"] == ["repair", "installation"]
    with all_orgs():
        employee = Employee.objects.get(pk=data["id"])
        assert employee.user.check_password("Strong-Pass-88")
        assert employee.org_id == world.org.pk


def test_employee_create_bad_input_writes_nothing(world, api):
    with all_orgs():
        before = Employee.objects.count()
    response = api(world.admin).post(
        "/api/v1/employees",
        {
            "username": "x",
            "password": "123",
            "name": "",
            "department": world.east.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "name" in body["fields"] or "username" in body["fields"] or "password" in body["fields"]
    with all_orgs():
        assert Employee.objects.count() == before


def test_employee_weak_password_is_400_and_no_user_left_behind(world, api):
    from guanxi.accounts.models import User

    with all_orgs():
        users = User.objects.count()
    response = api(world.admin).post(
        "/api/v1/employees",
        {
            "username": "weakling",
            "password": "12345678",
            "name": "弱密码",
            "department": world.east.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["fields"]
    with all_orgs():
        assert User.objects.count() == users


def test_employee_department_from_other_org_is_rejected(world, other_world, api):
    response = api(world.admin).post(
        "/api/v1/employees",
        {
            "username": "spy",
            "password": "Strong-Pass-88",
            "name": "间谍",
            "department": other_world.east.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "department" in response.json()["fields"]


def test_stale_version_is_409(world, api):
    client = api(world.admin)
    url = f"/api/v1/employees/{world.rep_a.pk}"
    version = client.get(url).json()["version"]
    assert (
        client.patch(url, {"title": "高级销售", "version": version}, format="json").status_code
        == 200
    )
    stale = client.patch(url, {"title": "被覆盖", "version": version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    with all_orgs():
        assert Employee.objects.get(pk=world.rep_a.pk).title == "高级销售"


def test_employees_are_not_deleted_but_leave(world, api):
    client = api(world.admin)
    response = client.delete(f"/api/v1/employees/{world.rep_a.pk}")
    assert response.status_code == 422
    left = client.post(f"/api/v1/employees/{world.rep_a.pk}/leave")
    assert left.status_code == 200
    assert left.json()["status"] == "left"
    back = client.post(f"/api/v1/employees/{world.rep_a.pk}/reactivate")
    assert back.json()["status"] == "active"


def test_last_admin_cannot_leave_or_lose_admin_role(world, api):
    client = api(world.admin)
    with all_orgs():
        rep_role = Role.objects.get(org=world.org, name="销售代表")
    response = client.patch(
        f"/api/v1/employees/{world.admin.pk}", {"roles": [rep_role.pk]}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "last_admin"
    with org_scope(world.org):
        assert world.admin.roles.filter(is_admin=True).exists()


def test_department_move_carries_subtree_and_refuses_cycles(world, api):
    client = api(world.admin)
    response = client.patch(
        f"/api/v1/departments/{world.sales.pk}", {"parent": world.service.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    with all_orgs():
        east = Department.objects.get(pk=world.east.pk)
    assert east.path == f"/{world.root.pk}/{world.service.pk}/{world.sales.pk}/{world.east.pk}/"
    assert east.depth == 3
    cycle = client.patch(
        f"/api/v1/departments/{world.service.pk}", {"parent": world.east.pk}, format="json"
    )
    assert cycle.status_code == 400
    assert "parent" in cycle.json()["fields"]


def test_department_with_employees_cannot_be_deleted(world, api):
    response = api(world.admin).delete(f"/api/v1/departments/{world.east.pk}")
    assert response.status_code == 422
    assert response.json()["code"] == "has_employees"
    with all_orgs():
        assert Department.objects.filter(pk=world.east.pk).exists()


def test_role_in_use_cannot_be_deleted(world, api):
    with all_orgs():
        rep_role = Role.objects.get(org=world.org, name="销售代表")
    response = api(world.admin).delete(f"/api/v1/roles/{rep_role.pk}")
    assert response.status_code == 422
    assert response.json()["code"] == "in_use"


def test_role_rejects_unknown_permissions_and_scopes(world, api):
    client = api(world.admin)
    bad = client.post(
        "/api/v1/roles", {"name": "坏角色", "permissions": ["customers.fly"]}, format="json"
    )
    assert bad.status_code == 400
    assert "permissions" in bad.json()["fields"]
    bad_scope = client.post(
        "/api/v1/roles",
        {"name": "坏范围", "data_scopes": {"customers": {"scope": "chosen", "departments": []}}},
        format="json",
    )
    assert bad_scope.status_code == 400
    with all_orgs():
        assert not Role.objects.filter(org=world.org, name__in=["坏角色", "坏范围"]).exists()


def test_role_with_chosen_departments(world, api):
    body = {
        "name": "华北视图",
        "permissions": ["customers.view"],
        "data_scopes": {"customers": {"scope": "chosen", "departments": [world.north.pk]}},
    }
    response = api(world.admin).post("/api/v1/roles", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["data_scopes"]["customers"] == {
        "scope": "chosen",
        "departments": [world.north.pk],
    }


def test_only_admins_grant_admin_roles(world, api):
    """A manager with employee rights must not escalate anyone to admin."""
    with all_orgs():
        admin_role = Role.objects.get(org=world.org, is_admin=True)
        hr = Role.objects.create(
            org=world.org,
            name="人事",
            permissions=["employees.view", "employees.edit", "employees.create"],
        )
        world.manager.roles.add(hr)
    response = api(world.manager).patch(
        f"/api/v1/employees/{world.rep_a.pk}", {"roles": [admin_role.pk]}, format="json"
    )
    assert response.status_code == 422
    with org_scope(world.org):
        assert not world.rep_a.roles.filter(is_admin=True).exists()


def test_settings_get_and_patch(world, api):
    client = api(world.admin)
    assert client.get("/api/v1/settings").json()["churn_threshold_days"] == 90
    response = client.patch(
        "/api/v1/settings", {"churn_threshold_days": 120, "quote_decimals": 4}, format="json"
    )
    assert response.status_code == 200
    with all_orgs():
        settings = OrgSettings.objects.get(org=world.org)
    assert settings.churn_threshold_days == 120 and settings.quote_decimals == 4


def test_settings_bad_values_change_nothing(world, api):
    client = api(world.admin)
    response = client.patch(
        "/api/v1/settings",
        {"fiscal_year_start_month": 13, "churn_threshold_days": 30},
        format="json",
    )
    assert response.status_code == 400
    with all_orgs():
        settings = OrgSettings.objects.get(org=world.org)
    assert settings.fiscal_year_start_month == 1 and settings.churn_threshold_days == 90
    worse = client.patch(
        "/api/v1/settings", {"work_start": "18:00", "work_end": "09:00"}, format="json"
    )
    assert worse.status_code == 400


def test_settings_need_parameters_permission(world, api):
    assert api(world.rep_a).get("/api/v1/settings").status_code == 403
    assert (
        api(world.readonly)
        .patch("/api/v1/settings", {"currency": "USD"}, format="json")
        .status_code
        == 403
    )


def test_numbering_rules_edit_and_validate(world, api):
    client = api(world.admin)
    rules = {r["target"]: r for r in client.get("/api/v1/numbering-rules").json()["items"]}
    assert rules["customer"]["pattern"] == "KH-{yyyy}-{seq:05}"
    ok = client.patch(
        "/api/v1/numbering-rules/customer", {"pattern": "C{yy}{mm}-{seq:04}"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["pattern"] == "C{yy}{mm}-{seq:04}"
    bad = client.patch("/api/v1/numbering-rules/customer", {"pattern": "KH-{yyyy}"}, format="json")
    assert bad.status_code == 400
    assert (
        api(world.rep_a)
        .patch("/api/v1/numbering-rules/customer", {"pattern": "X{seq}"}, format="json")
        .status_code
        == 403
    )


def test_dictionary_entries_readable_by_everyone_code_is_stable(world, api):
    listing = api(world.rep_a).get("/api/v1/dictionary-entries", {"kind": "credit_rating"})
    assert listing.status_code == 200
    codes = [e["code"] for e in listing.json()["items"]]
    assert codes == ["aaa", "aa", "a", "b", "c", "stop"]
    entry_id = listing.json()["items"][0]["id"]
    response = api(world.admin).patch(
        f"/api/v1/dictionary-entries/{entry_id}", {"code": "renamed"}, format="json"
    )
    assert response.status_code == 400


def test_english_labels_with_accept_language(world, api):
    client = api(world.rep_a)
    entries = client.get(
        "/api/v1/dictionary-entries", {"kind": "industry"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert entries["items"][0]["display_label"] == "Manufacturing"
    error = api().post(
        "/api/v1/auth/token",
        {"org": "alpha", "username": "x", "password": "y"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert error.json()["detail"] == "Wrong organization code, username or password."


def test_idempotency_key_replays_the_first_answer(world, api):
    client = api(world.admin)
    body = {"name": "幂等部门", "parent": world.root.pk}
    first = client.post("/api/v1/departments", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post("/api/v1/departments", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    with all_orgs():
        assert Department.objects.filter(org=world.org, name="幂等部门").count() == 1
    other = client.post(
        "/api/v1/departments",
        {"name": "别的", "parent": world.root.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 422


def test_employee_list_query_count_does_not_grow(world, api, django_assert_max_num_queries):
    from guanxi.orgs.tests.factories import EmployeeFactory, role

    client = api(world.admin)
    with django_assert_max_num_queries(12):
        small = client.get("/api/v1/employees")
    assert small.status_code == 200
    rep_role = role(world.org, "销售代表")
    for index in range(30):
        EmployeeFactory(
            org=world.org,
            name=f"批量{index}",
            department=world.east,
            manager=world.manager,
            roles=[rep_role],
        )
    with django_assert_max_num_queries(12):
        big = client.get("/api/v1/employees")
    assert big.json()["count"] == small.json()["count"] + 30


def test_employee_list_cursor_pagination(world, api):
    client = api(world.admin)
    page = client.get("/api/v1/employees", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next"]
    seen = {item["id"] for item in page["items"]}
    while page["next"]:
        page = client.get(page["next"]).json()
        seen |= {item["id"] for item in page["items"]}
    assert len(seen) == page["count"] == 6


def test_numbering_rule_body_that_is_not_an_object_is_400(world, api):
    response = api(world.admin).patch(
        "/api/v1/numbering-rules/customer", [None, None], format="json"
    )
    assert response.status_code == 400
    assert (
        api(world.admin)
        .patch("/api/v1/numbering-rules/nonsense", {"pattern": "X{seq}"}, format="json")
        .status_code
        == 400
    )
