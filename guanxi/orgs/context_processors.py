"""What the base layout needs: the employee, and navigation they are allowed to see."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from guanxi.orgs import policy

# (section label, icon, [(label, url name, capability or None)])
NAVIGATION = [
    (_("工作台"), "house", [(_("我的工作台"), "workspace:home", None)]),
    (
        _("系统设置"),
        "gear",
        [
            (_("部门"), "orgs:department_list", "departments.view"),
            (_("员工"), "orgs:employee_list", "employees.view"),
            (_("角色与权限"), "orgs:role_list", "roles.view"),
            (_("系统参数"), "orgs:settings", "parameters.view"),
            (_("数据字典"), "orgs:dictionary_list", "dictionaries.view"),
            (_("编号规则"), "orgs:numbering", "numbering.view"),
            (_("产品"), "catalog:product_list", "products.view"),
            (_("审计日志"), "audit:log", "audit.view"),
            (_("后台任务"), "jobs:job_list", None),
        ],
    ),
]


def navigation_for(employee, current_path):
    sections = []
    for label, icon, items in NAVIGATION:
        visible = []
        for item_label, url_name, capability in items:
            if capability and not policy.can(employee, capability):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            active = current_path == url or (url != "/" and current_path.startswith(url))
            visible.append({"label": item_label, "url": url, "active": active})
        if visible:
            sections.append({"label": label, "icon": icon, "items": visible})
    return sections


def shell(request):
    employee = getattr(request, "employee", None)
    if employee is None:
        return {"employee": None}
    return {
        "employee": employee,
        "navigation": navigation_for(employee, request.path),
    }
