"""Demo data of expenses: about thirty expenses of the demo sales reps over the last three
months, linked to their customers and opportunities, in every state (draft, pending,
approved by the manager or at once, rejected, reimbursed), and the approval flow
"费用审批" (over 500: the manager approves). Called by the project's demo seed inside the
demo org's scope; a second run adds nothing."""

import datetime

from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.sales.expenses import services
from guanxi.sales.expenses.models import Expense
from guanxi.sales.opportunities.models import Opportunity
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalFlow

COUNT = 30
THRESHOLD = "500"
# (category, description, amount over the threshold?)
KINDS = (
    ("transport", "拜访客户往返打车", False),
    ("entertainment", "宴请客户采购负责人", True),
    ("travel", "出差高铁票及住宿", True),
    ("gift", "中秋节客户礼品", True),
    ("sample", "样品寄送及快递费", False),
    ("meeting", "产品技术交流会场地费", True),
    ("transport", "陪同客户考察停车及过路费", False),
    ("other", "投标文件打印装订", False),
)
# what happens to the n-th expense (cycled): the order mixes the states
OUTCOMES = ("approve", "draft", "reimburse", "pending", "approve", "reject", "reimburse")
SMALL = ("36", "58.5", "86", "128", "245", "312.8", "460")
LARGE = ("680", "960", "1280", "1850", "2360", "3200", "4580")


def _flow(admin):
    if not ApprovalFlow.objects.filter(document=services.DOCUMENT).exists():
        approvals.flow_create(
            actor=admin,
            document=services.DOCUMENT,
            name="费用审批",
            description="500 元以上的费用由直属上级审批。",
            conditions=[{"variable": "amount", "op": ">", "value": THRESHOLD}],
            steps=[{"name": "直属上级审批", "kind": "manager"}],
        )


def _links(rep):
    """The opportunities and customers ``rep`` may see (what an expense may link)."""
    customers = list(
        policy.scope_queryset(
            rep, "customers", Customer.objects.all(), owner="owner", department="department"
        ).order_by("pk")[:20]
    )
    visible = {customer.pk for customer in customers}
    opportunities = [
        opportunity
        for opportunity in policy.scope_queryset(
            rep, "opportunities", Opportunity.objects.select_related("customer")
        ).order_by("pk")[:20]
        if opportunity.customer_id in visible
    ]
    return customers, opportunities


def seed(admin):
    """The demo expenses; returns how many were made (0 when there are some already or
    no rep with a manager)."""
    if Expense.with_deleted.exists():
        return 0
    reps = list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, manager__isnull=False)
        .exclude(pk=admin.pk)
        .select_related("manager")
        .order_by("pk")
    )
    reps = [rep for rep in reps if policy.can(rep, "expenses.create")]
    if not reps:
        return 0
    _flow(admin)
    links = {rep.pk: _links(rep) for rep in reps}
    today = timezone.localdate()
    made = 0
    for index in range(COUNT):
        rep = reps[index % len(reps)]
        customers, opportunities = links[rep.pk]
        category, description, large = KINDS[index % len(KINDS)]
        outcome = OUTCOMES[index % len(OUTCOMES)]
        if outcome in ("pending", "reject"):
            large = True  # these need the flow
        amount = (LARGE if large else SMALL)[(index * 3) % 7]
        customer = opportunity = None
        if opportunities and index % 3 == 0:
            opportunity = opportunities[index % len(opportunities)]
        elif customers and index % 3 == 1:
            customer = customers[index % len(customers)]
        expense = services.expense_create(
            actor=rep,
            category=category,
            amount=amount,
            incurred_on=today - datetime.timedelta(days=2 + (index * 37) % 88),
            description=description,
            customer=customer,
            opportunity=opportunity,
        )
        made += 1
        if outcome == "draft":
            continue
        request = services.expense_submit(actor=rep, expense=expense, comment="请审批")
        if request is not None and request.is_pending and outcome != "pending":
            if outcome == "reject":
                approvals.reject(actor=rep.manager, request=request, comment="请补充发票后再提交")
                continue
            approvals.approve(actor=rep.manager, request=request, comment="同意")
        if outcome == "reimburse":
            services.expense_reimburse(actor=admin, expense=expense)
    return made
