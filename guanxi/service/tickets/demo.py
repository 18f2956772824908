"""Demo data of service tickets: calls, e-mails and walk-ins about the demo customers, in
every status — new and waiting in the queue, assigned to the service agents, in
progress with replies and internal notes, resolved, closed with the customer's score,
and one reopened complaint. Called by the project's demo seed inside the demo org's
scope after the customers (and installed products, when there are any); a second run
adds nothing. Returns how many tickets were made."""

from guanxi.customers.models import Contact, Customer
from guanxi.orgs.models import Employee, Role
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.tickets import services
from guanxi.service.tickets.models import Ticket

# (subject, category, channel, priority, description, path through the workflow, score)
TICKETS = [
    ("净水器接口处漏水", "repair", "phone", "high",
     "客户反映厨房净水器进水接口处持续滴水，已关闭进水阀。", "closed", 5),
    ("咨询年度维保合同价格", "consultation", "email", "normal",
     "客户想了解三台设备的年度维保方案与报价。", "resolved", None),
    ("新购设备预约安装", "installation", "phone", "normal",
     "新购两台商用净水设备，希望本周六上午安装。", "assigned", None),
    ("维修工程师迟到两小时", "complaint", "phone", "urgent",
     "客户投诉上次上门维修的工程师迟到两个小时且未提前通知。", "reopened", None),
    ("开票信息需要更正", "consultation", "email", "low",
     "上月发票抬头有误，需要重开。", "waiting", None),
    ("设备显示E3故障代码", "repair", "walk_in", "high",
     "客户带控制面板到门店，开机即显示E3。", "in_progress", None),
    ("申请更换滤芯", "return", "web", "normal",
     "滤芯使用未满三个月出现异味，申请更换。", "new", None),
    ("咨询产品能否加装远程监控", "consultation", "phone", "normal",
     "客户希望通过手机查看设备运行状态。", "closed", 4),
]  # fmt: skip


def _agents(admin):
    roles = [r.pk for r in Role.objects.all() if "tickets.edit" in r.permissions]
    agents = list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, roles__in=roles)
        .distinct()
        .order_by("id")
    )
    return agents or [admin]


def _move(ticket, agent, path, score):
    S = Ticket.Status
    if path == "new":
        return
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, reason="")
    if path == "assigned":
        return
    services.ticket_reply(
        actor=agent, ticket=ticket, body="您好，我们已收到您的问题，正在为您安排处理。"
    )
    services.ticket_reply(
        actor=agent, ticket=ticket, body="已核对客户购买记录，仍在保修期内。", public=False
    )
    if path == "in_progress":
        return
    if path == "waiting":
        services.ticket_transition(actor=agent, ticket=ticket, status=S.WAITING)
        return
    services.ticket_transition(
        actor=agent, ticket=ticket, status=S.RESOLVED, resolution="已上门处理，客户确认恢复正常。"
    )
    if path == "resolved":
        return
    services.ticket_transition(actor=agent, ticket=ticket, status=S.CLOSED)
    if score is not None:
        services.ticket_survey_record(actor=agent, ticket=ticket, score=score, comment="服务及时")
    if path == "reopened":
        services.ticket_reopen(actor=agent, ticket=ticket, reason="客户来电表示仍不满意")


def seed(admin):
    if Ticket.with_deleted.exists():
        return 0
    customers = list(Customer.objects.order_by("pk")[: len(TICKETS)])
    if not customers:
        return 0
    agents = _agents(admin)
    contacts = {}
    for contact in Contact.objects.filter(customer__in=customers).order_by("-is_primary", "id"):
        contacts.setdefault(contact.customer_id, contact)
    installed = {}
    for item in InstalledProduct.objects.filter(customer__in=customers).order_by("id"):
        installed.setdefault(item.customer_id, item)
    made = 0
    for index, (subject, category, channel, priority, text, path, score) in enumerate(TICKETS):
        customer = customers[index % len(customers)]
        agent = agents[index % len(agents)]
        item = installed.get(customer.pk) if category in ("repair", "installation") else None
        ticket = services.ticket_create(
            actor=agent,
            customer=customer,
            subject=subject,
            category=category,
            channel=channel,
            priority=priority,
            description=text,
            contact=contacts.get(customer.pk),
            installed_product=item,
        )
        _move(ticket, agent, path, score)
        made += 1
    return made
