"""``guanxi demo``: a realistic demo org, built through the services, safe to run twice."""

import pytest

from guanxi import demo
from guanxi.accounts import services as accounts
from guanxi.cli import main
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import defaults
from guanxi.orgs.models import Department, DictionaryEntry, Employee, Organization

pytestmark = pytest.mark.django_db

ROLE_KEYS = [key for key, *_rest in defaults.ROLES]


@pytest.fixture(autouse=True)
def _chinese_operator(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def _test_database_is_migrated(monkeypatch):
    """pytest-django owns the test database's schema; ``guanxi demo`` on a fresh data
    directory (migrating first) is proven in test_cli with a real process."""
    monkeypatch.setattr("guanxi.cli.server.migrate_if_needed", lambda: None)


@pytest.fixture
def run_demo(capsys):
    def do(*args):
        status = main(["demo", *args])
        out, err = capsys.readouterr()
        assert status == 0, err
        return out

    return do


def _demo_org():
    return Organization.objects.get(code=demo.DEMO_ORG_CODE)


def _snapshot():
    with all_orgs():
        org = _demo_org()
        return (
            Department.objects.filter(org=org).count(),
            Employee.objects.filter(org=org).count(),
            sorted(Employee.objects.filter(org=org).values_list("user__username", flat=True)),
        )


def test_demo_builds_a_company_with_employees_in_every_role(run_demo):
    out = run_demo()
    org = _demo_org()
    assert org.name == demo.DEMO_ORG_NAME
    assert "已创建演示组织" in out
    with org_scope(org):
        employees = list(
            Employee.objects.select_related("department", "user").prefetch_related("roles")
        )
        assert len(employees) == len(demo.EMPLOYEES) + 1
        role_names = {role.name for e in employees for role in e.roles.all()}
        for key in ROLE_KEYS:
            assert role_names & demo._role_names(key), key
        reps = [e for e in employees if any(r.name == "销售代表" for r in e.roles.all())]
        assert len(reps) >= 3

        names = set(Department.objects.values_list("name", flat=True))
        for expected in (
            "总部",
            "销售中心",
            "华东大区",
            "上海办事处",
            "华北大区",
            "北京办事处",
            "客户服务部",
            "市场部",
            "财务部",
        ):
            assert expected in names
        shanghai = Department.objects.get(name="上海办事处")
        assert [
            d.name
            for d in Department.objects.filter(pk__in=shanghai.ancestor_ids()).order_by("depth")
        ] == [org.name, "销售中心", "华东大区", "上海办事处"]

        skill_codes = set(
            DictionaryEntry.objects.filter(kind="skill").values_list("code", flat=True)
        )
        for employee in employees:
            assert employee.mobile.startswith("138") and len(employee.mobile) == 11
            assert "@" in employee.email
            assert employee.title
            assert set(employee.skills) <= skill_codes
            if (
                employee.user.username != "chenjianguo"
                and not employee.roles.filter(is_admin=True).exists()
            ):
                assert employee.manager_id is not None, employee.name
        agents = [e for e in employees if any(r.name == "客服专员" for r in e.roles.all())]
        assert agents and all(agent.skills for agent in agents)


def test_demo_prints_the_url_and_a_login_table(run_demo):
    out = run_demo()
    assert "http://127.0.0.1:8000/" in out
    for header in ("组织代码", "用户名", "角色", "密码"):
        assert header in out
    for username, *_rest in demo.EMPLOYEES:
        assert username in out
    assert "admin" in out
    assert demo.DEMO_PASSWORD in out


def test_demo_twice_creates_nothing_new(run_demo):
    run_demo()
    first = _snapshot()
    out = run_demo()
    assert _snapshot() == first
    assert "已存在" in out
    assert "新建部门 0 个，新建员工 0 名" in out


def test_every_demo_login_signs_in(run_demo):
    run_demo()
    usernames = ["admin", *(username for username, *_rest in demo.EMPLOYEES)]
    for username in usernames:
        user = accounts.authenticate(
            org_code="demo", username=username, password=demo.DEMO_PASSWORD
        )
        assert user.employee.is_active


def test_demo_with_a_chosen_password_and_rerun_with_another(run_demo):
    run_demo("--password", "Huaxin#Demo1")
    accounts.authenticate(org_code="demo", username="zhangwei", password="Huaxin#Demo1")
    out = run_demo("--password", "Huaxin#Demo2")
    assert "Huaxin#Demo2" in out
    accounts.authenticate(org_code="demo", username="zhangwei", password="Huaxin#Demo2")
    accounts.authenticate(org_code="demo", username="admin", password="Huaxin#Demo2")


def test_demo_refuses_a_weak_password_and_creates_nothing(capsys):
    status = main(["demo", "--password", "123456"])
    _out, err = capsys.readouterr()
    assert status == 2
    assert "--password" in err
    with all_orgs():
        assert not Organization.objects.filter(code=demo.DEMO_ORG_CODE).exists()


def test_demo_tops_up_what_was_removed(run_demo):
    """A department missing from an existing demo org is created again."""
    run_demo()
    org = _demo_org()
    with org_scope(org):
        Department.objects.filter(name="杭州办事处").update(name="杭州分部")
    out = run_demo()
    assert "新建部门 1 个" in out
    with org_scope(org):
        assert Department.objects.filter(name="杭州办事处").exists()


def test_demo_loads_the_product_catalogue_once(run_demo):
    """Products come from the catalog's own demo seed; a second run adds none."""
    pytest.importorskip("guanxi.catalog.demo")
    from guanxi.catalog.models import Product

    out = run_demo()
    org = _demo_org()
    with org_scope(org):
        count = Product.objects.count()
    assert count > 0
    assert f"新建产品 {count} 个" in out
    out = run_demo()
    assert "新建产品 0 个" in out
    with org_scope(org):
        assert Product.objects.count() == count


def test_demo_customers_have_follow_ups_birthdays_a_pool_and_care_tasks(run_demo):
    from guanxi.customers.models import CareTask, Contact, Customer
    from guanxi.workspace.models import Activity

    run_demo()
    with all_orgs():
        org = _demo_org()
        assert Activity.objects.filter(org=org).count() >= Customer.objects.filter(org=org).count()
        assert Customer.objects.filter(org=org, next_followup_on__isnull=False).exists()
        assert Customer.objects.filter(org=org, in_pool=True).count() == 2
        assert Contact.objects.filter(org=org, birthday__isnull=False).count() == 3
        assert CareTask.objects.filter(org=org, kind="birthday").count() >= 2
        before = Activity.objects.count()
    run_demo()  # a second run adds nothing
    with all_orgs():
        assert Activity.objects.count() == before


def test_demo_customers_have_orders_renewals_and_repeat_purchases(run_demo):
    from guanxi.customers.models import Customer, RenewalItem

    run_demo()
    with all_orgs():
        org = _demo_org()
        bought = Customer.objects.filter(org=org, last_order_on__isnull=False)
        # four with an order history of their own, more with the demo's confirmed orders
        assert bought.count() >= 4
        assert set(bought.values_list("lifecycle_stage", flat=True)) <= {"new", "repeat"}
        items = RenewalItem.objects.filter(org=org)
        # the customers demo's four buyers (the others' come with the nightly renewal run)
        assert items.filter(kind="repurchase").count() == 4
        renewals = items.filter(kind="renewal").order_by("due_on")
        assert [(r.status, bool(r.note)) for r in renewals] == [
            ("will_renew", True),
            ("undecided", False),
        ]
        before = items.count()
    run_demo()  # a second run adds nothing
    with all_orgs():
        assert RenewalItem.objects.filter(org=org).count() == before


def test_demo_has_approval_flows_and_requisitions_in_every_state(run_demo):
    from guanxi.workspace.approvals.models import ApprovalFlow, Requisition

    run_demo()
    with all_orgs():
        org = _demo_org()
    with org_scope(org):
        assert ApprovalFlow.objects.filter(document="requisition").count() == 3
        # and the sales documents' own: quote discounts, contracts, order credit
        assert {"quote", "contract", "order"} <= set(
            ApprovalFlow.objects.values_list("document", flat=True)
        )
        flows = ApprovalFlow.objects.count()
        states = set(Requisition.objects.values_list("status", flat=True))
        assert {"pending", "approved", "rejected"} <= states
    run_demo()  # again: nothing doubles
    with org_scope(org):
        assert ApprovalFlow.objects.count() == flows
