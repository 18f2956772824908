"""Demo data of quotes: five quotes of the first customers showing every stage — a
draft, one with a big discount waiting for the manager's approval (through a demo
approval flow), one sent by e-mail, one revised after sending (V1 kept, V2 a draft) and
one the customer accepted. Made through the services, inside the demo org's scope; a
second run adds nothing. Mails go to a dummy connection: nothing leaves the machine."""

import datetime

from django.core.mail import get_connection
from django.utils import timezone

from guanxi.catalog.models import Product
from guanxi.customers.models import Contact, Customer
from guanxi.orgs.models import Employee
from guanxi.sales.quotes import services
from guanxi.sales.quotes.models import Quote
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalFlow

TERMS = (
    "1. 报价含税（增值税专用发票），含运费及安装调试。\n"
    "2. 付款方式：合同签订后预付 30%，到货验收后 30 天内付清余款。\n"
    "3. 交货期：收到预付款后 15 个工作日内。"
)
# (customer index, title, [(product index, quantity, discount)], outcome)
QUOTES = (
    (0, "办公设备采购报价", [(0, "3", "0"), (1, "5", "5")], "draft"),
    (1, "年度框架采购报价（大客户折扣）", [(0, "20", "18"), (2, "10", "12")], "pending"),
    (2, "分公司新办公室设备报价", [(1, "8", "5"), (2, "2", "0")], "sent"),
    (3, "二期扩容报价", [(0, "6", "8"), (1, "6", "8")], "revised"),
    (0, "耗材年度供货报价", [(2, "12", "3")], "accepted"),
)


def _lines(products, items):
    rows = []
    for index, quantity, discount in items:
        product = products[index % len(products)]
        rows.append({"product": product.pk, "quantity": quantity, "discount": discount})
    return rows


def _actor(customer, admin):
    owner = customer.owner
    if owner is not None and owner.status == Employee.Status.ACTIVE:
        return owner
    return admin


def _address(customer, index):
    contact = Contact.objects.filter(customer=customer).exclude(email="").first()
    return contact.email if contact else f"purchase{index + 1}@example.com"


def seed(admin):
    """Make the demo quotes of ``admin``'s org; returns how many were made."""
    if Quote.with_deleted.exists():
        return 0
    customers = list(Customer.objects.select_related("owner").order_by("pk")[:4])
    products = list(Product.objects.filter(active=True).order_by("pk")[:3])
    if len(customers) < 4 or not products:
        return 0
    if not ApprovalFlow.objects.filter(document=services.DOCUMENT).exists():
        approvals.flow_create(
            actor=admin,
            document=services.DOCUMENT,
            name="报价折扣审批",
            conditions=[{"variable": "max_discount", "op": ">", "value": "10"}],
            steps=[{"name": "销售主管审批", "kind": "manager"}],
        )
    connection = get_connection("django.core.mail.backends.dummy.EmailBackend")
    today = timezone.localdate()
    made = 0
    for number, (index, title, items, outcome) in enumerate(QUOTES):
        customer = customers[index]
        actor = _actor(customer, admin)
        quote = services.quote_create(
            actor=actor,
            customer=customer,
            title=title,
            lines=_lines(products, items),
            quote_date=today - datetime.timedelta(days=10 - 2 * number),
            valid_until=today + datetime.timedelta(days=30),
            terms=TERMS,
        )
        made += 1
        if outcome == "draft":
            continue
        services.quote_submit(actor=actor, quote=quote)
        quote.refresh_from_db()
        if outcome == "pending" or quote.status != Quote.Status.APPROVED:
            continue
        services.quote_send(
            actor=actor,
            quote=quote,
            to=_address(customer, index),
            message="您好：\n\n附件是我们的报价单，请查收。",
            connection=connection,
        )
        if outcome == "revised":
            services.quote_revise(actor=actor, quote=quote)
        elif outcome == "accepted":
            services.quote_mark(actor=actor, quote=quote, outcome="accepted")
    return made
