"""Customers and contacts: services and API under the permission rules."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from guanxi.core.errors import StaleVersion
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import selectors, services
from guanxi.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def make(world):
    def customer(actor=None, **fields):
        actor = actor or world.rep_a
        fields.setdefault("name", "北京华信科技有限公司")
        with org_scope(world.org):
            return services.customer_create(actor=actor, **fields)

    return customer


def test_create_fills_code_mnemonic_owner_and_department(world, make):
    customer = make(phone="010-8888 6666", industry="it", level="key")
    assert customer.code.startswith("KH-") and customer.code.endswith("00001")
    assert customer.mnemonic == "BJHXKJYXGS"
    assert customer.owner == world.rep_a and customer.department == world.east
    assert customer.phone_digits == "01088886666"
    assert "bjhxkjyxgs" in customer.search_keys


def test_person_customer_reads_surnames(world, make):
    customer = make(name="单田芳", is_person=True)
    assert customer.mnemonic == "STF"


def test_bad_input_is_refused_with_every_error_and_nothing_written(world, make):
    with pytest.raises(ValidationError) as info:
        make(
            name="", email="not-an-email", industry="spaceflight", credit_limit=-5, tags=["x" * 31]
        )
    assert {"name", "email", "industry", "credit_limit", "tags"} <= set(info.value.message_dict)
    with all_orgs():
        assert not Customer.with_deleted.filter(org=world.org).exists()


def test_giving_a_customer_to_someone_else_needs_transfer(world, make):
    with pytest.raises(PermissionDenied):
        make(owner=world.rep_b)  # a rep may not
    customer = make(actor=world.manager, owner=world.rep_b)  # a manager may
    assert customer.department == world.north


def test_parent_cycle_is_refused(world, make):
    group = make(name="集团总部", actor=world.manager)
    branch = make(name="上海分公司", actor=world.manager, parent=group)
    with org_scope(world.org), pytest.raises(ValidationError) as info:
        services.customer_update(actor=world.manager, customer=group, parent=branch)
    assert "parent" in info.value.message_dict


def test_stale_version_is_refused(world, make):
    customer = make()
    with org_scope(world.org):
        services.customer_update(actor=world.rep_a, customer=customer, version=1, notes="A")
        with pytest.raises(StaleVersion):
            services.customer_update(actor=world.rep_a, customer=customer, version=1, notes="B")
        assert Customer.objects.get(pk=customer.pk).notes == "A"


def test_data_scope_for_reads_and_writes(world, make):
    customer = make()  # rep_a's, in 华东组
    with org_scope(world.org):
        assert selectors.access_customer(world.manager, customer.pk) == customer
        with pytest.raises(Http404):
            selectors.access_customer(world.rep_b, customer.pk)
        with pytest.raises(Http404):
            services.customer_update(actor=world.rep_b, customer=customer, notes="偷改")
        assert Customer.objects.get(pk=customer.pk).notes == ""


def test_soft_delete_and_restore_with_contacts(world, make):
    customer = make()
    with org_scope(world.org):
        services.contact_create(actor=world.rep_a, customer=customer, name="张伟")
        services.customer_delete(actor=world.manager, customer=customer)
        assert not Customer.objects.filter(pk=customer.pk).exists()
        assert not Contact.objects.filter(customer=customer).exists()
        services.customer_restore(actor=world.manager, customer=customer)
        assert Customer.objects.filter(pk=customer.pk).exists()
        assert Contact.objects.filter(customer=customer).count() == 1
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.customer_delete(actor=world.rep_a, customer=customer)  # reps may not delete


def test_first_contact_is_primary_and_primary_moves(world, make):
    customer = make()
    with org_scope(world.org):
        first = services.contact_create(actor=world.rep_a, customer=customer, name="张伟")
        second = services.contact_create(actor=world.rep_a, customer=customer, name="单丽")
        assert first.is_primary and not second.is_primary
        assert second.mnemonic == "SL"
        services.contact_update(actor=world.rep_a, contact=second, is_primary=True)
        first.refresh_from_db()
        assert not first.is_primary
        with pytest.raises(ValidationError):
            services.contact_update(actor=world.rep_a, contact=first, manager=first)


def test_contact_needs_a_visible_customer(world, make):
    customer = make()  # rep_a's
    with org_scope(world.org), pytest.raises(ValidationError) as info:
        services.contact_create(actor=world.rep_b, customer=customer, name="李雷")
    assert "customer" in info.value.message_dict


# ---- API --------------------------------------------------------------------------------


def test_api_contract_fields_and_phone_masking(world, api):
    body = {
        "name": "上海宏达贸易有限公司",
        "phone": "13812345678",
        "industry": "retail",
        "tags": ["大客户", "华东"],
        "credit_limit": "500000.00",
    }
    created = api(world.rep_a).post("/api/v1/customers", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    for name in (
        "name",
        "mnemonic",
        "code",
        "phone",
        "email",
        "address",
        "postcode",
        "region",
        "industry",
        "level",
        "type",
        "status",
        "credit_rating",
        "credit_limit",
        "parent",
        "finance_phone",
        "website",
        "notes",
        "owner",
        "department",
        "source",
        "tags",
        "lifecycle_stage",
    ):
        assert name in data, name
    assert data["phone"] == "138****5678"  # reps do not see full numbers
    full = api(world.manager).get(f"/api/v1/customers/{data['id']}").json()
    assert full["phone"] == "13812345678"  # managers hold view_full_phone

    contact = api(world.rep_a).post(
        "/api/v1/contacts",
        {
            "customer": data["id"],
            "name": "赵敏",
            "department": "采购部",
            "mobile": "13900001111",
            "gender": "female",
            "birthday": "1990-05-01",
        },
        format="json",
    )
    assert contact.status_code == 201, contact.content
    assert contact.json()["department"] == "采购部" and contact.json()["is_primary"] is True


def test_api_search_by_pinyin_and_phone_digits(world, api, make):
    make(name="杭州西湖茶叶有限公司", phone="0571-8765 4321")
    make(name="苏州园林设计院")
    client = api(world.rep_a)
    for query in ("西湖", "HZXH", "hangzhou", "87654", "KH-"):
        names = [c["name"] for c in client.get("/api/v1/customers", {"q": query}).json()["items"]]
        assert "杭州西湖茶叶有限公司" in names, query
    assert client.get("/api/v1/customers", {"q": "园林"}).json()["count"] == 1


def test_api_list_query_count_is_flat(world, api, make, django_assert_max_num_queries):
    client = api(world.manager)
    make()
    with django_assert_max_num_queries(10):
        client.get("/api/v1/customers")
    for index in range(25):
        make(name=f"客户{index}")
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/customers").json()["count"] == 26


def test_api_delete_and_restore(world, api, make):
    customer = make()
    client = api(world.manager)
    assert client.delete(f"/api/v1/customers/{customer.pk}").status_code == 204
    assert client.get(f"/api/v1/customers/{customer.pk}").status_code == 404
    restored = client.post(f"/api/v1/customers/{customer.pk}/restore")
    assert restored.status_code == 200
    assert client.get(f"/api/v1/customers/{customer.pk}").status_code == 200


def test_unscoped_customer_query_raises(world, make):
    from guanxi.core.tenancy import ScopeError

    make()
    with pytest.raises(ScopeError):
        list(Customer.objects.all())


def test_api_contact_search(world, api, make):
    customer = make()
    client = api(world.rep_a)
    client.post(
        "/api/v1/contacts",
        {"customer": customer.pk, "name": "曾明", "mobile": "13500002222"},
        format="json",
    )
    for query in ("曾明", "ZM", "zengming", "2222"):
        assert [
            c["name"] for c in client.get("/api/v1/contacts", {"q": query}).json()["items"]
        ] == ["曾明"], query


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京华为技术有限公司", "华为技术（北京）有限公司"),
        ("上海宏达机电设备有限公司", "宏达机电设备(上海)有限公司"),
        ("ACME Co., Ltd.", "acme limited"),
    ],
)
def test_name_core_sees_the_same_company(a, b):
    assert selectors.name_core(a) == selectors.name_core(b)


def test_duplicates_by_name_phone_and_email_without_leaking(world, api, make):
    mine = make(name="北京华为技术有限公司", phone="010-88886666", email="info@hw.example")
    make(actor=world.manager, owner=world.rep_b, name="杭州海康威视有限公司")
    client = api(world.rep_a)
    by_name = client.get("/api/v1/customers/duplicates", {"name": "华为技术（北京）有限公司"})
    assert [c["id"] for c in by_name.json()["items"]] == [mine.pk]
    by_phone = client.get("/api/v1/customers/duplicates", {"phone": "(010) 8888-6666"}).json()
    assert [c["id"] for c in by_phone["items"]] == [mine.pk]
    by_email = client.get("/api/v1/customers/duplicates", {"email": "INFO@hw.example"}).json()
    assert by_email["count"] == 1
    # rep_b's customer exists but is outside rep_a's scope: counted, not shown
    hidden = client.get("/api/v1/customers/duplicates", {"name": "海康威视"}).json()
    assert hidden["items"] == [] and hidden["hidden_count"] == 1
    nothing = client.get("/api/v1/customers/duplicates", {"name": "完全不同的名字"}).json()
    assert nothing["count"] == 0 and nothing["hidden_count"] == 0
    editing = client.get(
        "/api/v1/customers/duplicates", {"name": "北京华为技术有限公司", "exclude": mine.pk}
    ).json()
    assert editing["count"] == 0
