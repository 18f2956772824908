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
