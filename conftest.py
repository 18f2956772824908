"""Shared fixtures: two orgs, an admin, a manager, two reps in different
departments, a read-only employee, a service agent and an outsider (org B).

Org A ("alpha") looks like this::

    阿尔法公司 (root)
    ├── 销售部 (sales)        manager
    │   ├── 华东组 (east)     rep_a
    │   └── 华北组 (north)    rep_b
    └── 客服部 (service)      agent, readonly sits in sales
"""

import contextlib
import os
import shutil
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from guanxi.accounts import services as accounts
from guanxi.core.tenancy import all_orgs
from guanxi.orgs.tests.factories import PASSWORD, DepartmentFactory, EmployeeFactory, make_org, role

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + live server


def pytest_configure(config):
    from guanxi.core.i18n import compile_catalogs

    compile_catalogs()


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Each test starts in the installation's language, whatever the previous one did."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Argon2 is slow on purpose; tests that check hashing ask for it explicitly."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _huey_immediate(settings):
    """Jobs run in-process, synchronously, in tests."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    yield
    shutil.rmtree(tmp_path / "files", ignore_errors=True)


def _build_world(code, name):
    org, admin = make_org(code, name)
    with all_orgs():
        sales = DepartmentFactory(org=org, name="销售部")
        east = DepartmentFactory(org=org, name="华东组", parent=sales)
        north = DepartmentFactory(org=org, name="华北组", parent=sales)
        service = DepartmentFactory(org=org, name="客服部")
        manager = EmployeeFactory(
            org=org,
            name="王经理",
            username="manager",
            department=sales,
            roles=[role(org, "销售主管")],
        )
        rep_a = EmployeeFactory(
            org=org,
            name="张三",
            username="rep_a",
            department=east,
            manager=manager,
            roles=[role(org, "销售代表")],
        )
        rep_b = EmployeeFactory(
            org=org,
            name="李四",
            username="rep_b",
            department=north,
            manager=manager,
            roles=[role(org, "销售代表")],
        )
        readonly = EmployeeFactory(
            org=org,
            name="赵六",
            username="readonly",
            department=sales,
            roles=[role(org, "只读用户")],
        )
        agent = EmployeeFactory(
            org=org,
            name="钱七",
            username="agent",
            department=service,
            roles=[role(org, "客服专员")],
        )
    return SimpleNamespace(
        org=org,
        admin=admin,
        manager=manager,
        rep_a=rep_a,
        rep_b=rep_b,
        readonly=readonly,
        agent=agent,
        root=admin.department,
        sales=sales,
        east=east,
        north=north,
        service=service,
    )


@pytest.fixture
def world(db):
    """Org A with its departments and employees (see module docstring)."""
    return _build_world("alpha", "阿尔法公司")


@pytest.fixture
def other_world(db):
    """Org B, built the same way: nothing of it may ever show in org A."""
    return _build_world("beta", "贝塔公司")


@pytest.fixture
def org_a(world):
    return world.org


@pytest.fixture
def admin(world):
    return world.admin


@pytest.fixture
def manager(world):
    return world.manager


@pytest.fixture
def rep_a(world):
    return world.rep_a


@pytest.fixture
def rep_b(world):
    return world.rep_b


@pytest.fixture
def readonly(world):
    return world.readonly


@pytest.fixture
def agent(world):
    return world.agent


@pytest.fixture
def outsider(other_world):
    """The admin of org B."""
    return other_world.admin


@pytest.fixture
def api():
    """``api(employee)`` → an APIClient authenticated with a real bearer token."""

    def make(employee=None):
        client = APIClient()
        if employee is not None:
            with all_orgs():
                _token, raw = accounts.token_issue(user=employee.user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def web(client):
    """``web(employee)`` → the Django test client signed in as that employee."""

    def make(employee):
        client.force_login(employee.user, backend="guanxi.accounts.backends.OrgUsernameBackend")
        return client

    return make


@pytest.fixture
def unscoped():
    """Read rows of any org in assertions (tests only)."""
    with all_orgs():
        yield


@pytest.fixture
def password():
    return PASSWORD


# ---- real-browser tests (Playwright + Chromium) ------------------------------------

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def _chromium_path():
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser():
    """System Chromium driven by Playwright. Missing Chromium fails in CI, skips locally."""
    executable = _chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (install the 'chromium' system package)")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab on the live server, Chinese by default."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    # Let the page's own requests (cards that load after the page) finish before the
    # test's database is emptied: on PostgreSQL a request still running then deadlocks
    # with the TRUNCATE that empties it.
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):  # a page that never goes quiet: close it
        tab.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


@pytest.fixture
def sign_in(page):
    """``sign_in(employee)`` signs in through the real login form."""

    def do(employee, password=PASSWORD, org_code=None):
        with all_orgs():
            code = org_code if org_code is not None else employee.org.code
            username = employee.user.username
        page.goto("/login/")
        org_box = page.locator("input[name=org]")
        if org_box.count():
            org_box.fill(code)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("[data-testid=login-form] button[type=submit]")
        page.wait_for_selector("[data-testid=topbar]")
        return page

    return do
