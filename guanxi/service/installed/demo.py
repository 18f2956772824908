"""Demo data of installed products: the devices of the first demo customers, with
serial numbers like ``SN2025…``, installed over the last three years with a 12-month
warranty (so some are in warranty, one runs out within the month, the oldest are out of
it), and the units of a confirmed demo order with its sales contract. Called by the
project's demo seed inside the demo org's scope after the orders demo; a second run adds
nothing. Returns how many records were made."""

import datetime

from django.utils import timezone

from guanxi.catalog.models import Product
from guanxi.customers.models import Customer
from guanxi.sales.orders.models import Order
from guanxi.service.installed import services
from guanxi.service.installed.models import InstalledProduct

# (customer index, product index, days since installation, location)
DEVICES = (
    (0, 0, 40, "一号生产车间"),
    (0, 1, 350, "中控室"),
    (1, 0, 500, "总部机房"),
    (1, 2, 900, "仓库二层"),
    (2, 1, 120, "门店后台"),
    (3, 0, 1000, "实验楼 302"),
)


def seed(admin):
    if InstalledProduct.with_deleted.exists():
        return 0
    customers = list(Customer.objects.order_by("pk")[:4])
    products = list(Product.objects.filter(active=True).order_by("pk")[:3])
    if len(customers) < 4 or not products:
        return 0
    today = timezone.localdate()
    made = 0
    for number, (who, what, age, location) in enumerate(DEVICES, start=1):
        services.installed_create(
            actor=admin,
            customer=customers[who],
            product=products[what % len(products)],
            serial_number=f"SN2025{number:06d}",
            install_date=today - datetime.timedelta(days=age),
            warranty_months=12,
            location=location,
        )
        made += 1
    order = (
        Order.objects.filter(status__in=services.ORDER_USABLE, contract__isnull=False)
        .order_by("pk")
        .first()
    )
    line = order.lines.order_by("position").first() if order is not None else None
    if line is not None:
        units = min(int(line.quantity), 3)
        made += len(
            services.installed_create_from_order(
                actor=admin,
                order=order,
                line=line.pk,
                serial_numbers=[f"SN2025{order.pk:04d}{unit:02d}" for unit in range(1, units + 1)],
                install_date=order.order_date,
                location="客户现场",
            )
        )
    return made
