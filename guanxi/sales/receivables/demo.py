"""Demo data of receivables and collections: manual receivables of the demo customers
spread over the ageing buckets (booked over the last months), payments matched to them
(in full, in part, one paying two receivables, one leaving a credit), a voided payment
and VAT invoices. Called by the project's demo seed inside the demo org's scope; a second
run adds nothing. Receivables of contracts and orders come from those apps' demo data."""

import datetime

from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.sales.receivables import services
from guanxi.sales.receivables.models import Receivable

# (customer index, title, amount, booked days ago, due in days (negative: overdue))
RECEIVABLES = (
    (0, "年度维保服务费", "36000", 120, -95),
    (0, "门窗安装工程进度款", "128000", 70, -40),
    (1, "五金配件货款（十月）", "18650.50", 60, -25),
    (1, "五金配件货款（十一月）", "21480", 30, 5),
    (2, "幕墙设计咨询费", "45000", 95, -65),
    (2, "样品及运费", "3260", 20, 10),
    (3, "展厅改造工程尾款", "86000", 45, -12),
    (4, "系统门窗首批货款", "152300", 15, 25),
    (5, "售后检修服务费", "4800", 8, 22),
)
# (customer index, amount, received days ago, method, reference, [(receivable index, amount)])
PAYMENTS = (
    (0, "36000", 90, "transfer", "ICBC 6222 0210 8801", [(0, "36000")]),
    (1, "18650.50", 20, "transfer", "CMB 2026102200318", [(2, "18650.50")]),
    (2, "20000", 30, "acceptance", "银承 3100 0051 2026 0917", [(4, "20000")]),
    (3, "90000", 10, "transfer", "ABC 9558 8012 0004", [(6, "86000")]),  # 4000 credit
    (0, "50000", 5, "transfer", "ICBC 6222 0210 8832", [(1, "50000")]),
)


def seed(admin):
    """Receivables, payments and invoices of the first demo customers; returns how many
    receivables were made (0 when the demo already has them)."""
    if Receivable.objects.filter(source_type=Receivable.Source.MANUAL).exists():
        return 0
    customers = list(Customer.objects.order_by("pk")[:6])
    if len(customers) < 6:
        return 0
    today = timezone.localdate()
    receivables = []
    for index, title, amount, booked, due in RECEIVABLES:
        receivables.append(
            services.receivable_create(
                actor=admin,
                customer=customers[index],
                amount=amount,
                due_date=today + datetime.timedelta(days=due),
                booked_on=today - datetime.timedelta(days=booked),
                source_type=Receivable.Source.MANUAL,
                title=title,
            )
        )
    for index, amount, days_ago, method, reference, allocations in PAYMENTS:
        services.payment_create(
            actor=admin,
            customer=customers[index],
            amount=amount,
            received_at=today - datetime.timedelta(days=days_ago),
            method=method,
            reference=reference,
            allocations=[
                {"receivable": receivables[row].pk, "amount": value} for row, value in allocations
            ],
            notes="演示数据",
        )
    bounced = services.payment_create(
        actor=admin,
        customer=customers[1],
        amount="21480",
        received_at=today - datetime.timedelta(days=3),
        method="cheque",
        reference="转账支票 0028 7731",
        allocations=[{"receivable": receivables[3].pk, "amount": "21480"}],
    )
    services.payment_void(actor=admin, payment=bounced, reason="支票退票，客户将改为银行转账")
    services.invoice_create(
        actor=admin,
        customer=customers[0],
        number="04400261",
        type="vat_special",
        amount="36000",
        tax_amount="2037.74",
        issued_on=today - datetime.timedelta(days=118),
        receivables=[receivables[0].pk],
        notes="6% 现代服务",
    )
    services.invoice_create(
        actor=admin,
        customer=customers[3],
        number="04400397",
        type="vat_special",
        amount="86000",
        tax_amount="9893.81",
        issued_on=today - datetime.timedelta(days=40),
        receivables=[receivables[6].pk],
    )
    services.invoice_create(
        actor=admin,
        customer=customers[5],
        number="25442000000012345678",
        type="vat_ordinary",
        amount="4800",
        tax_amount="276.11",
        issued_on=today - datetime.timedelta(days=7),
        receivables=[receivables[8].pk],
    )
    return len(receivables)
