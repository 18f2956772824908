"""POST /api/v1/auth/token and GET /api/v1/me."""

import pyotp
import pytest

from guanxi.accounts.models import ApiToken
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import services

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def test_token_then_me(world, api, password):
    client = api()
    response = client.post(
        TOKEN_URL, {"org": "alpha", "username": "rep_a", "password": password}, format="json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert token.startswith("gx_")
    with all_orgs():
        stored = ApiToken.objects.get(user=world.rep_a.user)
    assert stored.key_hash != token and token not in stored.key_hash  # only the hash is kept

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = client.get("/api/v1/me").json()
    assert me["username"] == "rep_a"
    assert me["org"]["code"] == "alpha"
    assert me["department"]["name"] == "华东组"
    assert [r["name"] for r in me["roles"]] == ["销售代表"]
    assert "customers.create" in me["permissions"]
    assert "employees.create" not in me["permissions"]
    assert me["data_scopes"]["customers"] == {"own": True, "departments": []}


@pytest.mark.parametrize(
    "body",
    [
        {"org": "nope", "username": "rep_a", "password": "Guanxi-Test-2026!"},
        {"org": "alpha", "username": "nobody", "password": "Guanxi-Test-2026!"},
        {"org": "alpha", "username": "rep_a", "password": "wrong-password"},
        {"org": "beta", "username": "rep_a", "password": "wrong-password"},
    ],
)
def test_wrong_org_user_or_password_get_the_same_401(world, other_world, api, body):
    response = api().post(TOKEN_URL, body, format="json")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "组织代码、用户名或密码错误。",
        "code": "invalid",
        "fields": {},
    }


def test_org_code_may_be_omitted_on_a_single_org_installation(world, api, password):
    response = api().post(TOKEN_URL, {"username": "rep_a", "password": password}, format="json")
    assert response.status_code == 201


def test_org_code_required_when_there_are_several_orgs(world, other_world, api, password):
    response = api().post(TOKEN_URL, {"username": "rep_a", "password": password}, format="json")
    assert response.status_code == 401


def test_token_request_validation_is_400_with_fields(world, api):
    response = api().post(TOKEN_URL, {"org": "alpha"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"username", "password"}


def test_two_factor_user_needs_the_code(world, api, password):
    with all_orgs():
        from guanxi.accounts import services as accounts

        accounts.totp_begin(user=world.rep_a.user)
        world.rep_a.user.refresh_from_db()
        secret = world.rep_a.user.totp_secret
        accounts.totp_enable(user=world.rep_a.user, code=pyotp.TOTP(secret).now())
    body = {"org": "alpha", "username": "rep_a", "password": password}
    first = api().post(TOKEN_URL, body, format="json")
    assert first.status_code == 401
    assert first.json()["code"] == "otp_required"
    wrong = api().post(TOKEN_URL, {**body, "otp": "000000"}, format="json")
    assert wrong.json()["code"] == "otp_invalid"
    ok = api().post(TOKEN_URL, {**body, "otp": pyotp.TOTP(secret).now()}, format="json")
    assert ok.status_code == 201


def test_left_employee_token_stops_working(world, api):
    client = api(world.rep_a)
    assert client.get("/api/v1/me").status_code == 200
    with org_scope(world.org):
        services.employee_leave(actor=world.admin, employee=world.rep_a)
    response = client.get("/api/v1/me")
    assert response.status_code == 401


def test_no_or_bad_token_is_401_with_error_shape(world, api):
    assert api().get("/api/v1/me").status_code in (401, 403)
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Bearer gx_not-a-real-token")
    response = client.get("/api/v1/employees")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code", "fields"}


def test_openapi_document_is_valid_json_and_lists_contract_paths(world, api):
    response = api(world.admin).get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/departments",
        "/api/v1/employees",
        "/api/v1/roles",
        "/api/v1/settings",
    ):
        assert path in document["paths"], path
    employee = document["components"]["schemas"]["Employee"]["properties"]
    for name in (
        "username",
        "name",
        "department",
        "manager",
        "roles",
        "skills",
        "status",
        "mobile",
        "email",
    ):
        assert name in employee
    request = document["components"]["schemas"]["EmployeeRequest"]["properties"]
    assert "password" in request
    assert "password" not in employee  # write-only
