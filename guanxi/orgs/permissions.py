"""Capability names: the vocabulary of function, special and data permissions.

A role grants function permissions as ``"<module>.<action>"`` strings,
special permissions as ``"special.<name>"`` strings, and a data scope per
module. Later modules add their entries here so that roles, the role editor,
the API and ``policy`` all read one list.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    "departments": (_("部门"), CRUD, False),
    "employees": (_("员工"), (*CRUD, "import", "export"), False),
    "roles": (_("角色"), CRUD, False),
    "parameters": (_("系统参数"), ("view", "edit"), False),
    "dictionaries": (_("数据字典"), CRUD, False),
    "numbering": (_("编号规则"), ("view", "edit"), False),
    "custom_fields": (_("自定义字段"), CRUD, False),
    "products": (_("产品"), (*CRUD, "import", "export"), False),
    "audit": (_("审计日志"), ("view", "export"), False),
    # business modules (their screens arrive with their issues)
    "customers": (_("客户"), ALL_ACTIONS, True),
    "contacts": (_("联系人"), ALL_ACTIONS, True),
    "leads": (_("线索"), ALL_ACTIONS, True),
    "opportunities": (_("商机"), ALL_ACTIONS, True),
    "quotes": (_("报价"), ALL_ACTIONS, True),
    "contracts": (_("合同"), ALL_ACTIONS, True),
    "orders": (_("订单"), ALL_ACTIONS, True),
    "payments": (_("回款"), ALL_ACTIONS, True),
    "activities": (_("跟进记录"), (*CRUD, "export"), True),
    "tasks": (_("任务日程"), (*CRUD, "transfer"), True),
    "tickets": (_("服务工单"), ALL_ACTIONS, True),
    "campaigns": (_("营销活动"), ALL_ACTIONS, True),
    "knowledge": (_("知识库"), CRUD, False),
    "reports": (_("统计分析"), ("view", "export"), True),
}

SETUP_MODULES = (
    "departments", "employees", "roles", "parameters", "dictionaries", "numbering",
    "custom_fields", "products", "audit",
)  # fmt: skip

SPECIAL = {
    "view_cost": _("查看成本价和利润"),
    "view_full_phone": _("查看完整电话号码"),
    "export": _("导出数据"),
    "bulk_delete": _("批量删除"),
    "edit_closed": _("编辑已关闭的记录"),
    "manage_pool": _("管理公海"),
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
