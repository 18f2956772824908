"""Demo data of product defects: four faults of the demo products found in service — a
leaking filter connector that R&D is fixing, a display fault already fixed in a newer
firmware, a noisy pump waiting for confirmation, and a report rejected as misuse —
each linked to the demo tickets that ran into it. Called by the project's demo seed
inside the demo org's scope after the tickets; a second run adds nothing. Returns how
many defects were made."""

from guanxi.catalog.models import Product
from guanxi.service.defects import services
from guanxi.service.defects.models import Defect
from guanxi.service.tickets.models import Ticket

# (title, severity, found in, description, ticket subject words, path, fixed in, resolution)
DEFECTS = [
    ("净水器进水接口密封圈老化漏水", "major", "2025 年第 3 批次",
     "部分批次的进水接口密封圈使用半年左右变硬，接口处滴水。", ("漏水", "滤芯"),
     ["confirmed", "in_fix"], "", ""),
    ("控制面板开机显示 E3 故障代码", "critical", "固件 V2.1.0",
     "固件 V2.1.0 在电压波动时误报 E3（进水压力异常），设备停止制水。", ("E3",),
     ["confirmed", "fixed"], "固件 V2.1.3", "修正进水压力的判断阈值，已通过远程升级推送。"),
    ("增压泵夜间运行噪音偏大", "minor", "2025 年第 4 批次",
     "用户反映夜间制水时增压泵噪音约 55 分贝，高于说明书标称值。", ("预约安装",),
     [], "", ""),
    ("滤芯更换后出水有异味", "trivial", "",
     "更换滤芯后未按说明冲洗即使用，出水短时有异味。", ("异味", "更换滤芯"),
     ["rejected"], "", "非产品缺陷：新滤芯需冲洗 5 分钟后使用，已在知识库补充说明。"),
]  # fmt: skip


def _ticket_for(words):
    for word in words:
        found = Ticket.objects.filter(subject__contains=word).order_by("pk").first()
        if found is not None:
            return found
    return None


def seed(admin):
    if Defect.with_deleted.exists():
        return 0
    products = list(Product.objects.filter(active=True).order_by("pk")[:3])
    if not products:
        return 0
    made = 0
    for number, row in enumerate(DEFECTS):
        title, severity, found, description, words, path, fixed, resolution = row
        ticket = _ticket_for(words)
        product = products[number % len(products)]
        if ticket is not None:
            installed = ticket.installed_product
            product_id = ticket.product_id or (installed.product_id if installed else None)
            product = Product.objects.filter(pk=product_id).first() or product
        defect = services.defect_create(
            actor=admin,
            title=title,
            product=product.pk,
            ticket=ticket.pk if ticket is not None else None,
            description=description,
            severity=severity,
            found_version=found,
            owner=admin.pk,
        )
        for step in path:
            last = step == path[-1]
            defect = services.defect_transition(
                actor=admin,
                defect=defect,
                status=step,
                fixed_version=fixed if last and fixed else None,
                resolution=resolution if last and resolution else None,
            )
        made += 1
    return made
