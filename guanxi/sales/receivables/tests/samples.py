"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): receivables, payments and
invoices are owned records of module ``payments``; each sample belongs to ``rep_b``."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.sales.receivables import services

NAME = "样本回款客户"


def _customer(world):
    with org_scope(world.org):
        customer = Customer.objects.filter(name=NAME).first()
        if customer is None:
            customer = customer_services.customer_create(
                actor=world.admin, name=NAME, owner=world.rep_b
            )
        return customer


def _receivable(world, amount="1000"):
    customer = _customer(world)
    with org_scope(world.org):
        return services.receivable_create(
            actor=world.admin,
            customer=customer,
            amount=amount,
            due_date="2030-01-31",
            source_type="manual",
            title="样本应收",
            owner=world.rep_b,
        )


@sample(
    "receivable",
    change={"title": "改过的摘要"},
    check_field="title",
    create=lambda w: {
        "customer": _customer(w).pk,
        "amount": "300.00",
        "due_date": "2030-02-28",
        "title": "手工应收",
    },
    owned=True,
    module="payments",
)
def build_receivable(world):
    return _receivable(world)


@sample(
    "payment",
    change={"reference": "BANK-0001"},
    check_field="reference",
    create=lambda w: {
        "customer": _customer(w).pk,
        "amount": "100.00",
        "received_at": "2026-01-05",
        "allocations": [{"receivable": _receivable(w, "100").pk, "amount": "100.00"}],
    },
    owned=True,
    module="payments",
)
def build_payment(world):
    customer = _customer(world)
    with org_scope(world.org):
        return services.payment_create(
            actor=world.admin,
            customer=customer,
            amount="500",
            received_at="2026-01-04",
            owner=world.rep_b,
        )


def _invoice_body(world):
    with org_scope(world.org):
        from guanxi.sales.receivables.models import Invoice

        number = f"9{Invoice.objects.count() + 1:07d}"
    return {
        "customer": _customer(world).pk,
        "number": number,
        "type": "vat_special",
        "amount": "113.00",
        "tax_amount": "13.00",
        "issued_on": "2026-01-05",
    }


@sample(
    "invoice",
    change={"notes": "已寄出"},
    check_field="notes",
    create=_invoice_body,
    owned=True,
    module="payments",
)
def build_invoice(world):
    body = _invoice_body(world)
    with org_scope(world.org):
        return services.invoice_create(
            actor=world.admin,
            customer=body["customer"],
            number=body["number"],
            type=body["type"],
            amount=body["amount"],
            tax_amount=body["tax_amount"],
            issued_on=body["issued_on"],
            owner=world.rep_b,
        )
