"""Demo data of contracts: an approval flow for contracts with a discount of 10% or
more, and contracts of the first demo customers at every stage — effective with a
three-instalment plan (its receivables made), completed, waiting for approval, and a
draft. Called by the project's demo seed inside the demo org's scope, after customers
and products; a second run adds nothing. Returns how many contracts were made."""

import datetime
from decimal import Decimal

from django.utils import timezone

from guanxi.catalog.models import Product
from guanxi.customers.models import Customer
from guanxi.orgs.models import Employee
from guanxi.sales.contracts import documents, services
from guanxi.sales.contracts.models import Contract
from guanxi.sales.contracts.payment_plan import split_evenly
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalFlow

# (customer index, title, [(product index, quantity, discount)], instalments, what happens)
CONTRACTS = (
    (0, "2027 年度门窗供货合同", [(0, "40", "5"), (1, "120", "0")], 3, "effective"),
    (1, "五金配件框架采购合同", [(1, "300", "8")], 2, "completed"),
    (2, "幕墙项目供货及安装合同", [(0, "150", "12"), (2, "20", "0")], 4, "pending"),
    (3, "展厅样品采购合同", [(2, "6", "0")], 1, "draft"),
)
BIG_DISCOUNT = "10"
TERMS = "1. 乙方按约定时间交货，质保期一年。\n2. 甲方按收款计划付款，逾期按日万分之五计违约金。"


def _lines(products, items):
    return [
        {
            "product": products[index % len(products)].pk,
            "quantity": quantity,
            "discount": discount,
        }
        for index, quantity, discount in items
    ]


def _actor(customer, admin):
    """The customer's owner when they are still here (their manager approves), else
    the admin."""
    owner = customer.owner
    if owner is not None and owner.status == Employee.Status.ACTIVE:
        return owner
    return admin


def seed(admin):
    if Contract.with_deleted.exists():
        return 0
    customers = list(Customer.objects.select_related("owner").order_by("pk")[:4])
    products = list(Product.objects.filter(active=True).order_by("pk")[:3])
    if len(customers) < 4 or not products:
        return 0
    if not ApprovalFlow.objects.filter(document=services.DOCUMENT).exists():
        approvals.flow_create(
            actor=admin,
            document=services.DOCUMENT,
            name="大折扣合同审批",
            conditions=[{"variable": "max_discount", "op": ">=", "value": BIG_DISCOUNT}],
            steps=[{"name": "上级主管审批", "kind": "manager"}],
        )
    today = timezone.localdate()
    places = documents.org_settings(admin.org_id).contract_decimals
    made = 0
    for index, title, items, count, outcome in CONTRACTS:
        customer = customers[index]
        actor = _actor(customer, admin)
        contract = services.contract_create(
            actor=actor,
            customer=customer,
            title=title,
            lines=_lines(products, items),
            terms=TERMS,
            start_date=today - datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=335),
            signed_on=today - datetime.timedelta(days=28) if outcome != "draft" else None,
        )
        if contract.total > Decimal(0):
            plan = split_evenly(
                contract.total, count, today + datetime.timedelta(days=15), places=places
            )
            contract = services.contract_update(
                actor=actor,
                contract=contract,
                payment_plan=[{"amount": p.amount, "due_date": p.due_date} for p in plan],
            )
        made += 1
        if outcome == "draft":
            continue
        if outcome == "pending":
            # a 12% discount: the flow applies, the owner's manager has it waiting
            services.contract_submit(actor=actor, contract=contract)
            continue
        services.contract_submit(actor=actor, contract=contract)
        contract.refresh_from_db()
        if contract.status == Contract.Status.PENDING:
            request = approvals.latest_request(contract)
            approver = request.tasks.filter(state="pending").select_related("approver").first()
            if approver is not None:
                approvals.approve(actor=approver.approver, request=request, comment="同意")
            contract.refresh_from_db()
        if outcome == "completed" and contract.status == Contract.Status.EFFECTIVE:
            services.contract_complete(actor=actor, contract=contract)
    return made
