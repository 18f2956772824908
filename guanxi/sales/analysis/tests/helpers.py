"""A small known sales history for the analysis tests, written straight to the tables
(dates, creation times and stage moves chosen exactly; the figures are worked out by hand
in the tests).

Period under test: 2026-01-01 … 2026-03-31 (90 days; the period before it is
2025-10-03 … 2025-12-31).

Orders (counted: confirmed/completed, not deleted):
  O1 rep_a  华东精工 (江苏省)  2026-01-10  p1 ×2 = 1000
  O2 rep_a  华东精工           2026-02-15  p1 ×1 = 500, p2 ×3 = 1500 → 2000
  O3 rep_b  申城贸易 (上海市)  2026-03-05  p2 ×4 = 4000
  O9 agent  无名商行 (no region) 2026-02-20  p1 ×1 = 300
  not counted: a draft, a cancelled and a deleted order in range
  earlier period: rep_a 华东精工 2025-11-01 1500, rep_a 无名商行 2025-12-15 1500,
                  rep_b 申城贸易 2025-11-10 8000

Opportunities (default pipeline: 初步接洽 0, 需求确认 1, 方案报价 2, 商务谈判 3, 赢单 4, 输单 5):
  A1 rep_a 华东精工 10000 created 01-05: 0 →(5 d) 1 →(10 d) 2 →(15 d) won 02-04  (line p1)
  A2 rep_a 华东精工  6000 created 01-15: 0 →(4 d) 1 →(10 d) lost 01-29
  A3 rep_b 申城贸易 20000 created 02-01: 0 →(10 d) 2 →(10 d) 3 →(20 d) won 03-13  (line p2)
  A4 rep_b 申城贸易  5000 created 03-01: 0, open
  A5 rep_a 无名商行  8000 created 2025-11-01, won 2026-01-11 (71 days)
  A6 rep_b 申城贸易  3000 created 2025-12-01, lost 2025-12-20 (outside the period)
"""

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from guanxi.catalog.models import Product, ProductLine
from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer
from guanxi.sales.opportunities.models import Opportunity, OpportunityLine, StageChange
from guanxi.sales.opportunities.services import ensure_default_pipeline
from guanxi.sales.orders.models import Order, OrderLine

START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 3, 31)
PERIOD = {"start": "2026-01-01", "end": "2026-03-31"}
_codes = itertools.count(1)


def D(value):
    return Decimal(str(value))


def at(day, hour=10):
    zone = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


def customer(world, name, region, owner):
    return Customer.objects.create(
        org=world.org,
        code=f"KH-T-{next(_codes)}",
        name=name,
        region=region,
        owner=owner,
        department_id=owner.department_id,
    )


def product(world, name, line):
    item = Product.objects.create(org=world.org, code=f"P-T-{next(_codes)}", name=name)
    item.product_lines.add(line)
    return item


def order(world, owner, client, day, lines, *, status="confirmed", deleted=False):
    total = sum((D(amount) for _item, _quantity, amount in lines), Decimal(0))
    record = Order.objects.create(
        org=world.org,
        code=f"DD-T-{next(_codes)}",
        customer=client,
        owner=owner,
        status=status,
        order_date=day,
        amount=total,
        total=total,
        deleted_at=timezone.now() if deleted else None,
    )
    for position, (item, quantity, amount) in enumerate(lines, start=1):
        OrderLine.objects.create(
            org=world.org,
            order=record,
            position=position,
            product=item,
            quantity=D(quantity),
            unit_price=D(amount) / D(quantity),
            amount=D(amount),
            tax=0,
            total=D(amount),
        )
    return record


def opportunity(world, pipeline, owner, client, amount, created, moves, *, line=None):
    """``moves``: [(stage position, day, days spent in the previous stage)], the first
    being the creation (no previous stage)."""
    stages = {stage.position: stage for stage in pipeline.stages.all()}
    last_position, last_day, _days = moves[-1]
    last = stages[last_position]
    status = {"open": "open", "won": "won", "lost": "lost"}[last.kind]
    record = Opportunity.objects.create(
        org=world.org,
        code=f"SJ-T-{next(_codes)}",
        name=f"{client.name}项目",
        customer=client,
        pipeline=pipeline,
        stage=last,
        amount=D(amount),
        probability=last.probability,
        status=status,
        closed_on=last_day if status != "open" else None,
        owner=owner,
        owner_department_id=owner.department_id,
    )
    Opportunity.objects.filter(pk=record.pk).update(created_at=at(created))
    previous = None
    for position, day, days in moves:
        StageChange.objects.create(
            org=world.org,
            opportunity=record,
            from_stage=previous,
            to_stage=stages[position],
            to_status=status if position == last_position else "open",
            changed_at=at(day),
            days_in_previous=D(days) if previous is not None else None,
        )
        previous = stages[position]
    if line is not None:
        OpportunityLine.objects.create(
            org=world.org,
            opportunity=record,
            position=1,
            product=line,
            quantity=1,
            unit_price=D(amount),
            amount=D(amount),
            tax=0,
            total=D(amount),
        )
    return record


def build(world):
    """The history described in the module docstring."""
    d = datetime.date
    with org_scope(world.org):
        jiangsu = customer(world, "华东精工", "江苏省/苏州市/姑苏区", world.rep_a)
        shanghai = customer(world, "申城贸易", "上海市/闵行区", world.rep_b)
        plain = customer(world, "无名商行", "", world.rep_a)
        line1 = ProductLine.objects.create(org=world.org, name="机床")
        line2 = ProductLine.objects.create(org=world.org, name="刀具")
        p1 = product(world, "数控车床", line1)
        p2 = product(world, "硬质合金刀片", line2)
        o1 = order(world, world.rep_a, jiangsu, d(2026, 1, 10), [(p1, 2, 1000)])
        o2 = order(
            world,
            world.rep_a,
            jiangsu,
            d(2026, 2, 15),
            [(p1, 1, 500), (p2, 3, 1500)],
            status="completed",
        )
        o3 = order(world, world.rep_b, shanghai, d(2026, 3, 5), [(p2, 4, 4000)])
        o9 = order(world, world.agent, plain, d(2026, 2, 20), [(p1, 1, 300)])
        order(world, world.rep_b, shanghai, d(2026, 3, 6), [(p2, 1, 9999)], status="draft")
        order(world, world.rep_a, jiangsu, d(2026, 1, 20), [(p1, 1, 777)], status="cancelled")
        order(world, world.rep_a, jiangsu, d(2026, 1, 5), [(p1, 1, 555)], deleted=True)
        order(world, world.rep_a, jiangsu, d(2025, 11, 1), [(p1, 1, 1500)])
        order(world, world.rep_a, plain, d(2025, 12, 15), [(p1, 1, 1500)])
        order(world, world.rep_b, shanghai, d(2025, 11, 10), [(p2, 1, 8000)])

        pipeline = ensure_default_pipeline(world.org.pk)
        a1 = opportunity(
            world, pipeline, world.rep_a, jiangsu, 10000, d(2026, 1, 5),
            [(0, d(2026, 1, 5), 0), (1, d(2026, 1, 10), 5), (2, d(2026, 1, 20), 10),
             (4, d(2026, 2, 4), 15)],
            line=p1,
        )  # fmt: skip
        a2 = opportunity(
            world, pipeline, world.rep_a, jiangsu, 6000, d(2026, 1, 15),
            [(0, d(2026, 1, 15), 0), (1, d(2026, 1, 19), 4), (5, d(2026, 1, 29), 10)],
        )  # fmt: skip
        a3 = opportunity(
            world, pipeline, world.rep_b, shanghai, 20000, d(2026, 2, 1),
            [(0, d(2026, 2, 1), 0), (2, d(2026, 2, 11), 10), (3, d(2026, 2, 21), 10),
             (4, d(2026, 3, 13), 20)],
            line=p2,
        )  # fmt: skip
        a4 = opportunity(
            world, pipeline, world.rep_b, shanghai, 5000, d(2026, 3, 1), [(0, d(2026, 3, 1), 0)]
        )
        a5 = opportunity(
            world, pipeline, world.rep_a, plain, 8000, d(2025, 11, 1),
            [(0, d(2025, 11, 1), 0), (4, d(2026, 1, 11), 71)],
        )  # fmt: skip
        a6 = opportunity(
            world, pipeline, world.rep_b, shanghai, 3000, d(2025, 12, 1),
            [(0, d(2025, 12, 1), 0), (5, d(2025, 12, 20), 19)],
        )  # fmt: skip
    return SimpleNamespace(
        jiangsu=jiangsu, shanghai=shanghai, plain=plain, line1=line1, line2=line2, p1=p1,
        p2=p2, o1=o1, o2=o2, o3=o3, o9=o9, pipeline=pipeline, a1=a1, a2=a2, a3=a3, a4=a4,
        a5=a5, a6=a6,
    )  # fmt: skip
