"""Real-browser sign-in flows."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_shows_start_page_then_sign_out(world, page, sign_in):
    sign_in(world.rep_a)
    assert page.locator("[data-testid=greeting]").inner_text().startswith("您好")
    assert "张三" in page.locator("[data-testid=greeting]").inner_text()
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login/")


def test_wrong_password_shows_translated_error(world, other_world, page):
    page.goto("/login/")  # two orgs: the org code box is shown
    page.fill("input[name=org]", "alpha")
    page.fill("input[name=username]", "rep_a")
    page.fill("input[name=password]", "wrong-password")
    page.click("[data-testid=login-form] button[type=submit]")
    assert "组织代码、用户名或密码错误" in page.locator("[data-testid=form-errors]").inner_text()


def test_language_switch_to_english(world, page, sign_in):
    sign_in(world.rep_a)
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert "Hello" in page.locator("[data-testid=greeting]").inner_text()


def test_two_factor_set_up_then_sign_in_with_a_code(world, page, sign_in, password):
    import pyotp

    sign_in(world.rep_a)
    page.goto("/account/security/")
    page.click("[data-testid=totp-card] button[type=submit]")  # turn on: shows QR and key
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("input[name=totp-code]", pyotp.TOTP(secret).now())
    page.click("[data-testid=totp-card] button[type=submit]")
    page.wait_for_selector("[data-testid=totp-card] input[name=off-password]")

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login/")
    page.fill("input[name=username]", "rep_a")
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-form] button[type=submit]")
    page.fill("[data-testid=otp-form] input[name=otp]", "000000")
    page.click("[data-testid=otp-form] button[type=submit]")
    assert "两步验证码不正确" in page.locator("[data-testid=otp-form]").inner_text()
    page.fill("[data-testid=otp-form] input[name=otp]", pyotp.TOTP(secret).now())
    page.click("[data-testid=otp-form] button[type=submit]")
    page.wait_for_selector("[data-testid=greeting]")


def test_api_key_created_in_the_browser_works_for_the_api(world, page, sign_in, live_server):
    import json
    import urllib.request

    sign_in(world.rep_a)
    page.goto("/account/security/")
    page.fill("input[name=tok-name]", "ERP 同步")
    page.click("form:has(input[name=tok-name]) button[type=submit]")
    token = page.locator("[data-testid=new-token] code").inner_text().strip()
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["username"] == "rep_a"


def test_self_serve_sign_up_when_switched_on(db, page, settings):
    settings.GUANXI_SIGNUP_ENABLED = True
    page.goto("/login/")
    page.click("text=还没有账户？注册新组织")
    page.fill("input[name=org_code]", "newco")
    page.fill("input[name=org_name]", "新创科技")
    page.fill("input[name=admin_name]", "周总")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "Boss-Pass-2026")
    page.click("form button[type=submit]")
    assert "周总" in page.locator("[data-testid=greeting]").inner_text()
