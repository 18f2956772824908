"""Capability names: the vocabulary of function, special and data permissions.

A role grants function permissions as ``"<module>.<action>"`` strings,
special permissions as ``"special.<name>"`` strings, and a data scope per
module. Later modules add their entries here so that roles, the role editor,
the API and ``policy`` all read one list.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    CREATE = "create", _("新建")
    EDIT = "edit", _("编辑")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    TRANSFER = "transfer", _("转移")
    APPROVE = "approve", _("审批")


ALL_ACTIONS = tuple(Action.values)
CRUD = ("view", "create", "edit", "delete")

# module code -> (label, actions it offers, whether records have an owner and
# so a data scope applies)
MODULES = {
    # setup (系统设置)
    "departments": (pgettext_lazy("module", "部门"), CRUD, False),
    "employees": (pgettext_lazy("module", "员工"), (*CRUD, "import", "export"), False),
    "roles": (pgettext_lazy("module", "角色"), CRUD, False),
    "parameters": (pgettext_lazy("module", "系统参数"), ("view", "edit"), False),
    "dictionaries": (pgettext_lazy("module", "数据字典"), CRUD, False),
    "numbering": (pgettext_lazy("module", "编号规则"), ("view", "edit"), False),
    "custom_fields": (pgettext_lazy("module", "自定义字段"), CRUD, False),
    "products": (pgettext_lazy("module", "产品"), (*CRUD, "import", "export"), False),
    "audit": (pgettext_lazy("module", "审计日志"), ("view", "export"), False),
    "approval_flows": (pgettext_lazy("module", "审批流程"), CRUD, False),
    "work_report_templates": (pgettext_lazy("module", "工作报告模板"), CRUD, False),
    "sales_setup": (pgettext_lazy("module", "销售设置"), ("view", "edit"), False),
    # business modules (their screens arrive with their issues)
    "customers": (pgettext_lazy("module", "客户"), ALL_ACTIONS, True),
    "contacts": (pgettext_lazy("module", "联系人"), ALL_ACTIONS, True),
    "leads": (pgettext_lazy("module", "线索"), ALL_ACTIONS, True),
    "opportunities": (pgettext_lazy("module", "商机"), ALL_ACTIONS, True),
    "quotes": (pgettext_lazy("module", "报价"), ALL_ACTIONS, True),
    "contracts": (pgettext_lazy("module", "合同"), ALL_ACTIONS, True),
    "orders": (pgettext_lazy("module", "订单"), ALL_ACTIONS, True),
    "payments": (pgettext_lazy("module", "回款"), ALL_ACTIONS, True),
    "expenses": (pgettext_lazy("module", "费用"), ALL_ACTIONS, True),
    "commissions": (
        pgettext_lazy("module", "佣金"),
        ("view", "create", "edit", "delete", "export", "approve"),
        True,
    ),
    "sales_targets": (pgettext_lazy("module", "销售目标"), (*CRUD, "export"), True),
    "activities": (pgettext_lazy("module", "跟进记录"), (*CRUD, "export"), True),
    "tasks": (pgettext_lazy("module", "任务日程"), (*CRUD, "transfer"), True),
    "announcements": (pgettext_lazy("module", "公告"), CRUD, False),
    "work_reports": (pgettext_lazy("module", "工作报告"), (*CRUD, "export"), True),
    "requisitions": (pgettext_lazy("module", "通用申请"), CRUD, False),
    "tickets": (pgettext_lazy("module", "服务工单"), ALL_ACTIONS, True),
    # installed products are seen through their customer (its data scope), not an owner
    "installed_products": (
        pgettext_lazy("module", "安装档案"),
        (*CRUD, "import", "export"),
        False,
    ),
    "service_contracts": (pgettext_lazy("module", "服务合同"), ALL_ACTIONS, True),
    "repairs": (pgettext_lazy("module", "产品维修"), (*CRUD, "export"), True),
    "service_outlets": (pgettext_lazy("module", "服务网点"), CRUD, False),
    # product defects found in service, for R&D: shared by the whole service desk
    "defects": (pgettext_lazy("module", "产品缺陷"), (*CRUD, "export"), False),
    # service projects (项目服务): owned by their project manager; members see theirs too
    "service_projects": (pgettext_lazy("module", "项目服务"), ALL_ACTIONS, True),
    # SLA policies, routing queues, the support mailbox, service fees
    "service_setup": (pgettext_lazy("module", "服务设置"), ("view", "edit"), False),
    "campaigns": (pgettext_lazy("module", "营销活动"), ALL_ACTIONS, True),
    "knowledge": (pgettext_lazy("module", "知识库"), CRUD, False),
    "reports": (pgettext_lazy("module", "统计分析"), ("view", "export"), True),
}

SETUP_MODULES = (
    "departments", "employees", "roles", "parameters", "dictionaries", "numbering",
    "custom_fields", "products", "audit", "approval_flows", "work_report_templates",
)  # fmt: skip

SPECIAL = {
    "view_cost": _("查看成本价和利润"),
    "view_full_phone": _("查看完整电话号码"),
    "export": _("导出数据"),
    "bulk_delete": _("批量删除"),
    "edit_closed": _("编辑已关闭的记录"),
    "manage_pool": _("管理公海"),
    "manage_care": _("管理关怀计划"),
}


class DataScope(models.TextChoices):
    OWN = "own", _("本人")
    DEPARTMENT = "department", _("本部门")
    DEPARTMENT_TREE = "department_tree", _("本部门及下级部门")
    ALL = "all", _("全部")
    CHOSEN = "chosen", _("指定部门")


def function_codes():
    return [
        f"{module}.{action}" for module, (_l, actions, _o) in MODULES.items() for action in actions
    ]


def special_codes():
    return [f"special.{name}" for name in SPECIAL]


def all_codes():
    return [*function_codes(), *special_codes()]


def scoped_modules():
    return [module for module, (_l, _a, owned) in MODULES.items() if owned]


def label(code):
    """Human label for a permission code, e.g. ``客户 · 导出``."""
    if code.startswith("special."):
        return SPECIAL[code.removeprefix("special.")]
    module, action = code.split(".", 1)
    return f"{MODULES[module][0]} · {Action(action).label}"
