"""The customer and contact APIs write their records with ``QuickRepresentation``: the
same output as DRF's own field-by-field path, key for key, for a record with every
field filled and for one with the optional fields empty."""

import datetime
import decimal

import pytest
from rest_framework import serializers

from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.customers.api.serializers import (
    ContactSerializer,
    CustomerCreatedSerializer,
    CustomerSerializer,
)
from guanxi.customers.models import Contact, Customer
from guanxi.orgs import policy

pytestmark = pytest.mark.django_db


def drf_output(serializer, instance):
    """What DRF's ``ModelSerializer`` writes, with the phone masking on top."""
    data = serializers.ModelSerializer.to_representation(serializer, instance)
    for field in ("phone", "finance_phone", "office_phone", "mobile", "home_phone", "fax"):
        if data.get(field):
            data[field] = policy.mask_phone(serializer.context["employee"], data[field])
    return data


@pytest.fixture
def records(world):
    with org_scope(world.org):
        parent = services.customer_create(actor=world.admin, name="华信集团")
        full = services.customer_create(
            actor=world.admin,
            name="深圳华信科技有限公司",
            phone="0755-86001234",
            finance_phone="13800138000",
            email="info@hx.example.com",
            address="深圳市南山区科技园",
            postcode="518057",
            region="广东省 深圳市 南山区",
            website="https://hx.example.com",
            notes="重点客户",
            credit_limit=decimal.Decimal("123456.70"),
            registered_on=datetime.date(2025, 3, 1),
            parent=parent,
            owner=world.rep_a,
            tags=["华南", "制造业"],
        )
        contact = services.contact_create(
            actor=world.admin,
            customer=full,
            name="单小明",
            gender="male",
            birthday=datetime.date(1990, 5, 20),
            mobile="13912345678",
            office_phone="0755-86005678",
            email="xm@hx.example.com",
            title="采购经理",
            hobbies="羽毛球",
        )
        bare = services.customer_create(actor=world.admin, name="个人客户张三", is_person=True)
        rows = {
            "full": Customer.objects.get(pk=full.pk),
            "bare": Customer.objects.get(pk=bare.pk),
            "contact": Contact.objects.get(pk=contact.pk),
        }
    return rows


@pytest.mark.parametrize("who", ["admin", "rep_a"])  # rep_a sees phones masked
def test_quick_output_is_drfs_output(world, records, who):
    context = {"employee": getattr(world, who)}
    with org_scope(world.org):
        for key in ("full", "bare"):
            serializer = CustomerSerializer(context=context)
            quick = serializer.to_representation(records[key])
            assert quick == drf_output(serializer, records[key])
            assert list(quick) == list(drf_output(serializer, records[key]))
        serializer = ContactSerializer(context=context)
        contact = records["contact"]
        assert serializer.to_representation(contact) == drf_output(serializer, contact)


def test_quick_output_keeps_types_and_relations_as_ids(world, records):
    with org_scope(world.org):
        data = CustomerSerializer(context={"employee": world.admin}).to_representation(
            records["full"]
        )
    full = records["full"]
    assert data["parent"] == full.parent_id and data["owner"] == world.rep_a.pk
    assert data["credit_limit"] == "123456.70"
    assert data["registered_on"] == "2025-03-01"
    assert data["tags"] == ["华南", "制造业"]
    assert data["phone"] == "0755-86001234"


def test_rep_without_full_phone_permission_gets_masked_phones(world, records):
    with org_scope(world.org):
        data = ContactSerializer(context={"employee": world.rep_a}).to_representation(
            records["contact"]
        )
    assert data["mobile"] != "13912345678" and "****" in data["mobile"]


def test_method_fields_take_drfs_path(world, records):
    customer = records["full"]
    customer.possible_duplicates = {"items": [{"id": 1, "name": "x", "reason": "y"}],
                                    "hidden_count": 2}  # fmt: skip
    with org_scope(world.org):
        data = CustomerCreatedSerializer(context={"employee": world.admin}).to_representation(
            customer
        )
    assert data["possible_duplicates"]["hidden_count"] == 2
