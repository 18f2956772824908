"""Restoring a contact from the recycle bin: service, API, screens, browser."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.models import Contact
from guanxi.search.models import SearchEntry

pytestmark = pytest.mark.django_db

BIN = "/customers/recycle-bin/"
CONTACT_BIN = "/customers/recycle-bin/contacts/"


def _reload(contact):
    with all_orgs():
        return Contact.with_deleted.get(pk=contact.pk)


def _indexed(contact):
    with all_orgs():
        return SearchEntry.objects.filter(kind="contact", object_id=contact.pk).exists()


@pytest.fixture
def book(world):
    """A customer of rep_a with two contacts; the first (primary) one deleted alone."""
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="南京金陵贸易有限公司")
        gone = services.contact_create(actor=world.rep_a, customer=customer, name="周晓燕")
        kept = services.contact_create(actor=world.rep_a, customer=customer, name="吴昊")
        services.contact_delete(actor=world.manager, contact=gone)
    return customer, gone, kept


# ---- service -------------------------------------------------------------------------------


def test_restore_brings_the_contact_back_indexed_audited_and_versioned(world, book):
    customer, gone, _kept = book
    before = _reload(gone)
    assert before.deleted_at is not None and not before.is_primary and not _indexed(gone)
    with org_scope(world.org):
        restored = services.contact_restore(actor=world.manager, contact=gone)
    after = _reload(gone)
    assert restored.deleted_at is None and after.deleted_at is None
    assert after.version == before.version + 1
    # the customer had no primary contact left: the restored one is primary again
    assert after.is_primary
    assert _indexed(gone)
    with all_orgs():
        entry = ChangeRecord.objects.filter(
            entity="customers.contact", object_id=str(gone.pk), action="update"
        ).latest("id")
    assert entry.actor == world.manager
    assert entry.changes["deleted_at"]["new"] is None and entry.changes["deleted_at"]["old"]
    with org_scope(world.org):
        assert list(Contact.objects.filter(customer=customer).order_by("id")) == [
            after,
            _reload(_kept),
        ]


def test_restored_contact_is_not_primary_when_the_customer_has_one(world, book):
    customer, gone, kept = book
    with org_scope(world.org):
        services.contact_update(actor=world.rep_a, contact=kept, is_primary=True)
        services.contact_restore(actor=world.manager, contact=gone)
        primaries = list(Contact.objects.filter(customer=customer, is_primary=True))
    assert primaries == [_reload(kept)]


def test_restore_needs_the_delete_right_and_the_data_scope(world, book):
    _customer, gone, _kept = book
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.contact_restore(actor=world.rep_a, contact=gone)
    with org_scope(world.org):
        # a contact of the service department: outside the sales manager's scope
        theirs = services.customer_create(actor=world.agent, name="客服部客户")
        contact = services.contact_create(actor=world.agent, customer=theirs, name="冯坤")
        services.contact_delete(actor=world.admin, contact=contact)
        with pytest.raises(Http404):
            services.contact_restore(actor=world.manager, contact=contact)
    assert _reload(contact).deleted_at is not None


def test_a_contact_of_a_deleted_customer_cannot_come_back_alone(world, book):
    customer, gone, kept = book
    with org_scope(world.org):
        services.customer_delete(actor=world.manager, customer=customer)
        for contact in (gone, kept):
            with pytest.raises(BusinessRuleError) as refused:
                services.contact_restore(actor=world.manager, contact=contact)
            assert refused.value.code == "customer_deleted"
            assert customer.name in str(refused.value.message)
        # restoring the customer brings back what was deleted with it, not the older one
        services.customer_restore(actor=world.manager, customer=customer)
        assert _reload(kept).deleted_at is None and _reload(gone).deleted_at is not None
        services.contact_restore(actor=world.manager, contact=gone)
    assert _reload(gone).deleted_at is None


def test_a_live_contact_is_not_restored(world, book):
    _customer, _gone, kept = book
    with org_scope(world.org), pytest.raises(BusinessRuleError) as refused:
        services.contact_restore(actor=world.manager, contact=kept)
    assert refused.value.code == "not_deleted"


# ---- API -----------------------------------------------------------------------------------


def test_api_restore(world, other_world, api, book):
    _customer, gone, kept = book
    url = f"/api/v1/contacts/{gone.pk}/restore"
    assert api(world.rep_a).post(url).status_code == 403
    assert api(other_world.admin).post(url).status_code == 404
    assert api(world.manager).post(f"/api/v1/contacts/{kept.pk}/restore").status_code == 404
    assert _reload(gone).deleted_at is not None
    response = api(world.manager).post(url)
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == gone.pk and data["name"] == "周晓燕" and data["is_primary"] is True
    assert api(world.manager).get(f"/api/v1/contacts/{gone.pk}").status_code == 200
    # once back it is no longer in the recycle bin
    assert api(world.manager).post(url).status_code == 404


def test_api_restore_of_a_contact_whose_customer_is_deleted_is_422(world, api, book):
    customer, gone, _kept = book
    client = api(world.manager)
    assert client.delete(f"/api/v1/customers/{customer.pk}").status_code == 204
    response = client.post(f"/api/v1/contacts/{gone.pk}/restore")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "customer_deleted"
    assert "请先恢复该客户" in body["detail"] and customer.name in body["detail"]
    english = client.post(f"/api/v1/contacts/{gone.pk}/restore", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert "restore the customer first" in english.json()["detail"]
    assert _reload(gone).deleted_at is not None


def test_api_schema_names_the_restore_action(world, api):
    paths = api(world.admin).get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/contacts/{id}/restore"]


# ---- screens -------------------------------------------------------------------------------


def test_customer_recycle_bin_loads_the_deleted_contacts(world, web, book):
    customer, _gone, _kept = book
    client = web(world.manager)
    page = client.get(BIN).content.decode()
    assert 'data-testid="deleted-contacts"' in page and CONTACT_BIN in page
    embed = client.get(CONTACT_BIN, {"embed": "1", "next": BIN}).content.decode()
    assert "周晓燕" in embed and 'data-testid="restore-contact"' in embed
    assert "吴昊" not in embed and "<html" not in embed
    assert f'name="next" value="{BIN}"' in embed
    # a contact deleted with its customer comes back with it: listed with the customer only
    with org_scope(world.org):
        services.customer_delete(actor=world.manager, customer=customer)
    full = client.get(CONTACT_BIN).content.decode()
    assert "<html" in full and "周晓燕" in full and "吴昊" not in full
    assert 'data-testid="restore-customer-first"' in full
    assert 'data-testid="restore-contact"' not in full


def test_contact_bin_needs_the_delete_right_and_respects_scope(world, web, book):
    _customer, gone, _kept = book
    assert web(world.rep_a).get(CONTACT_BIN).status_code == 403
    embed = web(world.rep_a).get(CONTACT_BIN, {"embed": "1"})
    assert embed.status_code == 200 and "周晓燕" not in embed.content.decode()
    assert web(world.rep_a).post(f"/customers/contacts/{gone.pk}/restore/").status_code == 403
    with org_scope(world.org):
        theirs = services.customer_create(actor=world.agent, name="客服部客户")
        hidden = services.contact_create(actor=world.agent, customer=theirs, name="冯坤")
        services.contact_delete(actor=world.admin, contact=hidden)
    client = web(world.manager)
    assert "冯坤" not in client.get(CONTACT_BIN).content.decode()
    assert client.post(f"/customers/contacts/{hidden.pk}/restore/").status_code == 404
    assert "冯坤" in web(world.admin).get(CONTACT_BIN).content.decode()


def test_restore_button_brings_the_contact_back(world, web, book):
    customer, gone, _kept = book
    client = web(world.manager)
    assert client.get(f"/customers/contacts/{gone.pk}/restore/").status_code == 405
    response = client.post(f"/customers/contacts/{gone.pk}/restore/", {"next": BIN})
    assert response.status_code == 302 and response.url == f"/customers/{customer.pk}/"
    assert _reload(gone).deleted_at is None
    page = client.get(response.url).content.decode()
    assert "联系人“周晓燕”已恢复。" in page and "周晓燕" in page


def test_restore_button_explains_a_deleted_customer(world, web, book):
    customer, gone, _kept = book
    with org_scope(world.org):
        services.customer_delete(actor=world.manager, customer=customer)
    client = web(world.manager)
    response = client.post(f"/customers/contacts/{gone.pk}/restore/", {"next": BIN})
    assert response.status_code == 302 and response.url == BIN
    assert "请先恢复该客户" in client.get(BIN).content.decode()
    # an address elsewhere is not followed
    away = client.post(f"/customers/contacts/{gone.pk}/restore/", {"next": "https://evil.example/"})
    assert away.url == CONTACT_BIN
    english = client.post(
        f"/customers/contacts/{gone.pk}/restore/", HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "restore the customer first" in english.content.decode()
    assert _reload(gone).deleted_at is not None


def test_contact_bin_in_english(world, web, book):
    page = web(world.manager).get(CONTACT_BIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Contacts recycle bin" in page and "Restore" in page


def test_contact_bin_query_count_does_not_grow(world, web, book, django_assert_max_num_queries):
    customer, _gone, _kept = book
    client = web(world.manager)
    client.get(CONTACT_BIN)
    with django_assert_max_num_queries(12) as few:
        client.get(CONTACT_BIN, {"embed": "1"})
    with org_scope(world.org):
        for n in range(15):
            contact = services.contact_create(
                actor=world.rep_a, customer=customer, name=f"联系人{n}"
            )
            services.contact_delete(actor=world.manager, contact=contact)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(CONTACT_BIN, {"embed": "1"}).content.decode()
    assert page.count('data-testid="deleted-contact-row"') == 16


# ---- browser -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_deletes_a_contact_and_restores_it_from_the_recycle_bin(world, page, sign_in):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="苏州园林文旅有限公司")
        services.contact_create(actor=world.rep_a, customer=customer, name="孙丽")
    sign_in(world.manager)
    page.goto(f"/customers/{customer.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=delete-contact]")
    page.wait_for_selector("[data-testid=no-contacts]")
    page.goto("/customers/")
    page.click("[data-testid=recycle-bin]")
    row = page.locator("[data-testid=deleted-contact-row]")
    row.wait_for()
    assert row.locator("[data-testid=deleted-contact-name]").inner_text() == "孙丽"
    row.locator("[data-testid=restore-contact]").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert page.locator("[data-testid=contact-name]").all_inner_texts() == ["孙丽"]
    assert page.locator("[data-testid=primary-badge]").is_visible()
    with all_orgs():
        assert Contact.objects.get(customer=customer).deleted_at is None
