"""Shared builders for the planning tests: orders, lines, payments and opportunities
written straight to the tables (what is measured here is the reading of them)."""

import datetime
import itertools
from decimal import Decimal

from guanxi.catalog.models import Product, ProductLine
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.sales.orders.models import Order, OrderLine
from guanxi.sales.planning import services
from guanxi.sales.receivables import services as receivable_services

_codes = itertools.count(1)
D = Decimal


def customer(world, owner=None, name="星河贸易有限公司"):
    with org_scope(world.org):
        found = Customer.objects.filter(name=name).first()
        if found is not None:
            return found
        return customer_services.customer_create(
            actor=world.admin, name=name, owner=owner or world.rep_a
        )


def product(world, name="工业水泵", line=None):
    with org_scope(world.org):
        item = Product.objects.create(
            org=world.org, code=f"P-{next(_codes)}", name=name, list_price=D("100")
        )
        if line is not None:
            item.product_lines.add(line)
        return item


def product_line(world, name="水泵产品线"):
    with org_scope(world.org):
        return ProductLine.objects.create(org=world.org, name=name)


def order(world, owner, total, day, *, status="confirmed", lines=(), department=None):
    """An order of ``owner`` worth ``total`` on ``day``; ``lines``: (product, qty, total)."""
    with org_scope(world.org):
        made = Order.objects.create(
            org=world.org,
            code=f"SO-T-{next(_codes)}",
            customer=customer(world),
            status=status,
            order_date=day,
            total=D(str(total)),
            amount=D(str(total)),
            owner=owner,
            owner_department_id=department.pk if department else owner.department_id,
        )
        for position, (item, quantity, line_total) in enumerate(lines, start=1):
            OrderLine.objects.create(
                org=world.org,
                order=made,
                position=position,
                product=item,
                quantity=D(str(quantity)),
                unit_price=D(str(line_total)) / D(str(quantity)),
                amount=D(str(line_total)),
                tax=D("0"),
                total=D(str(line_total)),
            )
        return made


def collected(world, owner, amount, day):
    """A receivable of ``owner`` paid ``amount`` on ``day``."""
    buyer = customer(world)
    with org_scope(world.org):
        receivable = receivable_services.receivable_create(
            actor=world.admin,
            customer=buyer,
            amount=amount,
            due_date=day,
            source_type="manual",
            title="货款",
            owner=owner,
        )
        return receivable_services.payment_create(
            actor=world.admin,
            customer=buyer,
            amount=amount,
            received_at=day,
            allocations=[{"receivable": receivable.pk, "amount": str(amount)}],
        )


def opportunity(world, owner, amount, close, probability=50, name="项目"):
    with org_scope(world.org):
        found = opportunity_services.opportunity_create(
            actor=world.admin,
            customer=customer(world),
            name=name,
            amount=amount,
            owner=owner,
            expected_close_date=close,
            probability=probability,
        )
        return found


def target(world, *, actor=None, **fields):
    with org_scope(world.org):
        return services.target_create(actor=actor or world.admin, **fields)


DAY = datetime.date(2026, 12, 15)
