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
import importlib
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
    parser.add_argument("--orgs", type=int, default=100, help="small orgs besides the big one")
    parser.add_argument("--departments", type=int, default=200, help="departments (big org)")
    parser.add_argument("--employees", type=int, default=2000, help="employees (big org)")
    parser.add_argument("--products", type=int, default=5000, help="products (big org)")
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers (big org)")
    parser.add_argument("--contacts", type=int, default=3_000_000, help="contacts (big org)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply --customers and --contacts (0.1: a tenth of the reference size)",
    )
    parser.add_argument(
        "--tickets",
        type=int,
        default=300_000,
        help="service tickets (big org), over the last two years; multiplied by --scale",
    )
    parser.add_argument("--small-tickets", type=int, default=50, help="tickets of each small org")
    parser.add_argument(
        "--small-customers",
        type=int,
        default=200,
        help="customers of each small org (three contacts each on average)",
    )
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


# ---- customers and contacts ------------------------------------------------------------------

CITY_PROVINCE = {
    "上海": "上海市",
    "杭州": "浙江省",
    "南京": "江苏省",
    "苏州": "江苏省",
    "宁波": "浙江省",
    "合肥": "安徽省",
    "福州": "福建省",
    "厦门": "福建省",
    "济南": "山东省",
    "青岛": "山东省",
    "北京": "北京市",
    "天津": "天津市",
    "石家庄": "河北省",
    "太原": "山西省",
    "呼和浩特": "内蒙古自治区",
    "唐山": "河北省",
    "广州": "广东省",
    "深圳": "广东省",
    "东莞": "广东省",
    "佛山": "广东省",
    "南宁": "广西壮族自治区",
    "海口": "海南省",
    "武汉": "湖北省",
    "长沙": "湖南省",
    "郑州": "河南省",
    "南昌": "江西省",
    "宜昌": "湖北省",
    "成都": "四川省",
    "重庆": "重庆市",
    "昆明": "云南省",
    "贵阳": "贵州省",
    "绵阳": "四川省",
    "西安": "陕西省",
    "兰州": "甘肃省",
    "乌鲁木齐": "新疆维吾尔自治区",
    "银川": "宁夏回族自治区",
    "沈阳": "辽宁省",
    "大连": "辽宁省",
    "长春": "吉林省",
    "哈尔滨": "黑龙江省",
}
AREA_CODES = {
    "上海": "021", "杭州": "0571", "南京": "025", "苏州": "0512", "宁波": "0574", "合肥": "0551",
    "福州": "0591", "厦门": "0592", "济南": "0531", "青岛": "0532", "北京": "010", "天津": "022",
    "石家庄": "0311", "太原": "0351", "呼和浩特": "0471", "唐山": "0315", "广州": "020",
    "深圳": "0755", "东莞": "0769", "佛山": "0757", "南宁": "0771", "海口": "0898", "武汉": "027",
    "长沙": "0731", "郑州": "0371", "南昌": "0791", "宜昌": "0717", "成都": "028", "重庆": "023",
    "昆明": "0871", "贵阳": "0851", "绵阳": "0816", "西安": "029", "兰州": "0931",
    "乌鲁木齐": "0991", "银川": "0951", "沈阳": "024", "大连": "0411", "长春": "0431",
    "哈尔滨": "0451",
}  # fmt: skip
BRAND_WORDS = (
    "华信中科远航恒通金桥天成瑞丰博远东方海纳盛世鼎盛宏图安达创新汇智嘉禾腾飞卓越"
    "华为联创新锐星辰蓝海天马金鹏鸿运泰和永安长城宝利信诚中天正大百川云海光明同方"
    "维康恒瑞德润万通圣达佳禾明月凯旋亚泰中信银河启明锦程九州通达晨光新元和信富邦"
)
INDUSTRY_WORDS = [
    "科技", "网络科技", "信息技术", "电子", "贸易", "商贸", "实业", "机械", "电气", "建设",
    "工程", "医疗器械", "生物科技", "新材料", "物流", "餐饮管理", "文化传媒", "教育科技",
    "环保科技", "食品", "服装", "家居", "汽车销售", "能源", "印刷",
]  # fmt: skip
COMPANY_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
CONTACT_TITLES = ["总经理", "采购经理", "财务经理", "行政主管", "技术总监", "采购专员", "董事长"]
CONTACT_DEPARTMENTS = ["采购部", "财务部", "行政部", "技术部", "总经办", "信息部"]
# the codes of the default customer level dictionary every org starts with (a quarter
# "key", the level the list benchmark filters on)
LEVELS = ["key", "normal", "normal", "minor"]
STAGES = ["target", "potential", "opportunity", "new", "repeat", "dormant", "lost"]
STAGE_WEIGHTS = [20, 25, 10, 15, 20, 6, 4]


def _brand(rng):
    i = rng.randrange(0, len(BRAND_WORDS), 2)
    return BRAND_WORDS[i : i + 2]


def company_name(rng, city):
    brand = _brand(rng) + (_brand(rng) if rng.random() < 0.3 else "")
    return f"{city}{brand}{rng.choice(INDUSTRY_WORDS)}{rng.choice(COMPANY_FORMS)}"


class RawTable:
    """Rows of one model written with raw SQL: executemany on SQLite, COPY on PostgreSQL.

    Columns not given take the model field's default, computed once."""

    def __init__(self, model, given):
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.model = model
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.given = given
        self.defaults = {}
        for f in self.fields:
            if f.attname in given:
                continue
            value = f.get_default()
            self.defaults[f.attname] = self._prepare(f, value)
        self.rows = []
        # values the driver cannot take as they are (memoised: they repeat)
        kinds = ("DateTimeField", "DateField", "JSONField", "DecimalField")
        self.convert = {
            f.attname
            for f in self.fields
            if f.get_internal_type() in kinds
            and (self.vendor == "sqlite" or f.get_internal_type() == "JSONField")
        }
        self.memo = {}

    def _prepare(self, field, value):
        import json

        if value is None:
            return None
        if field.get_internal_type() == "JSONField":
            return json.dumps(value, ensure_ascii=False)
        if self.vendor == "sqlite":
            return field.get_db_prep_save(value, self.connection)
        return value

    def add(self, **values):
        row = []
        for f in self.fields:
            name = f.attname
            if name in values:
                value = values[name]
                if name in self.convert and value is not None:
                    key = (name, value if not isinstance(value, dict | list) else repr(value))
                    converted = self.memo.get(key)
                    if converted is None:
                        converted = self.memo[key] = self._prepare(f, value)
                    value = converted
                row.append(value)
            else:
                row.append(self.defaults[name])
        self.rows.append(row)

    def flush(self):
        if not self.rows:
            return 0
        count = len(self.rows)
        columns = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        raw = self.connection.connection
        if self.vendor == "postgresql":
            sql = f"COPY {self.table} ({columns}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in self.columns)
            raw.executemany(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", self.rows)
        self.rows = []
        return count


def _next_id(model):
    from django.db.models import Max

    from guanxi.core.tenancy import all_orgs

    with all_orgs():
        top = model._base_manager.aggregate(top=Max("id"))["top"] or 0
    return top + 1


def _reset_sequences(models):
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def add_search_entry(entries, entry_id, org, doc, when):
    """The search index row of ``doc`` (built by the same code the services use)."""
    from guanxi.search import tokens as tk

    text, tokens = tk.document_tokens(doc, org.pk)
    entries.add(
        id=entry_id, org_id=org.pk, created_at=when, updated_at=when, kind=doc.kind,
        object_id=doc.object_id, module=doc.module, owner_id=doc.owner_id,
        department_id=doc.department_id, title=doc.title, subtitle=doc.subtitle,
        url_name=doc.url_name, url_arg=doc.url_arg, text=text, tokens=tokens,
    )  # fmt: skip


def create_customers(org, rng, employees, customer_count, contact_count, timer, chunk=20000):
    """``customer_count`` customers owned by the org's sales staff (department = the
    owner's), about ``contact_count`` contacts spread over them (1 to 5 each), and
    their search index entries, all by raw bulk SQL."""
    from types import SimpleNamespace

    from django.utils import timezone
    from pypinyin import lazy_pinyin

    from guanxi.customers import indexing
    from guanxi.customers.models import Contact, Customer
    from guanxi.customers.services import name_key
    from guanxi.orgs.models import NumberSequence
    from guanxi.orgs.numbering import pattern_for, period_of
    from guanxi.search import tokens as tk
    from guanxi.search.models import SearchEntry

    if not customer_count:
        return 0, 0
    sellers = [e for e in employees if getattr(e, "role_key", "") in ("sales_rep", "sales_manager")]
    sellers = sellers or list(employees)
    cities = list(CITY_PROVINCE)
    now = timezone.now()
    today = timezone.localdate()
    year = today.year
    customers = RawTable(Customer, {})
    contacts = RawTable(Contact, {})
    entries = RawTable(SearchEntry, {})
    customer_id, contact_id, entry_id = _next_id(Customer), _next_id(Contact), _next_id(SearchEntry)
    per_customer = contact_count / customer_count
    made_contacts = 0
    pinyin_of = {}

    def email_of(name, n):
        key = pinyin_of.get(name)
        if key is None:
            key = pinyin_of[name] = "".join(lazy_pinyin(name))
        return f"{key}{n}@{rng.choice(('163.com', 'qq.com', 'company.cn', '126.com'))}"

    def add_entry(doc):
        nonlocal entry_id
        add_search_entry(entries, entry_id, org, doc, now)
        entry_id += 1

    def flush():
        started = time.perf_counter()
        n = customers.flush()
        timer.add("customers", n, time.perf_counter() - started)
        started = time.perf_counter()
        n = contacts.flush()
        timer.add("contacts", n, time.perf_counter() - started)
        started = time.perf_counter()
        n = entries.flush()
        timer.add("search entries", n, time.perf_counter() - started)

    build_started = time.perf_counter()
    for index in range(customer_count):
        owner = rng.choice(sellers)
        city = rng.choice(cities)
        is_person = rng.random() < 0.05
        name = person_name(rng) if is_person else company_name(rng, city)
        code = f"KH-{year}-{index + 1:07d}"
        phone = f"{AREA_CODES[city]}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"
        values = {
            "id": customer_id, "org_id": org.pk, "created_at": now, "updated_at": now,
            "version": 1, "code": code, "name": name, "is_person": is_person,
            "phone": phone, "region": f"{CITY_PROVINCE[city]} {city}",
            "address": f"{city}市{rng.choice('东西南北中')}区{rng.randint(1, 999)}号",
            "level": rng.choice(LEVELS), "owner_id": owner.pk,
            "department_id": owner.department_id, "registered_on": today,
            "lifecycle_stage": rng.choices(STAGES, STAGE_WEIGHTS)[0],
            "mnemonic": "", "search_keys": "", "phone_digits": tk.digits(phone),
            "name_key": name_key(name),
        }  # fmt: skip
        values = {k: v for k, v in values.items() if k in customers.columns or k == "id"}
        customers.add(**values)
        record = SimpleNamespace(
            pk=customer_id, name=name, code=code, mnemonic="", is_person=is_person, type="",
            email="", phone=phone, finance_phone="", owner_id=owner.pk,
            department_id=owner.department_id,
        )  # fmt: skip
        add_entry(indexing.customer_document(record))
        for n in range(max(0, round(per_customer * rng.choice((1, 2, 3, 3, 4, 5)) / 3))):
            person = person_name(rng)
            mobile_no = mobile(rng)
            email = email_of(person, rng.randint(1, 999)) if rng.random() < 0.6 else ""
            office = f"{AREA_CODES[city]}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"
            office = office if rng.random() < 0.3 else ""
            contacts.add(
                id=contact_id, org_id=org.pk, created_at=now, updated_at=now, version=1,
                customer_id=customer_id, name=person, mobile=mobile_no, email=email,
                office_phone=office, title=rng.choice(CONTACT_TITLES),
                department_name=rng.choice(CONTACT_DEPARTMENTS), owner_id=owner.pk,
                owner_department_id=owner.department_id, is_primary=n == 0,
                phone_digits=" ".join(tk.digits(p) for p in (mobile_no, office) if p),
            )  # fmt: skip
            contact = SimpleNamespace(
                pk=contact_id, name=person, mnemonic="", email=email, mobile=mobile_no,
                office_phone=office, home_phone="", owner_id=owner.pk,
                owner_department_id=owner.department_id, customer_id=customer_id,
            )  # fmt: skip
            add_entry(indexing.contact_document(contact, name))
            contact_id += 1
            made_contacts += 1
        customer_id += 1
        if len(customers.rows) >= chunk:
            flush()
            if customer_count >= 10 * chunk:
                rate = (index + 1) / (time.perf_counter() - build_started)
                print(f"  {org.code}: {index + 1:,} customers ({rate:,.0f}/s)", flush=True)
    flush()
    period = period_of(pattern_for(org.pk, "customer"), today)
    NumberSequence.objects.update_or_create(
        org=org, target="customer", period=period, defaults={"last_value": customer_count}
    )
    return customer_count, made_contacts


# ---- service tickets -----------------------------------------------------------------------

TICKET_SUBJECTS = {
    "consultation": [
        "{p}如何设置网络打印",
        "咨询{p}的保修期限",
        "{p}驱动程序下载",
        "{p}操作培训安排",
    ],
    "complaint": ["{p}维修后仍有故障", "上门服务迟到", "{p}配件发错型号", "客服电话长时间无人接听"],
    "repair": ["{p}无法开机", "{p}卡纸频繁", "{p}屏幕出现花屏", "{p}运行时异响"],
    "installation": ["{p}上门安装预约", "{p}安装调试", "新购{p}需要部署", "{p}搬迁后重新安装"],
    "return": ["{p}七天无理由退货", "{p}到货破损要求退换", "{p}型号不符申请退货"],
}
TICKET_CATEGORIES = list(TICKET_SUBJECTS)
CATEGORY_WEIGHTS = [30, 10, 35, 15, 10]
CHANNELS = ["phone", "email", "web", "walk_in"]
CHANNEL_WEIGHTS = [50, 25, 20, 5]
PRIORITIES = ["urgent", "high", "normal", "low"]
PRIORITY_WEIGHTS = [3, 17, 65, 15]
# most of two years' tickets are long closed; the open backlog is recent and about
# OPEN_PER_AGENT tickets an agent (at most OPEN_SHARE of all), half as many resolved
OPEN_TICKET_STATUSES = ("new", "assigned", "in_progress", "waiting")
OPEN_STATUS_WEIGHTS = [2, 2, 3, 2]
OPEN_PER_AGENT = 30
OPEN_SHARE = 0.09
RESPONSE_HOURS = {"urgent": 1, "high": 4, "normal": 24, "low": 48}
RESOLUTION_HOURS = {"urgent": 8, "high": 24, "normal": 72, "low": 120}


def create_tickets(org, rng, employees, products, count, timer, chunk=20000):
    """``count`` service tickets of the org's customers over the last two years, handled by
    its service agents (team = the agent's department), with the SLA clocks of the open
    ones and their search index entries, all by raw bulk SQL. Open tickets are the last
    weeks' (a desk works its backlog down); a few of them are past their due times."""
    from types import SimpleNamespace

    from django.db import connection
    from django.utils import timezone

    from guanxi.orgs.models import NumberSequence
    from guanxi.orgs.numbering import pattern_for, period_of
    from guanxi.search.models import SearchEntry
    from guanxi.service.routing.models import TicketClock
    from guanxi.service.tickets import indexing
    from guanxi.service.tickets.models import Ticket

    if not count:
        return 0
    agents = [e for e in employees if getattr(e, "role_key", "") == "service_agent"]
    agents = agents or list(employees)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name FROM customers_customer WHERE org_id = %s ORDER BY id", [org.pk]
        )
        customers = cursor.fetchall()
        cursor.execute(
            "SELECT customer_id, MIN(id) FROM customers_contact WHERE org_id = %s "
            "GROUP BY customer_id",
            [org.pk],
        )
        first_contact = dict(cursor.fetchall())
    if not customers:
        return 0
    product_ids = [p.pk for p in products] or [None]
    product_names = {p.pk: p.name for p in products}
    now = timezone.now()
    today = timezone.localdate()
    tickets = RawTable(Ticket, {})
    clocks = RawTable(TicketClock, {})
    entries = RawTable(SearchEntry, {})
    ticket_id, clock_id, entry_id = _next_id(Ticket), _next_id(TicketClock), _next_id(SearchEntry)
    per_day = {}
    # oldest first, so ids and codes rise with time as they would in use
    ages = sorted((rng.random() * 730 for _ in range(count)), reverse=True)

    def flush():
        for name, table in (("tickets", tickets), ("ticket clocks", clocks)):
            started = time.perf_counter()
            n = table.flush()
            timer.add(name, n, time.perf_counter() - started)
        started = time.perf_counter()
        n = entries.flush()
        timer.add("search entries", n, time.perf_counter() - started)

    open_share = min(OPEN_SHARE, OPEN_PER_AGENT * len(agents) / count)
    for age in ages:
        draw = rng.random()
        if draw < open_share:
            status = rng.choices(OPEN_TICKET_STATUSES, OPEN_STATUS_WEIGHTS)[0]
        else:
            status = "resolved" if draw < 1.5 * open_share else "closed"
        if status in OPEN_TICKET_STATUSES or status == "resolved":
            age = min(age, rng.random() * 21)  # the backlog is recent
        created = now - datetime.timedelta(days=age)
        day = timezone.localtime(created).date()
        seq = per_day[day] = per_day.get(day, 0) + 1
        code = f"GD-{day:%Y%m%d}-{seq:04d}"
        category = rng.choices(TICKET_CATEGORIES, CATEGORY_WEIGHTS)[0]
        priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        product_id = rng.choice(product_ids)
        product = product_names.get(product_id, "设备")
        subject = rng.choice(TICKET_SUBJECTS[category]).format(p=product)
        customer_id, customer_name = rng.choice(customers)
        agent = None if status == "new" else rng.choice(agents)
        taker = rng.choice(agents)
        responded = None
        if status != "new":
            responded = created + datetime.timedelta(minutes=rng.randint(3, 60 * 30))
            responded = min(responded, now)
        resolved = closed = None
        if status in ("resolved", "closed"):
            resolved = created + datetime.timedelta(hours=rng.uniform(0.5, 24 * 6))
            resolved = min(max(resolved, responded), now)
        if status == "closed":
            closed = min(resolved + datetime.timedelta(hours=rng.uniform(1, 72)), now)
        team_id = agent.department_id if agent else None
        tickets.add(
            id=ticket_id, org_id=org.pk, created_at=created, updated_at=closed or created,
            version=1, code=code, subject=subject, description=f"客户反映：{subject}。",
            customer_id=customer_id, contact_id=first_contact.get(customer_id),
            channel=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0], category=category,
            priority=priority, status=status, product_id=product_id,
            assignee_id=agent.pk if agent else None, team_id=team_id,
            assignment_reason="", assigned_at=responded, created_by_id=taker.pk,
            first_response_at=responded, resolved_at=resolved, closed_at=closed,
            reopen_count=0, resolution="已处理完毕，客户确认。" if closed else "",
            deleted_at=None,
        )  # fmt: skip
        if status in OPEN_TICKET_STATUSES:
            response_due = created + datetime.timedelta(hours=RESPONSE_HOURS[priority])
            resolution_due = created + datetime.timedelta(hours=RESOLUTION_HOURS[priority])
            clocks.add(
                id=clock_id, org_id=org.pk, created_at=created, updated_at=created,
                ticket_id=ticket_id, policy_id=None, label="", business_hours=False,
                first_response_minutes=RESPONSE_HOURS[priority] * 60,
                resolution_minutes=RESOLUTION_HOURS[priority] * 60, started_at=created,
                first_response_due_at=response_due,
                first_response_warn_at=response_due - datetime.timedelta(minutes=30),
                first_response_at=responded, resolution_due_at=resolution_due,
                resolution_warn_at=resolution_due - datetime.timedelta(hours=2),
                paused_at=created if status == "waiting" else None,
                first_response_breached_at=(
                    response_due if response_due < (responded or now) else None
                ),
                resolution_breached_at=resolution_due if resolution_due < now else None,
            )  # fmt: skip
            clock_id += 1
        record = SimpleNamespace(
            pk=ticket_id, code=code, subject=subject, assignee_id=agent.pk if agent else None,
            team_id=team_id,
        )  # fmt: skip
        add_search_entry(
            entries, entry_id, org, indexing.ticket_document(record, customer_name), created
        )
        entry_id += 1
        ticket_id += 1
        if len(tickets.rows) >= chunk:
            flush()
    flush()
    period = period_of(pattern_for(org.pk, "ticket"), today)
    NumberSequence.objects.update_or_create(
        org=org, target="ticket", period=period, defaults={"last_value": per_day.get(today, 0)}
    )
    return count


def prepare_search_index():
    """Before a big load on PostgreSQL: drop the GIN index (rebuilt once afterwards)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS search_entry_tokens")


def finish_search_index(timer):
    from django.db import connection

    from guanxi.customers.models import Contact, Customer
    from guanxi.search.models import SearchEntry

    _fulltext = importlib.import_module("guanxi.search.migrations.0002_fulltext")
    from guanxi.service.routing.models import TicketClock
    from guanxi.service.tickets.models import Ticket

    _reset_sequences([Customer, Contact, SearchEntry, Ticket, TicketClock])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for sql in _fulltext.POSTGRES_UP:
                cursor.execute(sql)
            cursor.execute("ANALYZE")
        else:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    timer.add("full-text index build", 1, time.perf_counter() - started)


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


def build_org(
    code,
    name,
    rng,
    *,
    departments,
    employees,
    products,
    password_hash,
    timer,
    customers=0,
    contacts=0,
    tickets=0,
):
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
            create_customers(org, rng, people, customers, contacts, timer)
            create_tickets(org, rng, people, made, tickets, timer)
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
    prepare_search_index()
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
        customers=round(args.customers * args.scale),
        contacts=round(args.contacts * args.scale),
        tickets=round(args.tickets * args.scale),
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
            customers=args.small_customers,
            contacts=args.small_customers * 3,
            tickets=args.small_tickets,
        )
    finish_search_index(timer)
    print(f"{args.orgs} small orgs of {args.small_size} departments/employees/products")
    if not catalog_available():
        print("products skipped: the catalog app has no models yet")
    for name, rows in timer.rows.items():
        seconds = timer.seconds[name]
        rate = rows / seconds if seconds else 0
        print(f"  {name:<21} {rows:>9} rows {seconds:>8.1f} s {rate:>10,.0f} rows/s")
    print(
        f"done in {time.perf_counter() - started:.1f} s at {datetime.datetime.now():%H:%M:%S};"
        f" every login's password is {PASSWORD}"
    )


if __name__ == "__main__":
    main()
