"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). Records are owned by
``rep_b`` in 华北组, so the data-scope dimension of the matrix applies."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.customers import services


def _customer(world, name="样本客户"):
    with org_scope(world.org):
        return services.customer_create(actor=world.admin, name=name, owner=world.rep_b)


@sample(
    "customer",
    change={"notes": "改过的备注"},
    check_field="notes",
    create=lambda w: {"name": "新客户有限公司"},
    owned=True,
)
def build_customer(world):
    return _customer(world)


@sample(
    "contact",
    change={"title": "总监"},
    check_field="title",
    create=None,
    owned=True,
)
def build_contact(world):
    customer = _customer(world, "联系人所属客户")
    with org_scope(world.org):
        return services.contact_create(
            actor=world.admin, customer=customer, name="王小明", owner=world.rep_b
        )


@sample(
    "care-task",
    change={"note": "送了鲜花"},
    check_field="note",
    create=lambda w: {
        "customer": _customer(w, "关怀对象").pk,
        "title": "电话问候",
        "due_on": "2026-06-01",
    },
    owned=True,
)
def build_care_task(world):
    from guanxi.customers import care

    customer = _customer(world, "关怀客户")
    with org_scope(world.org):
        return care.care_task_create(
            actor=world.admin,
            customer=customer,
            title="生日问候",
            due_on="2026-05-01",
            assignee=world.rep_b,
        )


@sample(
    "care-rule",
    change={"lead_days": 5},
    check_field="lead_days",
    create=lambda w: {"name": "季度回访（新）", "kind": "interval", "interval_days": 90},
)
def build_care_rule(world):
    from guanxi.customers import care

    with org_scope(world.org):
        return care.care_rule_create(
            actor=world.admin, name="季度回访", kind="interval", interval_days=90, lead_days=3
        )


@sample(
    "renewal",
    change={"note": "客户口头确认会续约", "version": 1},
    check_field="note",
    create=lambda w: {
        "customer": _customer(w, "续约对象").pk,
        "kind": "renewal",
        "due_on": "2026-06-01",
    },
    owned=True,
)
def build_renewal_item(world):
    from guanxi.customers import renewals

    customer = _customer(world, "续约客户")
    with org_scope(world.org):
        return renewals.renewal_create(
            actor=world.admin, customer=customer, kind="renewal", due_on="2026-05-01"
        )
