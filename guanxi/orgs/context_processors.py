"""What the base layout needs: the employee, and navigation they are allowed to see."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from guanxi.orgs import policy

# (section label, icon, [(label, url name, capability or None)])
NAVIGATION = [
    (
        pgettext_lazy("navigation", "工作台"),
        "house",
        [
            (pgettext_lazy("navigation", "我的工作台"), "workspace:home", None),
            (pgettext_lazy("navigation", "日程"), "schedule:calendar", "tasks.view"),
            (pgettext_lazy("navigation", "我的跟进"), "workspace:my_followups", "activities.view"),
            (pgettext_lazy("navigation", "待我审批"), "approvals:inbox", None),
            (pgettext_lazy("navigation", "我的申请"), "approvals:requisition_list", None),
            (pgettext_lazy("navigation", "消息"), "messaging:inbox", None),
            (pgettext_lazy("navigation", "提及我的"), "messaging:mention_list", "activities.view"),
            (pgettext_lazy("navigation", "工作报告"), "work_reports:my_list", "work_reports.view"),
            (pgettext_lazy("navigation", "公告"), "announcements:announcement_list", None),
            (pgettext_lazy("navigation", "通知"), "notifications:list", None),
        ],
    ),
    (
        pgettext_lazy("navigation", "客户管理"),
        "people",
        [
            (pgettext_lazy("navigation", "客户"), "customers:customer_list", "customers.view"),
            (pgettext_lazy("navigation", "联系人"), "customers:contact_list", "contacts.view"),
            (pgettext_lazy("navigation", "公海"), "customers:pool_list", "customers.view"),
            (pgettext_lazy("navigation", "客户关怀"), "customers:care", "customers.view"),
            (pgettext_lazy("navigation", "续约与复购"), "customers:renewal_list", "customers.view"),
        ],
    ),
    (
        pgettext_lazy("navigation", "销售管理"),
        "graph-up-arrow",
        [
            (pgettext_lazy("navigation", "线索"), "leads:lead_list", "leads.view"),
            (
                pgettext_lazy("navigation", "商机"),
                "opportunities:opportunity_list",
                "opportunities.view",
            ),
            (
                pgettext_lazy("navigation", "商机看板"),
                "opportunities:opportunity_board",
                "opportunities.view",
            ),
            (
                pgettext_lazy("navigation", "销售漏斗"),
                "opportunities:opportunity_funnel",
                "opportunities.view",
            ),
            (pgettext_lazy("navigation", "报价"), "quotes:quote_list", "quotes.view"),
            (pgettext_lazy("navigation", "合同"), "contracts:contract_list", "contracts.view"),
            (pgettext_lazy("navigation", "订单"), "orders:order_list", "orders.view"),
            (pgettext_lazy("navigation", "应收款"), "receivables:receivable_list", "payments.view"),
            (pgettext_lazy("navigation", "回款"), "receivables:payment_list", "payments.view"),
            (pgettext_lazy("navigation", "发票"), "receivables:invoice_list", "payments.view"),
            (pgettext_lazy("navigation", "账龄分析"), "receivables:ageing", "payments.view"),
            (pgettext_lazy("navigation", "对账单"), "receivables:statement", "payments.view"),
            (pgettext_lazy("navigation", "费用"), "expenses:expense_list", "expenses.view"),
            (
                pgettext_lazy("navigation", "佣金"),
                "commissions:statement_list",
                "commissions.view",
            ),
            (
                pgettext_lazy("navigation", "销售目标"),
                "planning:target_list",
                "sales_targets.view",
            ),
            (pgettext_lazy("navigation", "销售预测"), "planning:forecast", "opportunities.view"),
            (pgettext_lazy("navigation", "销售分析"), "sales_analysis:overview", "reports.view"),
        ],
    ),
    (
        pgettext_lazy("navigation", "服务管理"),
        "headset",
        [
            (pgettext_lazy("navigation", "服务工单"), "tickets:ticket_list", "tickets.view"),
            (pgettext_lazy("navigation", "来电弹屏"), "callcentre:call", "tickets.create"),
            (
                pgettext_lazy("navigation", "坐席与队列"),
                "service_routing:agent_board",
                "tickets.view",
            ),
            (
                pgettext_lazy("navigation", "未匹配邮件"),
                "service_mail:unmatched_list",
                "tickets.create",
            ),
            (
                pgettext_lazy("navigation", "安装档案"),
                "installed_products:installed_list",
                "installed_products.view",
            ),
            (
                pgettext_lazy("navigation", "服务合同"),
                "service_contracts:contract_list",
                "service_contracts.view",
            ),
            (pgettext_lazy("navigation", "产品维修"), "repairs:repair_list", "repairs.view"),
            (pgettext_lazy("navigation", "装箱单"), "repairs:packing_list_list", "repairs.view"),
            (pgettext_lazy("navigation", "产品缺陷"), "defects:defect_list", "defects.view"),
            (
                pgettext_lazy("navigation", "项目服务"),
                "service_projects:project_list",
                "service_projects.view",
            ),
            (
                pgettext_lazy("navigation", "服务网点"),
                "repairs:outlet_list",
                "service_outlets.view",
            ),
            (pgettext_lazy("navigation", "知识库"), "knowledge:article_list", "knowledge.view"),
            (pgettext_lazy("navigation", "诊断决策树"), "knowledge:tree_list", "knowledge.view"),
            (
                pgettext_lazy("navigation", "服务报表"),
                "service_reports:overview",
                "reports.view",
            ),
        ],
    ),
    (
        pgettext_lazy("navigation", "系统设置"),
        "gear",
        [
            (pgettext_lazy("navigation", "部门"), "orgs:department_list", "departments.view"),
            (pgettext_lazy("navigation", "员工"), "orgs:employee_list", "employees.view"),
            (pgettext_lazy("navigation", "角色与权限"), "orgs:role_list", "roles.view"),
            (pgettext_lazy("navigation", "系统参数"), "orgs:settings", "parameters.view"),
            (pgettext_lazy("navigation", "数据字典"), "orgs:dictionary_list", "dictionaries.view"),
            (pgettext_lazy("navigation", "编号规则"), "orgs:numbering", "numbering.view"),
            (
                pgettext_lazy("navigation", "自定义字段"),
                "orgs:custom_field_list",
                "custom_fields.view",
            ),
            (pgettext_lazy("navigation", "产品"), "catalog:product_list", "products.view"),
            (pgettext_lazy("navigation", "审批流程"), "approvals:flow_list", "approval_flows.view"),
            (
                pgettext_lazy("navigation", "销售流程"),
                "opportunities:pipeline_list",
                "sales_setup.view",
            ),
            (
                pgettext_lazy("navigation", "线索评分规则"),
                "leads:scoring_rules",
                "sales_setup.view",
            ),
            (
                pgettext_lazy("navigation", "线索分配规则"),
                "leads:assignment_rules",
                "sales_setup.view",
            ),
            (
                pgettext_lazy("navigation", "佣金规则"),
                "commissions:rule_list",
                "sales_setup.view",
            ),
            (
                pgettext_lazy("navigation", "SLA 策略"),
                "service_routing:sla_policy_list",
                "service_setup.view",
            ),
            (
                pgettext_lazy("navigation", "服务队列"),
                "service_routing:queue_list",
                "service_setup.view",
            ),
            (
                pgettext_lazy("navigation", "工作日历"),
                "service_routing:calendar_list",
                "service_setup.view",
            ),
            (
                pgettext_lazy("navigation", "服务邮箱"),
                "service_mail:mailbox",
                "service_setup.view",
            ),
            (pgettext_lazy("navigation", "服务收费标准"), "repairs:fee_list", "service_setup.view"),
            (
                pgettext_lazy("navigation", "报告模板"),
                "work_reports:template_list",
                "work_report_templates.view",
            ),
            (
                pgettext_lazy("navigation", "群机器人"),
                "notifications:robot_list",
                "parameters.edit",
            ),
            (pgettext_lazy("navigation", "审计日志"), "audit:log", "audit.view"),
            (pgettext_lazy("navigation", "后台任务"), "jobs:job_list", None),
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
            matches = current_path == url or (url != "/" and current_path.startswith(url))
            visible.append({"label": item_label, "url": url, "active": matches})
        if visible:
            sections.append({"label": label, "icon": icon, "items": visible})
    # only the closest entry is active: /customers/pool/ is 公海, not also 客户
    matching = [item for section in sections for item in section["items"] if item["active"]]
    closest = max(matching, key=lambda item: len(item["url"]), default=None)
    for item in matching:
        item["active"] = item is closest
    return sections


def shell(request):
    employee = getattr(request, "employee", None)
    if employee is None:
        return {"employee": None}
    # the bell's counts load after the page (jobs:job_bell, customers:care_bell)
    return {"employee": employee, "navigation": navigation_for(employee, request.path)}
