"""Sign-in: lockout, two-factor, password change, API keys, self-serve sign-up."""

import pyotp
import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from guanxi.accounts import services
from guanxi.accounts.models import ApiToken, User
from guanxi.audit.models import LoginRecord
from guanxi.core.tenancy import all_orgs
from guanxi.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _login(client, username, password, org=""):
    return client.post("/login/", {"org": org, "username": username, "password": password})


def test_passwords_are_hashed_with_argon2(world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    with all_orgs():
        user = services.user_create(org=world.org, username="argon", password="Str0ng-Passw0rd")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_successful_login_is_recorded(world, client, password):
    response = _login(client, "rep_a", password)
    assert response.status_code == 302
    with all_orgs():
        record = LoginRecord.objects.filter(org=world.org).latest("id")
    assert record.success and record.username == "rep_a"


def test_lockout_after_repeated_failures(world, client, password, settings):
    settings.GUANXI_LOCKOUT_THRESHOLD = 3
    for _ in range(3):
        response = _login(client, "rep_a", "wrong-one")
        assert "组织代码、用户名或密码错误" in response.content.decode()
    locked = _login(client, "rep_a", password)  # even the right password is refused now
    assert locked.status_code == 200
    assert "锁定" in locked.content.decode()
    with time_machine.travel("2099-01-01", tick=False):
        assert _login(client, "rep_a", password).status_code == 302
    with all_orgs():
        reasons = list(
            LoginRecord.objects.filter(org=world.org, success=False).values_list(
                "reason", flat=True
            )
        )
    assert reasons.count("password") == 3 and "locked" in reasons


def test_unknown_user_gets_same_message_and_is_recorded(world, client):
    response = _login(client, "ghost", "whatever-1")
    assert "组织代码、用户名或密码错误" in response.content.decode()
    with all_orgs():
        assert LoginRecord.objects.filter(org=world.org, reason="unknown_user").exists()


def test_web_login_with_two_factor(world, client, password):
    with all_orgs():
        services.totp_begin(user=world.rep_a.user)
        world.rep_a.user.refresh_from_db()
        secret = world.rep_a.user.totp_secret
        services.totp_enable(user=world.rep_a.user, code=pyotp.TOTP(secret).now())
    first = _login(client, "rep_a", password)
    assert first.status_code == 200
    assert 'name="otp"' in first.content.decode()
    assert 'name="password"' not in first.content.decode()  # the password is not echoed back
    wrong = client.post("/login/", {"otp": "000000"})
    assert "两步验证码不正确" in wrong.content.decode()
    ok = client.post("/login/", {"otp": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_second_factor_step_expires(world, client, password):
    with all_orgs():
        services.totp_begin(user=world.rep_a.user)
        world.rep_a.user.refresh_from_db()
        secret = world.rep_a.user.totp_secret
        services.totp_enable(user=world.rep_a.user, code=pyotp.TOTP(secret).now())
    with time_machine.travel("2026-11-23 10:00", tick=False):
        _login(client, "rep_a", password)
    with time_machine.travel("2026-11-23 10:10", tick=False):
        response = client.post("/login/", {"otp": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()  # back to step one


def test_totp_enable_refuses_wrong_code(world):
    with all_orgs():
        services.totp_begin(user=world.rep_a.user)
        with pytest.raises(Exception) as info:
            services.totp_enable(user=world.rep_a.user, code="123456")
        assert "code" in info.value.message_dict
        assert not User.objects.get(pk=world.rep_a.user.pk).totp_enabled


def test_password_change_page(world, web, password):
    client = web(world.rep_a)
    mismatch = client.post(
        "/account/security/",
        {
            "action": "password",
            "pw-old_password": password,
            "pw-new_password": "Brand-New-2026",
            "pw-new_password2": "Different-2026",
        },
    )
    assert "两次输入的新密码不一致" in mismatch.content.decode()
    wrong_old = client.post(
        "/account/security/",
        {
            "action": "password",
            "pw-old_password": "nope",
            "pw-new_password": "Brand-New-2026",
            "pw-new_password2": "Brand-New-2026",
        },
    )
    assert "原密码不正确" in wrong_old.content.decode()
    ok = client.post(
        "/account/security/",
        {
            "action": "password",
            "pw-old_password": password,
            "pw-new_password": "Brand-New-2026",
            "pw-new_password2": "Brand-New-2026",
        },
    )
    assert ok.status_code == 302
    with all_orgs():
        assert User.objects.get(pk=world.rep_a.user.pk).check_password("Brand-New-2026")
    assert client.get("/").status_code == 200  # still signed in after the change


def test_api_key_created_on_security_page_works_then_revoked(world, web, api):
    client = web(world.rep_a)
    page = client.post("/account/security/", {"action": "token_create", "tok-name": "ERP"})
    raw = page.context["new_token"]
    assert raw and raw in page.content.decode()
    bearer = api()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/me").status_code == 200
    with all_orgs():
        token = ApiToken.objects.get(user=world.rep_a.user, name="ERP")
    client.post("/account/security/", {"action": "token_revoke", "token": token.pk})
    assert bearer.get("/api/v1/me").status_code == 401


def test_logout_requires_post(world, web):
    client = web(world.rep_a)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_signup_is_off_by_default(db, client):
    assert client.get("/signup/").status_code == 404


@override_settings(GUANXI_SIGNUP_ENABLED=True)
def test_signup_creates_org_and_signs_in(db, client):
    response = client.post(
        "/signup/",
        {
            "org_code": "newco",
            "org_name": "新公司",
            "admin_name": "老板",
            "username": "boss",
            "password": "Boss-Pass-2026",
        },
    )
    assert response.status_code == 302
    assert Organization.objects.filter(code="newco").exists()
    assert client.get("/").status_code == 200


@override_settings(GUANXI_SIGNUP_ENABLED=True)
def test_signup_bad_input_creates_nothing(world, client):
    response = client.post(
        "/signup/",
        {
            "org_code": "alpha",
            "org_name": "重复",
            "admin_name": "x",
            "username": "boss",
            "password": "Boss-Pass-2026",
        },
    )
    assert response.status_code == 200
    assert "该组织代码已被使用" in response.content.decode()
    weak = client.post(
        "/signup/",
        {
            "org_code": "weakco",
            "org_name": "弱",
            "admin_name": "x",
            "username": "boss",
            "password": "123",
        },
    )
    assert weak.status_code == 200
    assert not Organization.objects.filter(code="weakco").exists()


def test_open_redirect_is_refused(world, client, password):
    response = client.post(
        "/login/?next=https://evil.example/", {"username": "rep_a", "password": password}
    )
    assert response["Location"] == "/"
