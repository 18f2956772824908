"""Demo catalogue: a small office-equipment, software and services company.

``seed(actor)`` writes through the services (numbering, mnemonics, audit),
so the demo looks like data typed in by the admin. Running it again adds
only what is missing.
"""

from decimal import Decimal

from guanxi.catalog import services
from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.core.tenancy import org_scope
from guanxi.orgs import policy
from guanxi.orgs import services as org_services
from guanxi.orgs.models import DictionaryEntry

K = Product.Kind

# unit code -> (中文, English) added to the org's unit dictionary when missing
EXTRA_UNITS = {"times": ("次", "time"), "person_day": ("人天", "person-day")}

LINES = [
    ("办公设备", "打印、复印、投影等办公设备及耗材"),
    ("企业软件", "ERP、CRM 与办公软件的许可和云服务"),
    ("服务与培训", "安装调试、维保和培训等无形产品"),
]

# (path of names, code)
CATEGORIES = [
    (("办公设备",), "BGSB"),
    (("办公设备", "打印机"), "DYJ"),
    (("办公设备", "复印机"), "FYJ"),
    (("办公设备", "投影仪"), "TYY"),
    (("办公设备", "耗材"), "HC"),
    (("软件",), "RJ"),
    (("软件", "ERP"), "ERP"),
    (("软件", "办公软件"), "BGRJ"),
    (("服务",), "FW"),
    (("服务", "安装调试"), "AZTS"),
    (("服务", "年度维保"), "NDWB"),
    (("培训",), "PX"),
]

# (category path, name, kind, spec, model, unit, list price, cost, tax %, lines, active)
PRODUCTS = [
    (
        ("办公设备", "打印机"),
        "惠普 LaserJet Pro 黑白激光打印机",
        K.PURCHASED,
        "A4 双面 38页/分钟 有线网络",
        "M404dn",
        "unit",
        "2899",
        "2150",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "打印机"),
        "惠普 Color LaserJet Pro 彩色激光打印机",
        K.PURCHASED,
        "A4 彩色 无线 27页/分钟",
        "M454dw",
        "unit",
        "4599",
        "3480",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "打印机"),
        "兄弟黑白激光打印机",
        K.PURCHASED,
        "A4 双面 40页/分钟",
        "HL-L5100DN",
        "unit",
        "3199",
        "2380",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "打印机"),
        "爱普生墨仓式彩色喷墨一体机",
        K.PURCHASED,
        "打印/复印/扫描 无线",
        "L3258",
        "unit",
        "1299",
        "960",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "打印机"),
        "得力热敏标签打印机",
        K.PURCHASED,
        "标签宽 20–80mm USB",
        "DL-888T",
        "unit",
        "599",
        "380",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "打印机"),
        "惠普 LaserJet 小型激光打印机（停产）",
        K.PURCHASED,
        "A4 14页/分钟 USB",
        "1020 Plus",
        "unit",
        "1099",
        "820",
        "13",
        ["办公设备"],
        False,
    ),
    (
        ("办公设备", "复印机"),
        "理光彩色数码复合机",
        K.PURCHASED,
        "A3 彩色 30页/分钟 双面输稿器",
        "IM C3000",
        "unit",
        "36800",
        "29500",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "复印机"),
        "佳能黑白数码复合机",
        K.PURCHASED,
        "A3 黑白 25页/分钟",
        "iR-ADV DX 4825",
        "unit",
        "28900",
        "23100",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "复印机"),
        "柯尼卡美能达黑白复合机",
        K.CONSIGNMENT,
        "A3 黑白 36页/分钟",
        "bizhub 367",
        "unit",
        "21500",
        "17200",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "投影仪"),
        "爱普生高清商务投影仪",
        K.PURCHASED,
        "1920×1080 4000流明",
        "CB-FH52",
        "unit",
        "5699",
        "4300",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "投影仪"),
        "明基会议投影仪",
        K.PURCHASED,
        "1024×768 3500流明",
        "MX560",
        "unit",
        "3299",
        "2480",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "投影仪"),
        "关系智能会议终端",
        K.SELF_MADE,
        "65英寸 触控 内置摄像头与麦克风阵列",
        "GX-M1",
        "set",
        "15800",
        "8600",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "耗材"),
        "惠普原装黑色硒鼓",
        K.PURCHASED,
        "约 3000 页",
        "CF259A",
        "pcs",
        "759",
        "520",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("办公设备", "耗材"),
        "复印纸 A4 70g",
        K.PURCHASED,
        "500张/包 5包/箱",
        "",
        "box",
        "135",
        "98",
        "13",
        ["办公设备"],
        True,
    ),
    (
        ("软件", "ERP"),
        "关系云 ERP 标准版",
        K.SELF_MADE,
        "10 用户 财务+进销存",
        "V5",
        "set",
        "29800",
        "6000",
        "13",
        ["企业软件"],
        True,
    ),
    (
        ("软件", "ERP"),
        "关系云 ERP 专业版",
        K.SELF_MADE,
        "30 用户 财务+供应链+生产",
        "V5",
        "set",
        "68000",
        "12000",
        "13",
        ["企业软件"],
        True,
    ),
    (
        ("软件", "ERP"),
        "关系云 ERP 增加用户许可",
        K.SELF_MADE,
        "1 用户 永久许可",
        "V5",
        "pcs",
        "1800",
        "200",
        "13",
        ["企业软件"],
        True,
    ),
    (
        ("软件", "ERP"),
        "金蝶 KIS 专业版",
        K.CONSIGNMENT,
        "5 用户 财务+业务",
        "V15",
        "set",
        "9800",
        "7350",
        "13",
        ["企业软件"],
        True,
    ),
    (
        ("软件", "ERP"),
        "畅捷通 T+ 标准版",
        K.CONSIGNMENT,
        "5 用户",
        "T+Cloud",
        "set",
        "12800",
        "9600",
        "13",
        ["企业软件"],
        True,
    ),
    (
        ("软件", "办公软件"),
        "WPS Office 专业版年度授权",
        K.PURCHASED,
        "1 用户 1 年",
        "",
        "set",
        "489",
        "360",
        "13",
        ["企业软件"],
        True,
    ),
    (
        ("软件", "办公软件"),
        "关系 CRM 云服务",
        K.SERVICE,
        "按用户按年订阅",
        "SaaS",
        "year",
        "1200",
        "300",
        "6",
        ["企业软件", "服务与培训"],
        True,
    ),
    (
        ("服务", "安装调试"),
        "打印机上门安装调试",
        K.SERVICE,
        "市区上门 含驱动安装与网络共享",
        "",
        "times",
        "200",
        "80",
        "6",
        ["服务与培训"],
        True,
    ),
    (
        ("服务", "安装调试"),
        "复合机安装与网络配置",
        K.SERVICE,
        "含扫描到邮箱/共享文件夹设置",
        "",
        "times",
        "600",
        "240",
        "6",
        ["服务与培训"],
        True,
    ),
    (
        ("服务", "安装调试"),
        "ERP 实施服务",
        K.SERVICE,
        "需求调研、初始化、上线辅导",
        "",
        "person_day",
        "2000",
        "900",
        "6",
        ["企业软件", "服务与培训"],
        True,
    ),
    (
        ("服务", "年度维保"),
        "办公设备年度维保（单台）",
        K.SERVICE,
        "4 小时响应 不含耗材",
        "",
        "year",
        "800",
        "350",
        "6",
        ["办公设备", "服务与培训"],
        True,
    ),
    (
        ("服务", "年度维保"),
        "复合机全保服务",
        K.SERVICE,
        "含碳粉、配件和上门维修",
        "",
        "year",
        "6800",
        "4500",
        "6",
        ["办公设备", "服务与培训"],
        True,
    ),
    (
        ("服务", "年度维保"),
        "ERP 年度运维服务",
        K.SERVICE,
        "远程支持 版本升级 数据备份检查",
        "",
        "year",
        "5980",
        "1800",
        "6",
        ["企业软件", "服务与培训"],
        True,
    ),
    (
        ("培训",),
        "ERP 操作员培训",
        K.TRAINING,
        "1 天 不超过 15 人",
        "",
        "person_day",
        "1500",
        "500",
        "6",
        ["服务与培训"],
        True,
    ),
    (
        ("培训",),
        "财务业务一体化培训",
        K.TRAINING,
        "1 天 面向财务主管",
        "",
        "person_day",
        "2800",
        "900",
        "6",
        ["服务与培训"],
        True,
    ),
    (
        ("培训",),
        "办公设备使用与保养培训",
        K.TRAINING,
        "现场讲解与实操",
        "",
        "hour",
        "300",
        "100",
        "6",
        ["服务与培训"],
        True,
    ),
    (
        ("培训",),
        "关系 CRM 管理员培训",
        K.TRAINING,
        "1 天 权限、字典、编号规则与数据导入",
        "",
        "person_day",
        "2500",
        "800",
        "6",
        ["服务与培训"],
        True,
    ),
]


def _units(actor):
    existing = set(DictionaryEntry.objects.filter(kind="unit").values_list("code", flat=True))
    for code, (zh, en) in EXTRA_UNITS.items():
        if code not in existing and policy.can(actor, "dictionaries.create"):
            org_services.dictionary_entry_create(
                actor=actor, kind="unit", code=code, label=zh, label_en=en
            )
            existing.add(code)
    return existing


def _categories(actor):
    nodes = {}
    for path, code in CATEGORIES:
        parent = nodes.get(path[:-1])
        node = ProductCategory.objects.filter(parent=parent, name=path[-1]).first()
        if node is None:
            node = services.category_create(
                actor=actor,
                name=path[-1],
                parent=parent,
                code=code if not ProductCategory.objects.filter(code=code).exists() else "",
                sort_order=len(nodes) * 10,
            )
        nodes[path] = node
    return nodes


def _lines(actor):
    lines = {}
    for name, description in LINES:
        line = ProductLine.objects.filter(name=name).first()
        lines[name] = line or services.product_line_create(
            actor=actor, name=name, description=description
        )
    return lines


def seed(actor):
    """Create the demo catalogue in ``actor``'s org; returns counts of what was added."""
    with org_scope(actor.org_id):
        units = _units(actor)
        categories = _categories(actor)
        lines = _lines(actor)
        existing = set(Product.objects.values_list("name", flat=True))
        with_cost = policy.can(actor, "special.view_cost")
        added = 0
        for path, name, kind, spec, model, unit, price, cost, tax, line_names, active in PRODUCTS:
            if name in existing:
                continue
            extra = {"cost_price": Decimal(cost)} if with_cost else {}
            services.product_create(
                actor=actor,
                name=name,
                category=categories[path],
                kind=kind,
                spec=spec,
                model=model,
                unit=unit if unit in units else "",
                list_price=Decimal(price),
                tax_rate=Decimal(tax),
                active=active,
                product_lines=[lines[n] for n in line_names],
                **extra,
            )
            added += 1
        return {"categories": len(categories), "product_lines": len(lines), "products": added}
