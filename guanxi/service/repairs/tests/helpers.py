"""Builders of the repair tests: a fee list, outlets, customers in a region, repairs."""

from decimal import Decimal

from guanxi.catalog.models import Product
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.service.repairs import services


def product(world, name="压缩机", price="100", code=None):
    with org_scope(world.org):
        count = Product.objects.count()
        return Product.objects.create(
            org=world.org,
            code=code or f"RP{count + 1:04d}",
            name=name,
            list_price=Decimal(price),
            tax_rate=Decimal("0"),
        )


def customer(world, name="华南电器有限公司", region="广东省 深圳市 南山区", owner=None):
    with org_scope(world.org):
        return customer_services.customer_create(
            actor=world.admin,
            name=name,
            owner=owner or world.admin,
            region=region,
            phone="075588886666",
            address="科技园路 1 号",
        )


def fee_list(world, *, labour_rate="80", call_out_fee="50", discount="0", items=(), **kw):
    with org_scope(world.org):
        return services.fee_list_create(
            actor=world.admin,
            name=kw.pop("name", "标准收费"),
            labour_rate=labour_rate,
            call_out_fee=call_out_fee,
            discount_percent=discount,
            items=[{"product": p.pk, "price": price} for p, price in items],
            **kw,
        )


def outlet(world, *, code="SZ", name="深圳服务中心", coverage=("广东省",), fee=None, **kw):
    with org_scope(world.org):
        return services.outlet_create(
            actor=world.admin,
            code=code,
            name=name,
            coverage=list(coverage),
            fee_list=fee.pk if fee else None,
            **kw,
        )


def repair(world, actor=None, *, client=None, parts=None, **fields):
    """A received repair of ``actor`` (the agent) for a customer in Shenzhen."""
    actor = actor or world.agent
    client = client or customer(world)
    with org_scope(world.org):
        return services.repair_create(
            actor=actor,
            customer=client,
            fault_description=fields.pop("fault_description", "不制冷"),
            parts=parts,
            **fields,
        )
