"""Demo data of sales orders and the credit check (SPEC §4: good payers get better terms,
bad small payers are stopped): a credit approval flow, an order made from the effective
demo contract, confirmed direct orders (first and repeat orders of their customers,
shipped and delivered), a draft, a customer rated "stop trading", and a customer over a
small credit limit whose order waits for credit approval. Called by the project's demo
seed inside the demo org's scope after the contracts demo; a second run adds nothing.
Returns how many orders were made."""

import datetime
from decimal import Decimal

from django.utils import timezone

from guanxi.catalog.models import Product
from guanxi.customers.models import Customer
from guanxi.orgs.models import Employee
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders import services
from guanxi.sales.orders.models import Order
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalFlow


def _actor(customer, admin):
    owner = customer.owner
    if owner is not None and owner.status == Employee.Status.ACTIVE:
        return owner
    return admin


def _line(product, quantity):
    return [{"product": product.pk, "quantity": quantity}]


def seed(admin):
    if Order.with_deleted.exists():
        return 0
    customers = list(Customer.objects.select_related("owner").order_by("pk")[:8])
    products = list(Product.objects.filter(active=True).order_by("pk")[:3])
    if len(customers) < 8 or not products:
        return 0
    if not ApprovalFlow.objects.filter(document=services.DOCUMENT).exists():
        approvals.flow_create(
            actor=admin,
            document=services.DOCUMENT,
            name="超信用订单审批",
            conditions=[{"variable": "over_credit", "op": "=", "value": "yes"}],
            steps=[{"name": "上级主管审批", "kind": "manager"}],
        )
    today = timezone.localdate()
    made = 0
    contract = Contract.objects.filter(status=Contract.Status.EFFECTIVE).order_by("pk").first()
    if contract is not None:
        actor = _actor(contract.customer, admin)
        order = services.order_create(
            actor=actor, contract=contract, order_date=today - datetime.timedelta(days=10)
        )
        services.order_confirm(actor=actor, order=order)
        services.order_set_delivery(actor=actor, order=order, delivery_status=Order.Delivery.PARTLY)
        made += 1
    # good payers: a first and a repeat order, shipped and delivered
    for index, days_ago, quantity in ((4, 40, "12"), (4, 12, "20"), (5, 25, "8")):
        customer = customers[index]
        actor = _actor(customer, admin)
        order = services.order_create(
            actor=actor,
            customer=customer,
            lines=_line(products[index % len(products)], quantity),
            order_date=today - datetime.timedelta(days=days_ago),
            payment_due_date=today + datetime.timedelta(days=30 - days_ago),
        )
        services.order_confirm(actor=actor, order=order)
        services.order_set_delivery(
            actor=actor,
            order=order,
            delivery_status=Order.Delivery.DELIVERED,
            shipped_on=today - datetime.timedelta(days=days_ago - 2),
            delivered_on=today - datetime.timedelta(days=days_ago - 4),
        )
        made += 1
    # a bad small payer is stopped: the draft stays, confirming it is refused
    stopped = customers[6]
    Customer.objects.filter(pk=stopped.pk).update(credit_rating="stop")
    services.order_create(
        actor=_actor(stopped, admin), customer=stopped, lines=_line(products[0], "2")
    )
    made += 1
    # over a small credit limit: the order waits for credit approval
    limited = customers[7]
    Customer.objects.filter(pk=limited.pk).update(credit_limit=Decimal("1000"))
    limited.credit_limit = Decimal("1000")
    actor = _actor(limited, admin)
    order = services.order_create(
        actor=actor, customer=limited, lines=_line(products[-1], "50"), title="年底备货"
    )
    if order.total > limited.credit_limit:
        services.order_confirm(actor=actor, order=order)
    made += 1
    return made
