"""The search index follows every write of the customer services, and a search
reads it within the org and the employee's data scope."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import indexing, services
from guanxi.search import index, registry
from guanxi.search.models import SearchEntry
from guanxi.search.selectors import search

pytestmark = pytest.mark.django_db(transaction=False)


def _found(employee, query, kind=None):
    with org_scope(employee.org_id):
        hits = search(employee=employee, query=query)
    return [h.title for h in hits if kind is None or h.kind == kind]


@pytest.fixture
def huawei(world):
    with org_scope(world.org):
        customer = services.customer_create(
            actor=world.rep_a,
            name="北京华为技术有限公司",
            phone="010-87654321",
            email="info@huawei.example.com",
        )
        contact = services.contact_create(
            actor=world.rep_a, customer=customer, name="单丽", mobile="13912345678"
        )
    return customer, contact


def test_created_records_are_found_by_every_key(world, huawei):
    customer, _contact = huawei
    rep = world.rep_a
    for query in ("华为", "BJHW", "hw", "huawei", "8765", "010-87654321", customer.code, "info@"):
        assert _found(rep, query, "customer") == ["北京华为技术有限公司"], query
    for query in ("单丽", "SL", "shanli", "5678", "13912345678"):
        assert _found(rep, query, "contact") == ["单丽"], query
    with org_scope(world.org):
        hit = next(h for h in search(employee=rep, query="单丽") if h.kind == "contact")
    assert hit.subtitle == "北京华为技术有限公司"
    assert hit.url.endswith(f"/{customer.pk}/")


def test_update_rename_refreshes_customer_and_its_contacts(world, huawei):
    customer, _contact = huawei
    with org_scope(world.org):
        services.customer_update(actor=world.rep_a, customer=customer, name="深圳腾飞贸易有限公司")
    assert _found(world.rep_a, "华为", "customer") == []
    assert _found(world.rep_a, "腾飞", "customer") == ["深圳腾飞贸易有限公司"]
    assert _found(world.rep_a, "SZTF", "customer") == ["深圳腾飞贸易有限公司"]
    with org_scope(world.org):
        contact_hit = [h for h in search(employee=world.rep_a, query="单丽") if h.kind == "contact"]
    assert contact_hit[0].subtitle == "深圳腾飞贸易有限公司"


def test_contact_update_and_delete(world, huawei):
    _customer, contact = huawei
    with org_scope(world.org):
        contact = services.contact_update(actor=world.rep_a, contact=contact, mobile="13700001111")
    assert _found(world.rep_a, "5678", "contact") == []
    assert _found(world.rep_a, "1111", "contact") == ["单丽"]
    with org_scope(world.org):
        services.contact_delete(actor=world.admin, contact=contact)
    assert _found(world.rep_a, "单丽", "contact") == []


def test_delete_and_restore(world, huawei):
    customer, _contact = huawei
    with org_scope(world.org):
        services.customer_delete(actor=world.admin, customer=customer)
    assert _found(world.admin, "华为") == []
    assert _found(world.admin, "单丽") == []
    with org_scope(world.org):
        services.customer_restore(actor=world.admin, customer=customer)
    assert _found(world.admin, "华为", "customer") == ["北京华为技术有限公司"]
    assert _found(world.admin, "单丽", "contact") == ["单丽"]


def test_transfer_moves_the_record_between_scopes(world, huawei):
    customer, _contact = huawei
    assert _found(world.rep_b, "华为") == []
    with org_scope(world.org):
        services.customers_transfer(
            actor=world.admin, customer_ids=[customer.pk], owner=world.rep_b
        )
    assert _found(world.rep_b, "华为", "customer") == ["北京华为技术有限公司"]
    assert _found(world.rep_b, "单丽", "contact") == ["单丽"]  # rep_a's contact went along
    assert _found(world.rep_a, "华为") == []


def test_other_org_and_other_scope_never_leak(world, other_world, huawei):
    with org_scope(other_world.org):
        services.customer_create(actor=other_world.admin, name="北京华为外组织")
    assert _found(world.admin, "华为", "customer") == ["北京华为技术有限公司"]
    assert _found(other_world.admin, "华为", "customer") == ["北京华为外组织"]
    assert _found(world.rep_b, "华为") == []
    assert _found(world.manager, "华为", "customer") == ["北京华为技术有限公司"]


def test_ranking_exact_then_start_then_newest(world):
    with org_scope(world.org):
        starts = services.customer_create(actor=world.admin, name="西湖区第二茶厂")
        inner = services.customer_create(actor=world.admin, name="杭州西湖茶叶有限公司")
        coded = services.customer_create(actor=world.admin, name="龙井茶社", code="XIHU01")
        newest = services.customer_create(actor=world.admin, name="老西湖茶馆")
    assert _found(world.admin, "西湖", "customer") == [starts.name, newest.name, inner.name]
    assert _found(world.admin, "xihu01", "customer")[0] == coded.name
    assert len(_found(world.admin, "xihu", "customer")) == 4  # pinyin and the code


def test_query_count_does_not_grow_with_hits(world, django_assert_max_num_queries):
    """One candidates query per registered kind, one for the permitted entries of every
    kind, one for employees and one for departments, however many records match."""
    with org_scope(world.org):
        customer = services.customer_create(actor=world.admin, name="华为经销商")
        services.contact_create(actor=world.admin, customer=customer, name="华为")
        search(employee=world.admin, query="华为")  # warm the permission cache
        with django_assert_max_num_queries(len(registry.kinds()) + 3) as one_hit:
            search(employee=world.admin, query="华为")
        few = len(one_hit.captured_queries)
        for n in range(25):
            customer = services.customer_create(actor=world.admin, name=f"华为经销商{n}号")
            services.contact_create(actor=world.admin, customer=customer, name=f"华为{n}")
        with django_assert_max_num_queries(few):
            hits = search(employee=world.admin, query="华为")
    assert len([h for h in hits if h.kind == "customer"]) == 10


def test_rebuild_restores_a_lost_index(world, huawei):
    with org_scope(world.org):
        SearchEntry.objects.all().delete()
        assert _found(world.rep_a, "华为") == []
        seen = []
        total = index.rebuild(progress=lambda kind, n: seen.append((kind, n)))
    assert total == 2 and ("customer", 1) in seen and ("contact", 2) in seen
    assert _found(world.rep_a, "华为", "customer") == ["北京华为技术有限公司"]


def test_bulk_index_functions(world, huawei):
    customer, contact = huawei
    with org_scope(world.org):
        indexing.unindex_customers([customer.pk])
        assert not SearchEntry.objects.exists()
        indexing.index_customers([customer.pk])
        assert SearchEntry.objects.count() == 2
        indexing.unindex_contacts([contact.pk])
        assert list(SearchEntry.objects.values_list("kind", flat=True)) == ["customer"]
        indexing.index_contacts([contact.pk])
        assert SearchEntry.objects.count() == 2


def test_reindex_command(world, other_world, huawei):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with org_scope(world.org):
        SearchEntry.objects.all().delete()
    out = StringIO()
    call_command("search_reindex", org=[world.org.code], stdout=out)
    assert "2" in out.getvalue().splitlines()[-1]
    assert _found(world.rep_a, "华为", "customer") == ["北京华为技术有限公司"]
    with pytest.raises(CommandError):
        call_command("search_reindex", org=["nope"], stdout=out)
    with pytest.raises(CommandError):
        call_command("search_reindex", kind="nope", stdout=out)


def test_frequent_and_rare_matches_through_the_newest_slices(world, monkeypatch):
    from guanxi.core.tenancy import current_org_id
    from guanxi.search import query as fulltext
    from guanxi.search import tokens as tk

    monkeypatch.setattr(fulltext, "RECENT_SLICES", (2, 5))
    with org_scope(world.org):
        made = [
            services.customer_create(actor=world.admin, name=f"{n}号{'西湖' if n != 3 else '东山'}")
            for n in range(9)
        ]
        found = fulltext.candidates(
            tk.parse("西湖"),
            fetch=3,
            org_id=current_org_id(),
            kind="customer",
            owner_id=world.admin.pk,
            department_ids=(),
            all_scope=True,
        )
        entries = dict(SearchEntry.objects.filter(kind="customer").values_list("pk", "object_id"))
        old = services.customer_create(actor=world.admin, name="老字号湖滨")
        for n in range(6):
            services.customer_create(actor=world.admin, name=f"新店{n}")
    newest = [entries[pk] for tier, pk in found if tier == fulltext.ANY]
    assert newest == [made[8].pk, made[7].pk, made[6].pk]  # two slices, then the LIMIT
    # a match older than every slice is still found, after the empty recent slices
    assert _found(world.admin, "湖滨", "customer") == [old.name]
    assert _found(world.admin, "西湖", "customer") == [
        c.name for c in reversed(made) if c.pk != made[3].pk
    ]


def test_matching_ids_for_a_list_filter(world):
    from django.db.models.expressions import RawSQL

    from guanxi.customers.models import Customer
    from guanxi.search import query as fulltext

    with org_scope(world.org):
        whole = services.customer_create(
            actor=world.admin, name="杭州远航科技", phone="0571-88881234"
        )
        apart = services.customer_create(actor=world.admin, name="远航杭州贸易")
        services.customer_create(actor=world.admin, name="宁波港务", phone="0574-56565656")

        def found(value):
            sql, params = fulltext.matching_ids(value, org_id=world.org.pk, kind="customer")
            matched = Customer.objects.filter(pk__in=RawSQL(sql, params))
            return sorted(matched.values_list("pk", flat=True))

        assert found("远航") == sorted([whole.pk, apart.pk])  # the token alone decides
        assert found("1234") == [whole.pk] and found("8888") == [whole.pk]
        assert found("杭州远航") == [whole.pk]  # both tokens in both: the text decides
        assert found("远航科") == [whole.pk]
        assert fulltext.matching_ids("远", org_id=world.org.pk, kind="customer") is None
