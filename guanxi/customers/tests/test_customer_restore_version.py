"""Restoring a customer bumps its version (and its contacts'): forms from before the delete
are stale afterwards."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def _customer(pk):
    with all_orgs():
        return Customer.with_deleted.get(pk=pk)


def _contact(pk):
    with all_orgs():
        return Contact.with_deleted.get(pk=pk)


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="苏州吴中精密机械有限公司")
        services.contact_create(actor=world.rep_a, customer=customer, name="钱立群")
    return customer


def test_restore_bumps_the_customer_and_its_contacts_versions(world, customer):
    with all_orgs():
        contact = Contact.objects.get(customer=customer)
    before, contact_before = _customer(customer.pk), _contact(contact.pk)
    with org_scope(world.org):
        services.customer_delete(actor=world.manager, customer=customer)
        restored = services.customer_restore(actor=world.manager, customer=customer)
    after, contact_after = _customer(customer.pk), _contact(contact.pk)
    assert after.deleted_at is None and contact_after.deleted_at is None
    assert after.version == before.version + 1
    assert restored.version == after.version  # the returned instance is current
    assert after.updated_at > before.updated_at
    assert contact_after.version == contact_before.version + 1


def test_a_refused_restore_changes_no_version(world, customer):
    before = _customer(customer.pk)
    with org_scope(world.org), pytest.raises(Exception, match="不在回收站"):
        services.customer_restore(actor=world.manager, customer=customer)
    assert _customer(customer.pk).version == before.version


def test_an_edit_form_from_before_the_delete_is_stale_after_the_restore(world, api, customer):
    client = api(world.manager)
    url = f"/api/v1/customers/{customer.pk}"
    loaded = client.get(url).json()
    contact = client.get("/api/v1/contacts", {"customer": customer.pk}).json()["items"][0]
    assert client.delete(url).status_code == 204
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.json()["version"] == loaded["version"] + 1

    stale = client.patch(
        url, {"notes": "删除前打开的表单", "version": loaded["version"]}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert _customer(customer.pk).notes != "删除前打开的表单"
    stale_contact = client.patch(
        f"/api/v1/contacts/{contact['id']}",
        {"title": "旧表单", "version": contact["version"]},
        format="json",
    )
    assert stale_contact.status_code == 409

    # the form reloaded after the restore goes through
    current = client.patch(
        url, {"notes": "恢复后的修改", "version": restored.json()["version"]}, format="json"
    )
    assert current.status_code == 200 and _customer(customer.pk).notes == "恢复后的修改"


def test_the_web_edit_form_from_before_the_delete_is_refused(world, web, customer):
    """The screen's edit form carries the version too: posted after a delete and a restore,
    it is refused and the restored customer keeps its data."""
    client = web(world.manager)
    page = client.get(f"/customers/{customer.pk}/edit/")
    opened = page.context["form"].initial["version"]
    with org_scope(world.org):
        services.customer_delete(actor=world.manager, customer=customer)
        services.customer_restore(actor=world.manager, customer=customer)
    saved = _customer(customer.pk)
    data = {
        "name": "旧表单的名称",
        "code": saved.code,
        "mnemonic": saved.mnemonic,
        "lifecycle_stage": saved.lifecycle_stage,
        "version": str(opened),
    }
    stale = client.post(f"/customers/{customer.pk}/edit/", data)
    assert stale.status_code == 409
    assert "该记录已被他人修改" in stale.content.decode()
    assert _customer(customer.pk).name == "苏州吴中精密机械有限公司"
