"""Demo opportunities: the standard pipeline, a project (tender) pipeline, and twenty
opportunities of the demo customers at every stage — new, qualified, quoted, in
negotiation, won and lost (with reasons) — some with product lines and competitors.

``seed(actor)`` (an admin, inside the demo org's scope, after the customers and products
exist) creates what is not there yet; running it again adds nothing (matched by name).
Everything is written through the services; afterwards the stage history of each demo
opportunity is spread over the past weeks (the services stamp moves with the current
time), so the board, the funnel and cycle-time figures look like a real quarter."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from guanxi.catalog.models import Product
from guanxi.customers.models import Customer
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.models import Opportunity, Pipeline, StageChange

PROJECT_PIPELINE = "项目招投标流程"
PROJECT_STAGES = [
    {"name": "项目立项", "probability": 10},
    {"name": "技术交流", "probability": 25},
    {"name": "投标准备", "probability": 40},
    {"name": "开标评标", "probability": 60},
    {"name": "中标", "probability": 100, "kind": "won"},
    {"name": "未中标", "probability": 0, "kind": "lost"},
]

# name, amount, days until the expected close, path of stages after the first (the last
# one is where it ends up; "赢单"/"输单" close it), lost reason, next step, competitors,
# product lines (how many of the first demo products, quantity)
OPPORTUNITIES = [
    (
        "宏达机电 数控机床更新",
        "680000",
        45,
        ["需求确认", "方案报价", "商务谈判"],
        "",
        "下周三与采购总监谈付款条件",
        [("沈阳机床", "报价低 8%")],
        2,
    ),
    (
        "宏达机电 备品备件年度框架",
        "120000",
        20,
        ["需求确认", "方案报价", "商务谈判", "赢单"],
        "",
        "",
        [],
        1,
    ),
    ("西湖茶叶 包装线自动化改造", "260000", 60, ["需求确认"], "", "安排工程师现场测量", [], 0),
    (
        "西湖茶叶 仓储管理系统",
        "85000",
        30,
        ["需求确认", "方案报价", "输单"],
        "price",
        "",
        [("用友", "本地服务团队强")],
        0,
    ),
    ("华东精密 三坐标测量机", "420000", 75, [], "", "寄送样件检测报告", [], 1),
    (
        "华东精密 刀具年度采购",
        "96000",
        15,
        ["需求确认", "方案报价"],
        "",
        "等待客户内部比价结果",
        [("株洲钻石", "")],
        2,
    ),
    (
        "苏州工业园 洁净车间空调",
        "1350000",
        90,
        ["需求确认", "方案报价"],
        "",
        "提交第二版技术方案",
        [("格力", "品牌知名度高"), ("美的", "")],
        0,
    ),
    (
        "苏州工业园 设备维保服务",
        "180000",
        10,
        ["需求确认", "方案报价", "商务谈判", "赢单"],
        "",
        "",
        [],
        0,
    ),
    ("南京钢铁 除尘系统改造", "2200000", 120, [], "", "参加客户技术交流会", [], 0),
    (
        "南京钢铁 行车变频器",
        "310000",
        40,
        ["需求确认", "方案报价", "商务谈判"],
        "",
        "确认交货期能否提前两周",
        [("ABB", "技术认可度高")],
        1,
    ),
    ("宁波港口 叉车电池更换", "150000", 25, ["需求确认", "输单"], "no_budget", "", [], 0),
    (
        "宁波港口 智能闸口系统",
        "760000",
        80,
        ["需求确认", "方案报价"],
        "",
        "约信息中心主任演示",
        [("海康威视", "")],
        0,
    ),
    (
        "合肥新能源 电池检测设备",
        "530000",
        50,
        ["需求确认", "方案报价", "商务谈判", "赢单"],
        "",
        "",
        [("是德科技", "")],
        2,
    ),
    ("合肥新能源 二期产线规划", "3800000", 150, [], "", "了解二期投资计划", [], 0),
    (
        "无锡纺织 印染废水处理",
        "690000",
        65,
        ["需求确认", "方案报价", "商务谈判", "输单"],
        "competitor",
        "",
        [("碧水源", "给出了更长质保")],
        0,
    ),
    (
        "无锡纺织 空压机节能改造",
        "210000",
        35,
        ["需求确认", "方案报价"],
        "",
        "提供节能测算报告",
        [],
        1,
    ),
    ("常州电机 绕线机采购", "275000", 28, ["需求确认"], "", "确认线径规格", [], 2),
    (
        "常州电机 MES 系统",
        "450000",
        95,
        ["需求确认", "方案报价", "商务谈判"],
        "",
        "准备商务合同草稿",
        [("鼎捷软件", "")],
        0,
    ),
]
# on the project pipeline: name, amount, days, path, lost reason, next step
PROJECTS = [
    (
        "市第一医院 医疗设备集中采购",
        "1860000",
        70,
        ["技术交流", "投标准备"],
        "",
        "购买招标文件并组织投标小组",
    ),
    (
        "高新区管委会 智慧园区一期",
        "2950000",
        100,
        ["技术交流", "投标准备", "开标评标", "中标"],
        "",
        "",
    ),
]
DAYS_PER_STEP = (6, 9, 12, 8, 5)  # how long the demo opportunities stayed in each stage
CENT = Decimal("0.01")


def _project_pipeline(actor):
    pipeline = Pipeline.objects.filter(name=PROJECT_PIPELINE).first()
    if pipeline is None:
        pipeline = services.pipeline_create(
            actor=actor, name=PROJECT_PIPELINE, stages=PROJECT_STAGES
        )
    return pipeline


def _lines(products, count, amount):
    """``count`` lines of the demo products whose totals come near ``amount``."""
    chosen = products[:count]
    if not chosen:
        return None
    share = Decimal(amount) / len(chosen)
    lines = []
    for product in chosen:
        price = product.list_price or Decimal(1000)
        quantity = max(1, int((share / price / Decimal("1.13")).to_integral_value(ROUND_HALF_UP)))
        lines.append({"product": product.pk, "quantity": str(quantity)})
    return lines


def _spread_history(opportunity, started):
    """Re-date the opportunity's stage history from ``started`` on (demo only: the
    services stamp every move with the current time)."""
    moment = started
    previous = None
    for index, change in enumerate(
        StageChange.objects.filter(opportunity=opportunity).order_by("id")
    ):
        if previous is not None:
            moment = previous + datetime.timedelta(
                days=DAYS_PER_STEP[(index - 1) % len(DAYS_PER_STEP)], hours=index * 3
            )
        days = None
        if previous is not None:
            days = (Decimal((moment - previous).total_seconds()) / Decimal(86400)).quantize(CENT)
        StageChange.objects.filter(pk=change.pk).update(changed_at=moment, days_in_previous=days)
        previous = moment
    Opportunity.objects.filter(pk=opportunity.pk).update(
        stage_entered_at=moment,
        created_at=started,
        closed_on=timezone.localdate(moment) if opportunity.status != "open" else None,
    )


def _title(name):
    """The list names the customer for the reader; the opportunity's own name leaves it
    out (the customer is shown beside it)."""
    return name.split(" ", 1)[-1]


def _make(actor, customer, pipeline, row, products, today, index):
    name, amount, days, path, reason, next_step, competitors, line_count = row
    name = _title(name)
    stages = {s.name: s for s in pipeline.stages.all()}
    owner = customer.owner or actor
    opportunity = services.opportunity_create(
        actor=actor,
        customer=customer,
        name=name,
        amount=None if line_count and products else amount,
        expected_close_date=today + datetime.timedelta(days=days),
        owner=owner,
        pipeline=pipeline,
        source=("referral", "exhibition", "website", "phone")[index % 4],
        next_step=next_step,
        competitors=[{"name": n, "notes": notes} for n, notes in competitors],
        lines=_lines(products, line_count, amount) if line_count else None,
    )
    for stage_name in path:
        opportunity = services.opportunity_move(
            actor=owner if owner.is_active else actor,
            opportunity=opportunity,
            stage=stages[stage_name],
            lost_reason=reason if stages[stage_name].kind == "lost" else "",
        )
    steps = sum(DAYS_PER_STEP[i % len(DAYS_PER_STEP)] for i in range(len(path)))
    started = timezone.now() - datetime.timedelta(days=steps + 3 + index % 5)
    _spread_history(opportunity, started)
    return opportunity


def seed(actor):
    """Create the demo pipelines and opportunities that do not exist yet; returns
    ``{"pipelines": n, "opportunities": n}`` (how many there are now)."""
    default = services.ensure_default_pipeline(actor.org_id)
    project = _project_pipeline(actor)
    customers = list(
        Customer.objects.filter(merged_into__isnull=True)
        .select_related("owner")
        .order_by("id")[:12]
    )
    if not customers:
        return {"pipelines": Pipeline.objects.count(), "opportunities": 0}
    products = list(Product.objects.filter(active=True).order_by("id")[:3])
    existing = set(Opportunity.with_deleted.values_list("name", flat=True))
    today = timezone.localdate()
    rows = [(row, default) for row in OPPORTUNITIES] + [
        ((*row, [], 0), project) for row in PROJECTS
    ]
    for index, (row, pipeline) in enumerate(rows):
        if _title(row[0]) in existing:
            continue
        customer = customers[(index // 2) % len(customers)]
        _make(actor, customer, pipeline, row, products, today, index)
    return {"pipelines": Pipeline.objects.count(), "opportunities": Opportunity.objects.count()}
