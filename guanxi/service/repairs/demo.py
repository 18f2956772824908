"""Demo data of repairs: a standard fee list with two part prices, the outlets
深圳服务中心 (covering 广东省) and 上海服务站 (covering 上海市), repairs of customers in
those regions at different stages (received, diagnosing, waiting for parts, done,
returned, one free under warranty), and a packing list of a repair's parts. Called by
the project's demo seed inside the demo org's scope after the customers and products;
a second run adds nothing. Returns how many repairs were made."""

from guanxi.catalog.models import Product
from guanxi.customers.models import Customer
from guanxi.orgs.models import Employee
from guanxi.service.repairs import services
from guanxi.service.repairs.models import FeeList, Repair, ServiceOutlet

TECHNICIAN = "maxiaodong"
MANAGER = "hejing"


def _employee(username, fallback):
    found = (
        Employee.objects.filter(user__username=username, status=Employee.Status.ACTIVE)
        .select_related("department")
        .first()
    )
    return found or fallback


def _customers(prefix, count):
    return list(Customer.objects.filter(region__startswith=prefix).order_by("pk")[:count])


def seed(admin):
    if Repair.with_deleted.exists() or ServiceOutlet.with_deleted.exists():
        return 0
    products = list(Product.objects.filter(active=True).order_by("pk")[:4])
    if len(products) < 2:
        return 0
    technician = _employee(TECHNICIAN, admin)
    manager = _employee(MANAGER, admin)
    fee = FeeList.objects.filter(is_default=True).first() or services.fee_list_create(
        actor=admin,
        name="标准服务收费",
        labour_rate="120",
        call_out_fee="80",
        discount_percent="0",
        notes="工时按实际维修时间计，不足半小时按半小时计。",
        items=[
            {"product": products[0].pk, "price": str(products[0].list_price * 8 / 10)},
            {"product": products[1].pk, "price": str(products[1].list_price * 9 / 10)},
        ],
    )
    services.outlet_create(
        actor=admin,
        code="SZ01",
        name="深圳服务中心",
        kind="own",
        address="广东省深圳市南山区科技园南区 8 栋 1 楼",
        phone="0755-26661234",
        manager=manager.pk,
        technicians=[technician.pk],
        coverage=["广东省"],
        fee_list=fee.pk,
    )
    services.outlet_create(
        actor=admin,
        code="SH01",
        name="上海服务站",
        kind="authorized",
        address="上海市闵行区莘庄工业区春东路 500 号",
        phone="021-54428899",
        manager=manager.pk,
        technicians=[technician.pk],
        coverage=["上海市"],
        fee_list=fee.pk,
    )
    customers = _customers("广东", 2) + _customers("上海", 2)
    if not customers:
        return 0
    part = products[0]
    plans = [
        ("received", "设备开机后无显示，电源指示灯不亮。", "0", False, []),
        ("diagnosing", "运行中有异响，温度偏高。", "0.5", False, []),
        ("waiting_parts", "主控板烧毁，需更换。", "2", True, [(part, "1")]),
        ("done", "传感器读数漂移。", "1.5", False, [(products[1], "2")]),
        ("returned", "外壳破损，按键失灵。", "1", True, [(products[1], "1")]),
    ]
    path = {
        "received": [],
        "diagnosing": ["diagnosing"],
        "waiting_parts": ["diagnosing", "waiting_parts"],
        "done": ["diagnosing", "repairing", "done"],
        "returned": ["diagnosing", "repairing", "done", "returned"],
    }
    made = []
    for index, (status, fault, hours, call_out, parts) in enumerate(plans):
        customer = customers[index % len(customers)]
        repair = services.repair_create(
            actor=technician,
            customer=customer,
            product=part.pk,
            fault_description=fault,
            labour_hours=hours,
            call_out=call_out,
            parts=[{"product": p.pk, "quantity": q} for p, q in parts],
        )
        if status == "done":
            repair = services.repair_set_entitlement(
                actor=technician,
                repair=repair,
                chargeable=False,
                entitlement_note="在保修期内，免费维修。",
            )
        for step in path[status]:
            repair = services.repair_transition(actor=technician, repair=repair, status=step)
        made.append(repair)
    returned = made[-1]
    packing = services.packing_list_create(
        actor=technician, repair=returned.pk, carrier="顺丰速运", tracking_number="SF1234567890"
    )
    for step in ("packed", "shipped"):
        services.packing_list_transition(actor=technician, packing_list=packing, status=step)
    return len(made)
