#!/usr/bin/env python
"""Generate benchmark data: one big org plus many small ones, reproducibly.

    python bench/generate.py --seed 1 --employees 2000 --products 5000

Writes straight into the configured database with ``bulk_create`` inside one
transaction per org (only creating each org goes through ``org_create``, so
every org starts with its real roles, dictionaries and parameters). Names,
departments, mobiles and products are Chinese and drawn from a seeded RNG:
the same seed and sizes give the same data.

By default the data goes to its own data directory, ``var/bench/`` (SQLite),
never to the development database; set ``GUANXI_DATA_DIR`` or
``DATABASE_URL`` to aim elsewhere. Existing bench orgs (codes ``bench`` and
``bench-NNN``) are replaced.
"""

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIG_ORG = "bench"
SMALL_PREFIX = "bench-"
PASSWORD = "Bench@2026!"
MAIL_DOMAIN = "bench.example.com"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志红文玉兰辉鹏飞云波宇浩然子轩梓涵"
    "欣怡雨彤佳琪一诺思远晓东海燕立新永健春梅婷婷俊峰晨曦嘉怡家豪天翔雪梅建华凯丹亮斌琳"
)
REGIONS = {
    "华东大区": ["上海", "杭州", "南京", "苏州", "宁波", "合肥", "福州", "厦门", "济南", "青岛"],
    "华北大区": ["北京", "天津", "石家庄", "太原", "呼和浩特", "唐山"],
    "华南大区": ["广州", "深圳", "东莞", "佛山", "南宁", "海口"],
    "华中大区": ["武汉", "长沙", "郑州", "南昌", "宜昌"],
    "西南大区": ["成都", "重庆", "昆明", "贵阳", "绵阳"],
    "西北大区": ["西安", "兰州", "乌鲁木齐", "银川"],
    "东北大区": ["沈阳", "大连", "长春", "哈尔滨"],
}
TEAM_NUMBERS = "一二三四五六七八九十"
FUNCTIONS = {
    "总部": ["总经理办公室", "财务部", "人力资源部", "信息技术部"],
    "客户服务部": ["呼叫中心", "售后技术支持组", "客户关怀组"],
    "市场部": ["品牌推广组", "渠道合作组"],
}
TITLES = {
    "boss": "总经理",
    "sales_manager": "销售经理",
    "sales_rep": "销售代表",
    "service_agent": "客服专员",
    "marketing": "市场专员",
    "readonly": "财务专员",
}
SKILLS = ("installation", "repair", "consultation", "complaint", "billing")

CATEGORY_TREE = {
    "办公设备": ["打印机", "复印机", "投影仪", "碎纸机", "考勤机"],
    "电脑及配件": ["笔记本电脑", "台式电脑", "显示器", "键盘鼠标", "移动硬盘"],
    "网络设备": ["路由器", "交换机", "无线AP", "防火墙"],
    "办公耗材": ["硒鼓", "墨盒", "复印纸", "色带"],
    "软件": ["ERP软件", "财务软件", "办公软件", "安全软件"],
    "服务": ["安装调试", "年度维保", "上门维修", "数据迁移"],
    "培训": ["软件培训", "设备操作培训"],
}
BRANDS = [
    "惠普",
    "联想",
    "华为",
    "戴尔",
    "佳能",
    "爱普生",
    "兄弟",
    "得力",
    "齐心",
    "华三",
    "锐捷",
    "小米",
    "奔图",
    "理光",
    "用友",
    "金蝶",
    "明基",
    "奥睿科",
]
SERIES = ["商用", "旗舰", "经典", "高速", "智能", "专业", "入门", "节能", "静音", "便携"]
LINES = [
    ("办公设备", "打印复印投影等办公设备"),
    ("IT基础设施", "电脑、网络与安全设备"),
    ("软件与云服务", "企业软件许可与订阅"),
    ("服务与培训", "安装、维保、维修和培训"),
]
CATEGORY_LINE = {
    "办公设备": 0,
    "办公耗材": 0,
    "电脑及配件": 1,
    "网络设备": 1,
    "软件": 2,
    "服务": 3,
    "培训": 3,
}


def setup_django():
    if not os.environ.get("DATABASE_URL") and not os.environ.get("GUANXI_DATA_DIR"):
        os.environ["GUANXI_DATA_DIR"] = str(ROOT / "var" / "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.config.settings")
    import django

    django.setup()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Generate reproducible benchmark data.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--orgs", type=int, default=20, help="small orgs besides the big one")
    parser.add_argument("--departments", type=int, default=200, help="departments (big org)")
    parser.add_argument("--employees", type=int, default=2000, help="employees (big org)")
    parser.add_argument("--products", type=int, default=5000, help="products (big org)")
    parser.add_argument(
        "--small-size",
        type=int,
        default=10,
        help="departments, employees and products of each small org",
    )
    return parser.parse_args(argv)


class Timer:
    def __init__(self):
        self.rows = {}
        self.seconds = {}

    def add(self, name, rows, seconds):
        self.rows[name] = self.rows.get(name, 0) + rows
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


def timed(timer, name, func, *args):
    start = time.perf_counter()
    result = func(*args)
    timer.add(name, len(result), time.perf_counter() - start)
    return result


# ---- names ---------------------------------------------------------------------------------


def person_name(rng):
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given


def mobile(rng):
    return rng.choice(["138", "139", "136", "137", "150", "151", "158", "186", "188"]) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


# ---- departments ---------------------------------------------------------------------------


def department_plan(size):
    """(name, parent index or None for the root's children, function) breadth first."""
    plan = []

    def add(name, parent, function):
        if len(plan) < size:
            plan.append((name, parent, function))
            return len(plan) - 1
        return None

    tops = {}
    for top in ("总部", "销售中心", "客户服务部", "市场部"):
        tops[top] = add(
            top,
            None,
            {"销售中心": "sales", "客户服务部": "service", "市场部": "marketing"}.get(
                top, "office"
            ),
        )
    for top, children in FUNCTIONS.items():
        for child in children:
            kind = {"客户服务部": "service", "市场部": "marketing"}.get(top)
            kind = kind or (
                "finance" if child == "财务部" else "boss" if child == "总经理办公室" else "office"
            )
            add(child, tops[top], kind)
    regions = {name: add(name, tops["销售中心"], "sales") for name in REGIONS}
    offices = []
    for region, cities in REGIONS.items():
        for city in cities:
            index = add(f"{city}办事处", regions[region], "sales")
            if index is not None:
                offices.append((index, city))
    team = 0
    while len(plan) < size and offices:
        for index, city in offices:
            label = TEAM_NUMBERS[team % 10] + ("" if team < 10 else str(team // 10 + 1))
            add(f"{city}销售{label}组", index, "sales")
        team += 1
    return [item for item in plan if item is not None]


def create_departments(org, plan):
    from guanxi.orgs.models import Department

    root = Department.objects.get(parent=None)
    nodes = []
    by_depth = {}
    for index, (_name, parent, _kind) in enumerate(plan):
        depth = 1 if parent is None else by_depth[parent] + 1
        by_depth[index] = depth
    # one bulk insert per level, so each level knows its parents' ids and paths
    created = [None] * len(plan)
    for depth in sorted(set(by_depth.values())):
        level = [i for i in range(len(plan)) if by_depth[i] == depth]
        rows = []
        for i in level:
            name, parent, _kind = plan[i]
            parent_node = root if parent is None else created[parent]
            rows.append(
                Department(org=org, name=name, parent=parent_node, sort_order=i * 10, depth=depth)
            )
        rows = Department.objects.bulk_create(rows)
        for i, node in zip(level, rows, strict=True):
            parent_node = root if plan[i][1] is None else created[plan[i][1]]
            node.path = f"{parent_node.path}{node.pk}/"
            created[i] = node
        Department.objects.bulk_update(rows, ["path"])
        nodes.extend(rows)
    return nodes


# ---- employees -----------------------------------------------------------------------------


def role_by_key(org):
    from django.utils import translation

    from guanxi.orgs import defaults
    from guanxi.orgs.models import Role

    roles = {}
    for key, name, *_rest in defaults.ROLES:
        names = set()
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(str(name))
        roles[key] = Role.objects.filter(name__in=names).first()
    return roles


def create_employees(org, rng, departments, plan, count, password_hash, timer):
    from django.utils import timezone
    from pypinyin import lazy_pinyin

    from guanxi.accounts.models import User
    from guanxi.orgs.models import Employee

    roles = role_by_key(org)
    now = timezone.now()
    kinds = {node.pk: plan[i][2] for i, node in enumerate(departments)}
    # leaf teams and offices get most people; every department gets its head first
    weights = [1 + 4 * (node.depth >= 3) for node in departments]
    homes = list(departments[:count])
    homes += rng.choices(departments, weights=weights, k=max(0, count - len(homes)))

    people = []
    for index, department in enumerate(homes):
        name = person_name(rng)
        username = "".join(lazy_pinyin(name)) + str(index + 1)
        people.append((name, username, department))

    users = [
        User(
            org=org,
            username=username,
            kind=User.Kind.EMPLOYEE,
            password=password_hash,
            password_changed_at=now,
            date_joined=now,
        )
        for _name, username, _dept in people
    ]
    users = timed(timer, "users", User.objects.bulk_create, users)

    heads = {}
    employees = []
    for (name, username, department), user in zip(people, users, strict=True):
        kind = kinds[department.pk]
        is_head = department.pk not in heads
        role = {
            "boss": "boss" if is_head else "readonly",
            "finance": "readonly",
            "office": "readonly",
            "service": "service_agent",
            "marketing": "marketing",
            "sales": "sales_manager" if is_head else "sales_rep",
        }[kind]
        employee = Employee(
            org=org,
            user=user,
            name=name,
            department=department,
            title=TITLES[role],
            mobile=mobile(rng),
            email=f"{username}@{MAIL_DOMAIN}",
            skills=rng.sample(SKILLS, 2) if role == "service_agent" else [],
        )
        employee.role_key = role
        employees.append(employee)
        if is_head:
            heads[department.pk] = employee
    employees = timed(timer, "employees", Employee.objects.bulk_create, employees)

    # managers: the department's head, or for a head the head of the nearest parent
    by_pk = {node.pk: node for node in departments}
    for employee in employees:
        head = heads[employee.department_id]
        if head is not employee:
            employee.manager_id = head.pk
            continue
        parent_id = by_pk[employee.department_id].parent_id
        while parent_id in by_pk and parent_id not in heads:
            parent_id = by_pk[parent_id].parent_id
        if parent_id in heads:
            employee.manager_id = heads[parent_id].pk
    Employee.objects.bulk_update(employees, ["manager"], batch_size=2000)

    through = Employee.roles.through
    links = [through(employee_id=e.pk, role_id=roles[e.role_key].pk) for e in employees]
    timed(timer, "employee roles", through.objects.bulk_create, links)
    return employees


# ---- products ------------------------------------------------------------------------------


def create_products(org, rng, count, timer):
    from guanxi.catalog.mnemonic import mnemonic_of
    from guanxi.catalog.models import Product, ProductCategory, ProductLine
    from guanxi.orgs.models import NumberSequence

    lines = ProductLine.objects.bulk_create(
        ProductLine(org=org, name=name, description=text, sort_order=i * 10)
        for i, (name, text) in enumerate(LINES)
    )
    tops = ProductCategory.objects.bulk_create(
        ProductCategory(org=org, name=name, sort_order=i * 10, depth=0)
        for i, name in enumerate(CATEGORY_TREE)
    )
    for node in tops:
        node.path = f"/{node.pk}/"
    ProductCategory.objects.bulk_update(tops, ["path"])
    leaves = []
    for top in tops:
        children = ProductCategory.objects.bulk_create(
            ProductCategory(org=org, name=name, parent=top, sort_order=i * 10, depth=1)
            for i, name in enumerate(CATEGORY_TREE[top.name])
        )
        for node in children:
            node.path = f"{top.path}{node.pk}/"
            node.top = top
        ProductCategory.objects.bulk_update(children, ["path"])
        leaves.extend(children)

    mnemonics = {}
    products = []
    kinds = {
        "服务": Product.Kind.SERVICE,
        "培训": Product.Kind.TRAINING,
        "软件": Product.Kind.PURCHASED,
    }
    for index in range(count):
        leaf = rng.choice(leaves)
        brand = rng.choice(BRANDS)
        series = rng.choice(SERIES)
        model = f"{rng.choice('ABCDEFGHKLMPRSTX')}{rng.randint(100, 9999)}"
        stem = f"{brand}{series}{leaf.name}"
        if stem not in mnemonics:
            mnemonics[stem] = mnemonic_of(stem)
        price = Decimal(rng.randint(50, 50000)) + Decimal(rng.choice((0, 50))) / 100
        kind = kinds.get(leaf.top.name) or rng.choice(
            (
                Product.Kind.PURCHASED,
                Product.Kind.PURCHASED,
                Product.Kind.SELF_MADE,
                Product.Kind.CONSIGNMENT,
            )
        )
        products.append(
            Product(
                org=org,
                code=f"CP-{index + 1:05d}",
                name=f"{stem} {model}",
                mnemonic=(mnemonics[stem] + model)[:60],
                category=leaf,
                kind=kind,
                spec=rng.choice(["标准版", "增强版", "A4", "企业版", "1年", "3年", "单台", "套装"]),
                model=model,
                unit=(
                    "hour"
                    if kind in Product.INTANGIBLE_KINDS
                    else rng.choice(("pcs", "set", "unit"))
                ),
                list_price=price,
                cost_price=(price * Decimal(rng.randint(55, 85)) / 100).quantize(Decimal("0.01")),
                tax_rate=Decimal("6") if kind in Product.INTANGIBLE_KINDS else Decimal("13"),
                active=rng.random() > 0.08,
            )
        )
    products = timed(timer, "products", Product.objects.bulk_create, products, 2000)
    through = Product.product_lines.through
    line_of = {leaf.pk: lines[CATEGORY_LINE[leaf.top.name]].pk for leaf in leaves}
    links = [through(product_id=p.pk, productline_id=line_of[p.category_id]) for p in products]
    timed(timer, "product lines", through.objects.bulk_create, links, 5000)
    NumberSequence.objects.update_or_create(
        org=org, target="product", period="", defaults={"last_value": count}
    )
    return products


# ---- orgs ----------------------------------------------------------------------------------


def wipe_bench_database():
    """Empty the database for a fresh run; refuse if it holds anything but bench orgs."""
    from django.core.management import call_command
    from django.db.models import Q

    from guanxi.core.tenancy import all_orgs
    from guanxi.orgs.models import Organization

    with all_orgs():
        others = Organization.objects.exclude(Q(code=BIG_ORG) | Q(code__startswith=SMALL_PREFIX))
        if others.exists():
            sys.exit(
                "This database holds orgs that are not bench data "
                f"({', '.join(others.values_list('code', flat=True)[:5])}). Point GUANXI_DATA_DIR "
                "or DATABASE_URL at a database of its own for benchmarks."
            )
        count = Organization.objects.count()
    if count:
        call_command("flush", interactive=False, verbosity=0)
    return count


def build_org(code, name, rng, *, departments, employees, products, password_hash, timer):
    from django.db import transaction

    from guanxi.core.tenancy import all_orgs, org_scope
    from guanxi.orgs import services

    with transaction.atomic():
        with all_orgs():
            org, _admin = services.org_create(
                code=code,
                name=name,
                admin_username="admin",
                admin_password=PASSWORD,
                admin_name="管理员",
            )
        with org_scope(org):
            plan = department_plan(departments)
            nodes = timed(timer, "departments", create_departments, org, plan)
            people = create_employees(org, rng, nodes, plan, employees, password_hash, timer)
            made = []
            if products and catalog_available():
                made = create_products(org, rng, products, timer)
    return org, len(nodes), len(people), len(made)


def catalog_available():
    try:
        from guanxi.catalog.models import Product  # noqa: F401
    except ImportError:
        return False
    return True


COMPANY_WORDS = [
    "华信",
    "中科",
    "远航",
    "恒通",
    "金桥",
    "天成",
    "瑞丰",
    "博远",
    "新纪元",
    "东方",
    "海纳",
    "盛世",
    "鼎盛",
    "宏图",
    "安达",
    "创新",
    "汇智",
    "嘉禾",
    "腾飞",
    "卓越",
]
COMPANY_TAILS = [
    "科技有限公司",
    "贸易有限公司",
    "信息技术有限公司",
    "办公设备有限公司",
    "网络科技有限公司",
    "实业有限公司",
]


def main(argv=None):
    args = parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    rng = random.Random(args.seed)
    timer = Timer()
    started = time.perf_counter()
    dropped = wipe_bench_database()
    password_hash = make_password(PASSWORD)  # one hash for every generated login
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}")
    if dropped:
        print(f"replaced {dropped} existing bench orgs")

    org, d, e, p = build_org(
        BIG_ORG,
        "华信集团（基准测试）",
        rng,
        departments=args.departments,
        employees=args.employees,
        products=args.products,
        password_hash=password_hash,
        timer=timer,
    )
    print(f"{org.code}: {d} departments, {e} employees, {p} products")
    for n in range(1, args.orgs + 1):
        name = f"{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TAILS)}{n}"
        build_org(
            f"{SMALL_PREFIX}{n:03d}",
            name,
            rng,
            departments=args.small_size,
            employees=args.small_size,
            products=args.small_size,
            password_hash=password_hash,
            timer=timer,
        )
    print(f"{args.orgs} small orgs of {args.small_size} departments/employees/products")
    if not catalog_available():
        print("products skipped: the catalog app has no models yet")
    for name, rows in timer.rows.items():
        seconds = timer.seconds[name]
        print(f"  {name:<16} {rows:>9} rows  {rows / seconds if seconds else 0:>10,.0f} rows/s")
    print(
        f"done in {time.perf_counter() - started:.1f} s at {datetime.datetime.now():%H:%M:%S};"
        f" every login's password is {PASSWORD}"
    )


if __name__ == "__main__":
    main()
