"""Copy, bulk transfer and handover of customers."""

import pytest

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import extensions, services
from guanxi.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(world):
    """Two customers of rep_a (one with a contact of rep_a's), one of rep_b's."""
    with org_scope(world.org):
        a1 = services.customer_create(actor=world.rep_a, name="甲客户", phone="13800000001")
        a2 = services.customer_create(actor=world.rep_a, name="乙客户")
        services.contact_create(actor=world.rep_a, customer=a1, name="张伟")
        b1 = services.customer_create(actor=world.manager, owner=world.rep_b, name="丙客户")
    return a1, a2, b1


def _owners(world):
    with all_orgs():
        return dict(Customer.objects.filter(org=world.org).values_list("name", "owner__name"))


def test_manager_transfers_with_contacts_and_audit(world, api, book):
    a1, a2, _b1 = book
    response = api(world.manager).post(
        "/api/v1/customers/transfer",
        {"customers": [a1.pk, a2.pk], "owner": world.rep_b.pk},
        format="json",
    )
    assert response.status_code == 200 and response.json() == {"transferred": 2}
    assert _owners(world) == {"甲客户": "李四", "乙客户": "李四", "丙客户": "李四"}
    with all_orgs():
        contact = Contact.objects.get(customer=a1)
        assert contact.owner == world.rep_b and contact.owner_department == world.north
        a1.refresh_from_db()
        assert a1.department == world.north and a1.version == 2
        assert ChangeRecord.objects.filter(
            entity="customers.customer", object_id=str(a1.pk), changes__has_key="owner"
        ).exists()


def test_transfer_is_all_or_nothing_and_needs_the_permission(world, other_world, api, book):
    a1, _a2, _b1 = book
    # rep_a may not transfer at all
    refused = api(world.rep_a).post(
        "/api/v1/customers/transfer", {"customers": [a1.pk], "owner": world.rep_b.pk}, format="json"
    )
    assert refused.status_code == 403
    # an id of another org makes the whole transfer fail
    with org_scope(other_world.org):
        foreign = services.customer_create(actor=other_world.rep_a, name="外组织客户")
    mixed = api(world.manager).post(
        "/api/v1/customers/transfer",
        {"customers": [a1.pk, foreign.pk], "owner": world.rep_b.pk},
        format="json",
    )
    assert mixed.status_code == 400
    assert _owners(world)["甲客户"] == "张三"
    # a left employee cannot receive customers
    with org_scope(world.org):
        from guanxi.orgs import services as org_services

        org_services.employee_leave(actor=world.admin, employee=world.rep_b)
    gone = api(world.manager).post(
        "/api/v1/customers/transfer", {"customers": [a1.pk], "owner": world.rep_b.pk}, format="json"
    )
    assert gone.status_code == 400 and "owner" in gone.json()["fields"]


def test_handover_moves_everything_of_a_leaving_employee(world, api, book):
    response = api(world.admin).post(
        "/api/v1/customers/handover",
        {"source": world.rep_a.pk, "target": world.rep_b.pk},
        format="json",
    )
    steps = {step.key: 0 for step in extensions.handover_steps()}
    assert response.json() == {
        "transferred": 2,
        "moved": {"customers": 2, "care_tasks": 0, **steps},
    }
    assert set(_owners(world).values()) == {"李四"}
    same = api(world.admin).post(
        "/api/v1/customers/handover",
        {"source": world.rep_b.pk, "target": world.rep_b.pk},
        format="json",
    )
    assert same.status_code == 400


def test_copy_makes_a_new_customer_owned_by_the_copier(world, api, book):
    a1, _a2, _b1 = book
    response = api(world.rep_a).post(f"/api/v1/customers/{a1.pk}/copy")
    assert response.status_code == 201
    data = response.json()
    assert data["name"] == "甲客户（副本）" and data["code"] != a1.code
    assert data["owner"] == world.rep_a.pk
    with all_orgs():
        assert Contact.objects.filter(customer_id=data["id"]).count() == 0
    assert api(world.rep_b).post(f"/api/v1/customers/{a1.pk}/copy").status_code == 404
