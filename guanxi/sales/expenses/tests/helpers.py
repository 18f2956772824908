"""Builders shared by the expense tests: customers, opportunities, expenses, flows,
receipt files."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.expenses import services
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.workspace.approvals import services as approvals

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def customer(world, name="华光科技有限公司", owner=None, **fields):
    with org_scope(world.org):
        return customer_services.customer_create(
            actor=world.admin, name=name, owner=owner or world.rep_a, **fields
        )


def opportunity(world, client, name="华光网关项目", owner=None):
    with org_scope(world.org):
        return opportunity_services.opportunity_create(
            actor=world.admin, customer=client, name=name, owner=owner or client.owner
        )


def receipt(name="发票.png", content=PNG, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def expense(world, actor=None, *, amount="120.50", category="transport", **fields):
    """A draft expense of ``actor`` (rep_a), yesterday, no customer unless given."""
    actor = actor or world.rep_a
    fields.setdefault("incurred_on", yesterday())
    fields.setdefault("description", "拜访客户打车")
    with org_scope(world.org):
        return services.expense_create(actor=actor, category=category, amount=amount, **fields)


def flow(world, conditions=None, steps=None):
    """An approval flow of expenses: the submitter's manager approves."""
    with org_scope(world.org):
        return approvals.flow_create(
            actor=world.admin,
            document="expense",
            name="费用审批",
            conditions=conditions or [],
            steps=steps or [{"kind": "manager"}],
        )


def refresh(world, record):
    with org_scope(world.org):
        return type(record).with_deleted.get(pk=record.pk)
