"""API contract details: the contact's field names, a hand-set mnemonic that survives a
rename, and stale versions refused on PATCH without changing anything."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db

CONTACT_FIELDS = (
    "customer", "name", "gender", "birthday", "department", "title", "manager",
    "office_phone", "mobile", "email", "home_phone", "fax", "hobbies", "notes", "owner",
    "is_primary",
)  # fmt: skip


def _reload(record):
    with all_orgs():
        return type(record).with_deleted.get(pk=record.pk)


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        return services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")


# ---- 1. contact field names ------------------------------------------------------------


def test_contact_answers_with_every_field_under_its_exact_name(world, api, customer):
    client = api(world.manager)  # sees full numbers: values come back as sent
    boss = client.post(
        "/api/v1/contacts", {"customer": customer.pk, "name": "陈总"}, format="json"
    ).json()
    body = {
        "customer": customer.pk,
        "name": "陈静",
        "gender": "female",
        "birthday": "1988-03-08",
        "department": "采购部",
        "title": "采购主管",
        "manager": boss["id"],
        "office_phone": "0571-87654321",
        "mobile": "13612345678",
        "email": "chen.jing@xihu-tea.example",
        "home_phone": "0571-12345678",
        "fax": "0571-87654322",
        "hobbies": "茶道、登山",
        "notes": "每周三在公司",
        "owner": world.rep_a.pk,
        "is_primary": True,
    }
    created = client.post("/api/v1/contacts", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    for name in (*CONTACT_FIELDS, "id", "version", "mnemonic"):
        assert name in data, name
    for name, value in body.items():
        assert data[name] == value, name
    assert data["mnemonic"] == "CJ" and data["version"] == 1
    # the same names on a read and in the list
    read = client.get(f"/api/v1/contacts/{data['id']}").json()
    assert {name: read[name] for name in body} == body
    listed = client.get("/api/v1/contacts", {"customer": customer.pk}).json()["items"]
    assert {name for item in listed for name in CONTACT_FIELDS} == set(CONTACT_FIELDS)
    assert all(set(CONTACT_FIELDS) <= set(item) for item in listed)
    # the API name "department" is the contact's department at the customer
    with all_orgs():
        stored = Contact.objects.get(pk=data["id"])
    assert stored.department_name == "采购部" and stored.manager_id == boss["id"]
    assert stored.is_primary and not _reload(Contact.objects.model(pk=boss["id"])).is_primary


def test_contact_fields_are_written_by_patch_under_the_same_names(world, api, customer):
    client = api(world.manager)
    contact = client.post(
        "/api/v1/contacts", {"customer": customer.pk, "name": "陈静"}, format="json"
    ).json()
    changes = {
        "gender": "male",
        "birthday": "1990-12-31",
        "department": "总经办",
        "title": "总经理",
        "office_phone": "010-66668888",
        "mobile": "13900001111",
        "email": "boss@example.com",
        "home_phone": "010-55556666",
        "fax": "010-66668889",
        "hobbies": "钓鱼",
        "notes": "新的备注",
        "owner": world.rep_b.pk,
    }
    answer = client.patch(
        f"/api/v1/contacts/{contact['id']}", {**changes, "version": contact["version"]},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert {name: answer.json()[name] for name in changes} == changes
    assert answer.json()["version"] == contact["version"] + 1


def test_unknown_contact_field_names_are_not_taken(world, api, customer):
    """The model's own column name is not an alias of the API's ``department``."""
    client = api(world.manager)
    created = client.post(
        "/api/v1/contacts",
        {"customer": customer.pk, "name": "陈静", "department_name": "别名"},
        format="json",
    ).json()
    assert created["department"] == "" and "department_name" not in created


# ---- 2. a hand-set mnemonic stays --------------------------------------------------------


def test_hand_set_mnemonic_is_upper_cased_and_survives_a_rename_by_api(world, api):
    client = api(world.rep_a)
    created = client.post(
        "/api/v1/customers", {"name": "杭州西湖茶业有限公司", "mnemonic": "xhcy"}, format="json"
    ).json()
    assert created["mnemonic"] == "XHCY"
    url = f"/api/v1/customers/{created['id']}"
    renamed = client.patch(url, {"name": "宁波海运有限公司"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["mnemonic"] == "XHCY"
    # changed by hand together with a rename: the new one, upper-cased
    both = client.patch(url, {"name": "宁波港务有限公司", "mnemonic": "nbgw-1"}, format="json")
    assert both.json()["mnemonic"] == "NBGW-1"
    assert client.get(url).json()["mnemonic"] == "NBGW-1"
    # the mnemonic is a search key of the list
    found = client.get("/api/v1/customers", {"q": "NBGW"}).json()["items"]
    assert [item["id"] for item in found] == [created["id"]]


def test_a_pinyin_mnemonic_follows_a_rename_by_api(world, api):
    client = api(world.rep_a)
    created = client.post(
        "/api/v1/customers", {"name": "杭州西湖茶业有限公司"}, format="json"
    ).json()
    assert created["mnemonic"] == "HZXHCYYXGS"
    renamed = client.patch(
        f"/api/v1/customers/{created['id']}", {"name": "宁波海运有限公司"}, format="json"
    )
    assert renamed.json()["mnemonic"] == "NBHYYXGS"


def _form(customer, **overrides):
    data = {
        "name": customer.name,
        "code": customer.code,
        "mnemonic": customer.mnemonic,
        "lifecycle_stage": customer.lifecycle_stage,
        "version": str(customer.version),
    }
    data.update(overrides)
    return data


def test_hand_set_mnemonic_survives_a_rename_in_the_edit_form(world, web):
    with org_scope(world.org):
        customer = services.customer_create(
            actor=world.rep_a, name="杭州西湖茶业有限公司", mnemonic="xhcy"
        )
    assert customer.mnemonic == "XHCY"
    client = web(world.rep_a)
    url = f"/customers/{customer.pk}/edit/"
    assert 'value="XHCY"' in client.get(url).content.decode()
    response = client.post(url, _form(customer, name="宁波海运有限公司"))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = _reload(customer)
    assert (saved.name, saved.mnemonic) == ("宁波海运有限公司", "XHCY")
    # typed in lower case in the form: kept, upper-cased
    again = client.post(url, _form(saved, name="宁波港务有限公司", mnemonic="nbgw"))
    assert again.status_code == 302
    assert _reload(customer).mnemonic == "NBGW"
    # cleared in the form: the pinyin initials of the (new) name
    cleared = client.post(url, _form(_reload(customer), mnemonic=""))
    assert cleared.status_code == 302
    assert _reload(customer).mnemonic == "NBGWYXGS"


def test_a_pinyin_mnemonic_left_alone_in_the_edit_form_follows_a_rename(world, web):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")
    assert customer.mnemonic == "HZXHCYYXGS"
    client = web(world.rep_a)
    url = f"/customers/{customer.pk}/edit/"
    # the form sends the mnemonic it showed, unchanged
    response = client.post(url, _form(customer, name="宁波海运有限公司"))
    assert response.status_code == 302
    assert _reload(customer).mnemonic == "NBHYYXGS"  # as the API does
    # editing something else keeps it
    saved = _reload(customer)
    assert client.post(url, _form(saved, notes="备注")).status_code == 302
    assert _reload(customer).mnemonic == "NBHYYXGS"


# ---- 3. stale versions on PATCH -----------------------------------------------------------


def test_stale_customer_patch_is_a_409_and_changes_nothing(world, api, customer):
    client = api(world.rep_a)
    url = f"/api/v1/customers/{customer.pk}"
    loaded = client.get(url).json()
    first = client.patch(url, {"notes": "A", "version": loaded["version"]}, format="json")
    assert first.status_code == 200 and first.json()["version"] == loaded["version"] + 1
    before = _reload(customer)
    stale = client.patch(
        url,
        {"name": "过期的修改", "notes": "B", "tags": ["x"], "version": loaded["version"]},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert "已被他人修改" in stale.json()["detail"]
    after = _reload(customer)
    assert (after.name, after.notes, after.tags, after.version, after.updated_at) == (
        before.name, before.notes, before.tags, before.version, before.updated_at,
    )  # fmt: skip
    # nothing of the refused edit reached the search index either
    assert client.get("/api/v1/customers", {"q": "过期"}).json()["count"] == 0
    # a version from the future is stale too
    future = client.patch(url, {"notes": "C", "version": before.version + 5}, format="json")
    assert future.status_code == 409 and _reload(customer).notes == "A"
    # the current version goes through
    current = client.patch(url, {"notes": "D", "version": before.version}, format="json")
    assert current.status_code == 200 and _reload(customer).notes == "D"


def test_stale_contact_patch_is_a_409_and_changes_nothing(world, api, customer):
    client = api(world.rep_a)
    contact = client.post(
        "/api/v1/contacts", {"customer": customer.pk, "name": "陈静"}, format="json"
    ).json()
    url = f"/api/v1/contacts/{contact['id']}"
    first = client.patch(url, {"title": "经理", "version": contact["version"]}, format="json")
    assert first.status_code == 200
    with all_orgs():
        before = Contact.objects.get(pk=contact["id"])
    stale = client.patch(
        url, {"name": "改名", "title": "总监", "version": contact["version"]}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    with all_orgs():
        after = Contact.objects.get(pk=contact["id"])
    assert (after.name, after.title, after.version, after.updated_at) == (
        before.name, before.title, before.version, before.updated_at,
    )  # fmt: skip
    assert client.get("/api/v1/contacts", {"q": "改名"}).json()["count"] == 0


def test_patch_without_a_version_is_not_checked(world, api, customer):
    """Clients that do not send ``version`` write last-wins (documented behaviour)."""
    client = api(world.rep_a)
    url = f"/api/v1/customers/{customer.pk}"
    client.patch(url, {"notes": "A"}, format="json")
    answer = client.patch(url, {"notes": "B"}, format="json")
    assert answer.status_code == 200
    with org_scope(world.org):
        assert Customer.objects.get(pk=customer.pk).notes == "B"
