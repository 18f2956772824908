"""What a new org starts with: roles, dictionaries, numbering rules, parameters."""

from django.utils.translation import gettext_lazy as _

from guanxi.orgs import permissions as perms
from guanxi.orgs.permissions import DataScope

SALES_MODULES = (
    "customers",
    "contacts",
    "leads",
    "opportunities",
    "quotes",
    "contracts",
    "orders",
    "payments",
    "expenses",
    "activities",
    "tasks",
)

SERVICE_MODULES = (
    "tickets",
    "defects",
    "installed_products",
    "service_contracts",
    "repairs",
    "service_projects",
    "service_outlets",
    "service_setup",
)

# what every working employee does for themselves: write work reports, file requisitions
DAILY_WORK = (
    "work_reports.view",
    "work_reports.create",
    "work_reports.edit",
    "requisitions.view",
    "requisitions.create",
    "requisitions.edit",
)


def _codes(modules, actions):
    valid = set(perms.all_codes())
    return [f"{m}.{a}" for m in modules for a in actions if f"{m}.{a}" in valid]


def _scopes(modules, scope):
    return {m: {"scope": scope, "departments": []} for m in modules}


def _every_view():
    return [code for code in perms.function_codes() if code.endswith(".view")]


# (key, name, description, is_admin, permissions, data scopes)
ROLES = [
    (
        "admin",
        _("系统管理员"),
        _("拥有全部权限，负责部门、员工、角色和系统参数的设置。"),
        True,
        [],
        {},
    ),
    (
        "boss",
        _("公司领导"),
        _("查看全部数据和报表，可导出，可见成本与利润。"),
        False,
        [
            *_every_view(),
            *_codes(perms.MODULES, ("export", "approve")),
            *DAILY_WORK,
            "announcements.create",
            "announcements.edit",
            "special.view_cost",
            "special.view_full_phone",
            "special.export",
        ],
        _scopes(perms.scoped_modules(), DataScope.ALL),
    ),
    (
        "sales_manager",
        _("销售主管"),
        _("管理本部门及下级部门的客户、商机和团队。"),
        False,
        [
            *_codes(SALES_MODULES, perms.ALL_ACTIONS),
            *_codes(("commissions", "sales_targets", "service_contracts"), perms.ALL_ACTIONS),
            *_codes(("reports", "products"), ("view",)),
            "reports.export",  # the sales analysis of their team, to Excel
            *DAILY_WORK,
            *_codes(("announcements",), ("view", "create", "edit")),
            "employees.view",
            "departments.view",
            "special.view_full_phone",
            "special.export",
            "special.manage_pool",
            "special.manage_care",
        ],
        _scopes(perms.scoped_modules(), DataScope.DEPARTMENT_TREE),
    ),
    (
        "sales_rep",
        _("销售代表"),
        _("跟进自己的线索、客户和商机，报价、签约、回款。"),
        False,
        [
            *_codes(SALES_MODULES, ("view", "create", "edit")),
            # maintenance contracts (维保合同) their customers buy
            *_codes(("service_contracts",), ("view", "create", "edit")),
            "commissions.view",  # their own statements (data scope: own)
            "sales_targets.view",  # their own targets and progress
            "activities.delete",  # their own follow-up records (data scope: own)
            "tasks.delete",  # their own tasks and events (data scope: own)
            *DAILY_WORK,
            "products.view",
            "knowledge.view",
        ],
        _scopes(perms.scoped_modules(), DataScope.OWN),
    ),
    (
        "service_agent",
        _("客服专员"),
        _("受理和处理服务工单，查询客户资料与知识库。"),
        False,
        [
            *_codes(("tickets",), ("view", "create", "edit", "transfer")),
            *_codes(("customers", "contacts", "activities"), ("view", "create")),
            *_codes(
                ("installed_products", "repairs", "defects", "service_projects"),
                ("view", "create", "edit"),
            ),
            "service_contracts.view",  # the entitlement check on repair tickets
            "service_outlets.view",
            *DAILY_WORK,
            "products.view",
            "knowledge.view",
            "knowledge.create",
            "knowledge.edit",
        ],
        {
            **_scopes(perms.scoped_modules(), DataScope.OWN),
            **_scopes(("customers", "contacts", "tickets", "service_contracts"), DataScope.ALL),
        },
    ),
    (
        "service_manager",
        _("客服主管"),
        _("管理服务团队的工单、服务合同、维修和知识库，设置SLA与分配规则。"),
        False,
        [
            *_codes(SERVICE_MODULES, perms.ALL_ACTIONS),
            *_codes(("customers", "contacts", "activities"), ("view", "create", "edit")),
            *_codes(("knowledge",), perms.CRUD),
            *_codes(("reports",), ("view", "export")),
            *DAILY_WORK,
            *_codes(("announcements",), ("view", "create", "edit")),
            "products.view",
            "employees.view",
            "departments.view",
            "special.view_full_phone",
            "special.export",
        ],
        {
            **_scopes(perms.scoped_modules(), DataScope.DEPARTMENT_TREE),
            # the whole service desk: new tickets wait unassigned, outside any team
            **_scopes(("customers", "contacts", "tickets", "service_contracts"), DataScope.ALL),
        },
    ),
    (
        "marketing",
        _("市场专员"),
        _("策划营销活动、管理线索和市场资源。"),
        False,
        [
            *_codes(("campaigns", "leads"), perms.ALL_ACTIONS),
            *_codes(("customers", "contacts"), ("view", "export")),
            *DAILY_WORK,
            "products.view",
            "reports.view",
        ],
        {
            **_scopes(perms.scoped_modules(), DataScope.OWN),
            **_scopes(("campaigns", "leads", "customers", "contacts"), DataScope.ALL),
        },
    ),
    (
        "readonly",
        _("只读用户"),
        _("只能查看本部门的数据，不能修改。"),
        False,
        [code for code in _every_view() if code != "audit.view"],  # the log spans the org
        _scopes(perms.scoped_modules(), DataScope.DEPARTMENT),
    ),
]
