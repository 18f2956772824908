"""``core.bulkwrite.insert``: rows written straight to the table read back as the ORM
would have written them, and ids never collide with those the ORM hands out."""

import datetime
import decimal
from types import SimpleNamespace

import pytest
from django.db import transaction

from guanxi.core import bulkwrite
from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.customers.models import Customer, LifecycleChange

pytestmark = pytest.mark.django_db(transaction=True)


def _customer(world, name, **fields):
    return Customer(
        org_id=world.org.pk,
        name=name,
        code=f"BW-{name}",
        owner=world.rep_a,
        department=world.rep_a.department,
        **fields,
    )


def test_rows_read_back_as_written(world):
    wanted = _customer(
        world,
        "北京华为技术有限公司",
        credit_limit=decimal.Decimal("12345.67"),
        registered_on=datetime.date(2024, 2, 29),
        tags=["重点", "华北"],
        custom={"vip": True, "来源": "展会"},
        is_person=False,
        notes="第一行\n第二行 'quoted' \"double\"",
    )
    with org_scope(world.org), transaction.atomic():
        ids = bulkwrite.insert(Customer, [wanted])
    assert ids == [wanted.pk]
    assert wanted._state.adding is False
    with org_scope(world.org):
        stored = Customer.objects.get(pk=wanted.pk)
    assert stored.name == "北京华为技术有限公司"
    assert stored.credit_limit == decimal.Decimal("12345.67")
    assert stored.registered_on == datetime.date(2024, 2, 29)
    assert stored.tags == ["重点", "华北"]
    assert stored.custom == {"vip": True, "来源": "展会"}
    assert stored.notes == "第一行\n第二行 'quoted' \"double\""
    assert stored.version == 1 and stored.deleted_at is None and stored.in_pool is False
    assert stored.created_at == wanted.created_at == stored.updated_at
    assert stored.created_at.tzinfo is not None


def test_ids_follow_the_orm_and_the_orm_follows_them(world):
    with org_scope(world.org):
        first = services.customer_create(actor=world.rep_a, name="甲客户")
        last = services.customer_create(actor=world.rep_a, name="乙客户")
        Customer.with_deleted.filter(pk=last.pk).delete()  # its id stays used
        with transaction.atomic():
            ids = bulkwrite.insert(Customer, [_customer(world, f"批量{n}") for n in range(3)])
        after = services.customer_create(actor=world.rep_a, name="丙客户")
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert min(ids) > last.pk > first.pk
    assert after.pk > max(ids)


def test_plain_objects_with_column_attributes(world):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="甲客户")
        rows = [
            SimpleNamespace(
                id=None,
                created_at=None,
                updated_at=None,
                org_id=world.org.pk,
                customer_id=customer.pk,
                from_stage="",
                to_stage="potential",
                reason=LifecycleChange.Reason.CREATED,
                actor_id=world.rep_a.pk,
            )
        ]
        with transaction.atomic():
            bulkwrite.insert(LifecycleChange, rows)
        stored = LifecycleChange.objects.get(pk=rows[0].id)
    assert (stored.customer_id, stored.to_stage, stored.actor_id) == (
        customer.pk,
        "potential",
        world.rep_a.pk,
    )


def test_a_failed_transaction_leaves_nothing(world):
    with org_scope(world.org):
        before = Customer.with_deleted.count()
        with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
            bulkwrite.insert(Customer, [_customer(world, "回滚客户")])
            raise RuntimeError("boom")
        assert Customer.with_deleted.count() == before


def test_refuses_to_write_outside_a_transaction(world):
    with pytest.raises(RuntimeError, match="atomic"):
        bulkwrite.insert(Customer, [_customer(world, "无事务")])
