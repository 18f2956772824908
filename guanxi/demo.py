"""The demo org: a realistic Chinese company to try the product with.

``demo_seed()`` builds (or tops up) the org ``demo`` — 华信科技有限公司 — with a
department tree from head office down to sales offices, employees in every
default role with managers, mobiles, e-mails and service skills, and the
product catalogue's demo data. Everything is written through the services,
with the org's admin as the actor, so the audit log shows it like any other
setup work.

Running it again is safe: existing departments and employees are found by
name / username and left as they are; only what is missing is created, and
the demo logins are made to work with the password given this time.
"""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from guanxi.accounts import services as accounts
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import demo as customers_demo
from guanxi.knowledge import demo as knowledge_demo
from guanxi.orgs import defaults
from guanxi.orgs import services as orgs
from guanxi.orgs.models import Department, Employee, Organization, Role
from guanxi.sales.commissions import demo as commissions_demo
from guanxi.sales.contracts import demo as contracts_demo
from guanxi.sales.expenses import demo as expenses_demo
from guanxi.sales.leads import demo as leads_demo
from guanxi.sales.opportunities import demo as opportunities_demo
from guanxi.sales.orders import demo as orders_demo
from guanxi.sales.planning import demo as planning_demo
from guanxi.sales.quotes import demo as quotes_demo
from guanxi.sales.receivables import demo as receivables_demo
from guanxi.service.contracts import demo as service_contracts_demo
from guanxi.service.defects import demo as defects_demo
from guanxi.service.installed import demo as installed_demo
from guanxi.service.mail import demo as mail_demo
from guanxi.service.projects import demo as service_projects_demo
from guanxi.service.repairs import demo as repairs_demo
from guanxi.service.routing import demo as routing_demo
from guanxi.service.tickets import demo as tickets_demo
from guanxi.workspace.announcements import demo as announcements_demo
from guanxi.workspace.approvals import demo as approvals_demo
from guanxi.workspace.messages import demo as messages_demo
from guanxi.workspace.reports import demo as reports_demo

logger = logging.getLogger(__name__)

DEMO_ORG_CODE = "demo"
DEMO_ORG_NAME = "华信科技有限公司"
# Fixed and documented, so a demo can be shown from the README alone. It passes
# the password validators (length, not common, not numeric).
DEMO_PASSWORD = "Guanxi@2026"
MAIL_DOMAIN = "hxkj.example.com"

# (name, parent name or None for the root) — parents come before children.
DEPARTMENTS = [
    ("总部", None),
    ("总经理办公室", "总部"),
    ("财务部", "总部"),
    ("信息技术部", "总部"),
    ("销售中心", None),
    ("华东大区", "销售中心"),
    ("上海办事处", "华东大区"),
    ("杭州办事处", "华东大区"),
    ("华北大区", "销售中心"),
    ("北京办事处", "华北大区"),
    ("天津办事处", "华北大区"),
    ("华南大区", "销售中心"),
    ("广州办事处", "华南大区"),
    ("客户服务部", None),
    ("呼叫中心", "客户服务部"),
    ("售后技术支持组", "客户服务部"),
    ("市场部", None),
]

# (username, name, role key, department, title, manager username, skills)
# Managers come before the people who report to them.
EMPLOYEES = [
    ("chenjianguo", "陈建国", "boss", "总经理办公室", "总经理", None, ()),
    ("wangqiang", "王强", "sales_manager", "销售中心", "销售总监", "chenjianguo", ()),
    ("zhaolei", "赵磊", "sales_manager", "华东大区", "华东大区经理", "wangqiang", ()),
    ("zhangwei", "张伟", "sales_rep", "上海办事处", "高级销售代表", "zhaolei", ()),
    ("lina", "李娜", "sales_rep", "上海办事处", "销售代表", "zhaolei", ()),
    ("huangmin", "黄敏", "sales_rep", "杭州办事处", "销售代表", "zhaolei", ()),
    ("sunhao", "孙浩", "sales_manager", "华北大区", "华北大区经理", "wangqiang", ()),
    ("zhoujie", "周杰", "sales_rep", "北京办事处", "高级销售代表", "sunhao", ()),
    ("wuqian", "吴倩", "sales_rep", "北京办事处", "销售代表", "sunhao", ()),
    ("zhengkai", "郑凯", "sales_rep", "天津办事处", "销售代表", "sunhao", ()),
    ("lintao", "林涛", "sales_rep", "广州办事处", "华南区域销售代表", "wangqiang", ()),
    (
        "hejing",
        "何静",
        "service_manager",
        "客户服务部",
        "客服主管",
        "chenjianguo",
        ("complaint", "consultation"),
    ),
    (
        "xuli",
        "徐丽",
        "service_agent",
        "呼叫中心",
        "客服专员",
        "hejing",
        ("consultation", "billing"),
    ),
    (
        "maxiaodong",
        "马晓东",
        "service_agent",
        "售后技术支持组",
        "技术支持工程师",
        "hejing",
        ("installation", "repair"),
    ),
    ("gaoyan", "高燕", "marketing", "市场部", "市场经理", "chenjianguo", ()),
    ("luoyi", "罗毅", "marketing", "市场部", "市场专员", "gaoyan", ()),
    ("liangxue", "梁雪", "readonly", "财务部", "会计", "chenjianguo", ()),
]

ADMIN = ("admin", "刘洋", "信息技术部", "信息主管")

# Where each employee's mobile number comes from: 138 + a fixed 8-digit tail,
# so the demo is the same on every machine.
_MOBILE_BASE = 13800138000


@dataclass
class DemoLogin:
    username: str
    name: str
    role: str
    department: str


@dataclass
class DemoResult:
    org: Organization
    password: str
    created_org: bool = False
    created_departments: int = 0
    created_employees: int = 0
    products: object = None
    products_skipped: bool = False
    customers: int = 0
    logins: list = field(default_factory=list)


def _role_names(key):
    """The name a default role gets, in every language it may have been created in."""
    for role_key, name, *_rest in defaults.ROLES:
        if role_key == key:
            with translation.override("zh-hans"):
                zh = str(name)
            with translation.override("en"):
                en = str(name)
            return {zh, en}
    raise KeyError(key)


def _roles_by_key():
    roles = {}
    for key, *_rest in defaults.ROLES:
        role = Role.objects.filter(name__in=_role_names(key)).order_by("id").first()
        if role is None and key == "admin":
            role = Role.objects.filter(is_admin=True).order_by("id").first()
        roles[key] = role
    return roles


def _email(username):
    return f"{username}@{MAIL_DOMAIN}"


def _mobile(index):
    return str(_MOBILE_BASE + 1111 * (index + 1))


def _ensure_password(user, password):
    """Make the printed demo login true: set the password only if it differs."""
    if not user.check_password(password) or user.is_locked():
        accounts.password_set(user=user, password=password)


def _create_org(password):
    username, name, _dept, _title = ADMIN
    with all_orgs():
        org, _admin = orgs.org_create(
            code=DEMO_ORG_CODE,
            name=DEMO_ORG_NAME,
            admin_username=username,
            admin_password=password,
            admin_name=name,
        )
    return org


def _find_admin():
    username = ADMIN[0]
    admin = (
        Employee.objects.select_related("user", "department")
        .filter(user__username=username)
        .first()
    )
    if admin is not None and admin.is_active and admin.roles.filter(is_admin=True).exists():
        return admin
    return (
        Employee.objects.select_related("user", "department")
        .filter(status=Employee.Status.ACTIVE, user__is_active=True, roles__is_admin=True)
        .order_by("id")
        .first()
    )


def _departments(actor, result):
    root = Department.objects.get(parent=None)
    by_name = {}
    for name, parent_name in DEPARTMENTS:
        parent = by_name[parent_name] if parent_name else root
        department = Department.objects.filter(parent=parent, name=name).first()
        if department is None:
            department = orgs.department_create(
                actor=actor, name=name, parent=parent, sort_order=len(by_name) * 10
            )
            result.created_departments += 1
        by_name[name] = department
    return by_name


def _employees(actor, departments, roles, password, result):
    by_username = {}
    for index, (username, name, role_key, dept, title, manager, skills) in enumerate(EMPLOYEES):
        employee = Employee.objects.select_related("user").filter(user__username=username).first()
        if employee is None:
            employee = orgs.employee_create(
                actor=actor,
                username=username,
                password=password,
                name=name,
                department=departments[dept],
                manager=by_username.get(manager) if manager else None,
                roles=[roles[role_key]],
                title=title,
                skills=list(skills),
                mobile=_mobile(index),
                email=_email(username),
            )
            result.created_employees += 1
        else:
            _ensure_password(employee.user, password)
        by_username[username] = employee
        result.logins.append(
            DemoLogin(
                username=username,
                name=employee.name,
                role=roles[role_key].name,
                department=employee.department.name,
            )
        )
    return by_username


def _place_admin(actor, departments):
    """The first run moves the admin from the root into IT with a title and contacts."""
    _username, _name, dept, title = ADMIN
    if actor.department.parent_id is None and not actor.title:
        return orgs.employee_update(
            actor=actor,
            employee=actor,
            department=departments[dept],
            title=title,
            mobile=_mobile(len(EMPLOYEES)),
            email=_email(actor.user.username),
        )
    return actor


def _products(actor, result):
    try:
        from guanxi.catalog import demo as catalog_demo
    except ImportError:
        result.products_skipped = True
        return
    result.products = catalog_demo.seed(actor)


def demo_seed(*, password=DEMO_PASSWORD):
    """Create or top up the demo org; return what was done and the logins.

    Raises ``ValidationError`` (e.g. a password the validators refuse) before
    anything is written; each run is one transaction.
    """
    try:
        accounts.validate_password(password)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    result = None
    with transaction.atomic(), translation.override("zh-hans"):
        org = Organization.objects.filter(code=DEMO_ORG_CODE).first()
        created = org is None
        if created:
            org = _create_org(password)
        with org_scope(org):
            admin = _find_admin()
            if admin is None:
                raise ValidationError(
                    _("演示组织没有可用的管理员，请先用 create-admin 添加一名管理员。"),
                    code="no_admin",
                )
            result = DemoResult(org=org, password=password, created_org=created)
            if not created:
                _ensure_password(admin.user, password)
            departments = _departments(admin, result)
            roles = _roles_by_key()
            admin = _place_admin(admin, departments)
            result.logins.append(
                DemoLogin(
                    username=admin.user.username,
                    name=admin.name,
                    role=roles["admin"].name,
                    department=admin.department.name,
                )
            )
            _employees(admin, departments, roles, password, result)
            _products(admin, result)
            result.customers = customers_demo.seed(admin)["customers"]
            if result.customers:
                customers_demo.seed_life(admin, record_followup=_record_followup)
            # approval flows and requisitions at every stage (pending, approved, rejected)
            approvals_demo.seed(admin)
            announcements_demo.seed(admin)
            messages_demo.seed(admin)
            reports_demo.seed(admin)
            # sales, in the order documents follow one another
            leads_demo.seed(admin)
            opportunities_demo.seed(admin)
            quotes_demo.seed(admin)
            contracts_demo.seed(admin)
            orders_demo.seed(admin)
            receivables_demo.seed(admin)
            expenses_demo.seed(admin)
            commissions_demo.seed(admin)
            planning_demo.seed(admin)
            # service: queues and SLAs first, then what customers own and are entitled to,
            # the knowledge agents use, the tickets, the defects they found, repairs,
            # service projects and the mailbox
            routing_demo.seed(admin)
            installed_demo.seed(admin)
            service_contracts_demo.seed(admin)
            knowledge_demo.seed(admin)
            tickets_demo.seed(admin)
            defects_demo.seed(admin)
            repairs_demo.seed(admin)
            service_projects_demo.seed(admin)
            mail_demo.seed(admin)
    return result


def _record_followup(owner, customer, kind, content, occurred_at, next_on):
    from guanxi.workspace import services as workspace

    workspace.activity_create(
        actor=owner,
        customer=customer,
        content=content,
        kind=kind,
        occurred_at=occurred_at,
        next_followup_on=next_on,
    )
