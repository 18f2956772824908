"""The global search box and GET /api/v1/search."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(world, other_world):
    with org_scope(world.org):
        mine = services.customer_create(
            actor=world.rep_a, name="杭州西湖茶叶有限公司", phone="0571-87654321"
        )
        services.contact_create(actor=world.rep_a, customer=mine, name="单丽", mobile="13912345678")
        theirs = services.customer_create(actor=world.rep_b, name="西湖区第二茶厂")
    with org_scope(other_world.org):
        services.customer_create(actor=other_world.rep_a, name="西湖外组织客户")
    return mine, theirs


def _titles(client, q):
    return [item["title"] for item in client.get("/api/v1/search", {"q": q}).json()["items"]]


def test_finds_by_fragment_pinyin_phone_and_code_within_scope(world, api, customers):
    mine, _theirs = customers
    rep = api(world.rep_a)
    assert _titles(rep, "西湖") == ["杭州西湖茶叶有限公司"]  # rep_b's and org B's are hidden
    assert "杭州西湖茶叶有限公司" in _titles(rep, "HZXH")
    assert "杭州西湖茶叶有限公司" in _titles(rep, "hangzhou")
    assert "杭州西湖茶叶有限公司" in _titles(rep, "87654321")
    assert "单丽" in _titles(rep, "SL")
    assert "单丽" in _titles(rep, "5678")
    assert _titles(rep, mine.code)[0] == "杭州西湖茶叶有限公司"
    manager = api(world.manager)
    assert set(_titles(manager, "西湖")) == {"杭州西湖茶叶有限公司", "西湖区第二茶厂"}


def test_names_starting_with_the_query_rank_first(world, api, customers):
    assert _titles(api(world.manager), "西湖")[0] == "西湖区第二茶厂"


def test_search_page_groups_hits(world, web, customers):
    page = web(world.manager).get("/search/", {"q": "西湖"}).content.decode()
    assert (
        "杭州西湖茶叶有限公司" in page and "西湖区第二茶厂" in page and "西湖外组织客户" not in page
    )


def test_employees_and_departments_for_those_who_may_browse_them(world, web):
    page = web(world.admin).get("/search/", {"q": "华东"}).content.decode()
    assert "华东组" in page
    rep_page = web(world.rep_a).get("/search/", {"q": "张三"}).content.decode()
    assert 'data-kind="employee"' not in rep_page  # reps may not browse the staff list


def test_short_query_and_sign_in(world, web, client, api):
    assert "请至少输入 2 个字符" in web(world.admin).get("/search/", {"q": "张"}).content.decode()
    assert api(world.admin).get("/api/v1/search", {"q": "x"}).json()["items"] == []
    client.logout()
    assert client.get("/search/", {"q": "张三"}).status_code == 302
