"""GET /api/v1/search: an exact phone first, contacts by e-mail, and only what the
employee's data scope holds."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services

pytestmark = pytest.mark.django_db


def _items(client, q):
    answer = client.get("/api/v1/search", {"q": q})
    assert answer.status_code == 200
    return [(item["type"], item["title"]) for item in answer.json()["items"]]


@pytest.fixture
def phones(world):
    """The customer whose phone *is* the number is the oldest; the newer ones only hold it."""
    with org_scope(world.org):
        exact = services.customer_create(actor=world.rep_a, name="甲方贸易", phone="8765-4321")
        services.customer_create(actor=world.rep_a, name="乙方物流", phone="0571-87654321")
        services.customer_create(actor=world.rep_a, name="丙方机电", phone="87654321-808")
        services.customer_create(actor=world.rep_a, name="丁方茶业", finance_phone="4008765432199")
    return exact


def test_an_exact_phone_ranks_before_newer_fragment_matches(world, api, phones):
    client = api(world.rep_a)
    for query in ("87654321", "8765-4321", "8765 4321"):
        found = _items(client, query)
        assert found[0] == ("customer", "甲方贸易"), query
        # the fragment matches follow, newest first
        assert found[1:] == [("customer", "丁方茶业"), ("customer", "丙方机电"),
                             ("customer", "乙方物流")], query  # fmt: skip
    # a fragment alone: no exact match, newest first
    assert [title for _kind, title in _items(client, "8765")] == [
        "丁方茶业", "丙方机电", "乙方物流", "甲方贸易",
    ]  # fmt: skip
    # the whole number of a fragment match is exact for that one
    assert _items(client, "0571-87654321")[0] == ("customer", "乙方物流")


def test_an_exact_contact_mobile_ranks_first_among_contacts(world, api):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")
        services.contact_create(
            actor=world.rep_a, customer=customer, name="陈静", mobile="13612345678"
        )
        services.contact_create(
            actor=world.rep_a, customer=customer, name="王磊", office_phone="86-13612345678-1"
        )
    contacts = [t for kind, t in _items(api(world.rep_a), "136 1234 5678") if kind == "contact"]
    assert contacts == ["陈静", "王磊"]


@pytest.fixture
def tea(world):
    with org_scope(world.org):
        customer = services.customer_create(
            actor=world.rep_a, name="杭州西湖茶业有限公司", email="office@xihu-tea.example"
        )
        contact = services.contact_create(
            actor=world.rep_a,
            customer=customer,
            name="陈静",
            email="chen.jing@xihu-tea.example",
            mobile="13612345678",
        )
    return customer, contact


def test_a_contact_is_found_by_its_e_mail(world, api, tea):
    customer, contact = tea
    client = api(world.rep_a)
    found = client.get("/api/v1/search", {"q": "chen.jing@xihu-tea.example"}).json()["items"]
    assert found[0]["type"] == "contact" and found[0]["title"] == "陈静"
    assert found[0]["id"] == contact.pk
    assert found[0]["subtitle"] == "杭州西湖茶业有限公司"
    assert found[0]["url"] == f"/customers/{customer.pk}/"
    assert all(item["title"] != "杭州西湖茶业有限公司" for item in found)  # not its e-mail
    assert ("contact", "陈静") in _items(client, "chen.jing")  # a fragment of it
    # the domain both hold finds both, each under its kind
    both = _items(client, "xihu-tea")
    assert ("customer", "杭州西湖茶业有限公司") in both and ("contact", "陈静") in both
    # case does not matter
    assert _items(client, "CHEN.JING@XIHU-TEA.EXAMPLE")[0] == ("contact", "陈静")


def test_another_reps_customer_and_contact_are_never_found(world, other_world, api, tea):
    _customer, _contact = tea
    with org_scope(other_world.org):
        services.customer_create(
            actor=other_world.admin, name="杭州西湖茶业有限公司", phone="13612345678"
        )
    rep_b = api(world.rep_b)
    for query in ("西湖茶业", "HZXH", "xihu-tea", "chen.jing@xihu-tea.example", "13612345678",
                  "5678", "陈静"):  # fmt: skip
        assert _items(rep_b, query) == [], query
    # the owner finds them; the manager above both reps too; org B's never shows
    for client in (api(world.rep_a), api(world.manager)):
        found = _items(client, "西湖茶业")
        assert found == [("customer", "杭州西湖茶业有限公司")]
        assert ("contact", "陈静") in _items(client, "13612345678")
    # rep_b's own customer with the same name is found by rep_b, and only that one
    with org_scope(world.org):
        services.customer_create(actor=world.rep_b, name="西湖茶业华北分公司")
    assert _items(rep_b, "西湖茶业") == [("customer", "西湖茶业华北分公司")]
    assert len(_items(api(world.manager), "西湖茶业")) == 2


def test_a_handed_over_customer_moves_between_the_reps_results(world, api, tea):
    customer, _contact = tea
    with org_scope(world.org):
        services.customers_handover(
            actor=world.manager, from_employee=world.rep_a, to_employee=world.rep_b,
            customer_ids=[customer.pk],
        )  # fmt: skip
    assert _items(api(world.rep_a), "西湖茶业") == []
    assert _items(api(world.rep_b), "西湖茶业") == [("customer", "杭州西湖茶业有限公司")]
    assert ("contact", "陈静") in _items(api(world.rep_b), "chen.jing")
