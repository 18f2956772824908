"""Builders of the knowledge tests (inside the world's org scope)."""

from decimal import Decimal

from guanxi.catalog.models import Product
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.knowledge import services
from guanxi.knowledge.models import DecisionNode


def customer(world, name="华光科技有限公司", owner=None):
    """A customer owned by ``owner`` (rep_a): the record articles are linked to."""
    with org_scope(world.org):
        return customer_services.customer_create(
            actor=world.admin, name=name, owner=owner or world.rep_a
        )


def product(world, name="柜式空调", code=None):
    with org_scope(world.org):
        count = Product.objects.count()
        return Product.objects.create(
            org=world.org, code=code or f"KB{count + 1:04d}", name=name, list_price=Decimal("1")
        )


def article(world, title="空调不制冷的排查步骤", body="先检查遥控器模式和滤网。", *, actor=None,
            publish=True, **fields):  # fmt: skip
    with org_scope(world.org):
        return services.article_create(
            actor=actor or world.admin, title=title, body=body, publish=publish, **fields
        )


def category(world, name="故障排除", parent=None):
    with org_scope(world.org):
        return services.category_create(actor=world.admin, name=name, parent=parent)


def tree(world, *, publish=True, solution_article=None, name="设备无法开机"):
    """电源灯亮吗? 亮 → 屏幕有显示吗? (有 → 解决方案 A (the article), 没有 → 解决方案 B);
    不亮 → 解决方案 C. Returns ``(tree, nodes by short name)``."""
    admin = world.admin
    with org_scope(world.org):
        made = services.tree_create(actor=admin, name=name, first_question="电源指示灯亮吗？")
        root = made.nodes.get()
        screen = services.node_create(
            actor=admin, tree=made, parent=root, answer="亮", kind="question",
            text="屏幕有显示吗？",
        )  # fmt: skip
        a = services.node_create(
            actor=admin, tree=made, parent=screen, answer="有", kind="solution",
            text="进入系统后检查启动项。", article=solution_article,
        )  # fmt: skip
        b = services.node_create(
            actor=admin, tree=made, parent=screen, answer="没有", kind="solution",
            text="检查显示器连接线。",
        )  # fmt: skip
        c = services.node_create(
            actor=admin, tree=made, parent=root, answer="不亮", kind="solution",
            text="检查电源线和插座。",
        )  # fmt: skip
        if publish:
            made = services.tree_publish(actor=admin, tree=made)
        made.refresh_from_db()
    return made, {"root": root, "screen": screen, "a": a, "b": b, "c": c}


def node(world, pk):
    with org_scope(world.org):
        return DecisionNode.objects.get(pk=pk)


def grant(employee, *codes):
    """Give ``employee``'s roles more capabilities (a sales rep who links articles),
    keeping their data scopes."""
    from guanxi.core.tenancy import all_orgs
    from guanxi.orgs import policy

    with all_orgs():
        for role in employee.roles.all():
            role.permissions = sorted({*role.permissions, *codes})
            role.save(update_fields=["permissions"])
    policy.forget(employee)
    return employee
