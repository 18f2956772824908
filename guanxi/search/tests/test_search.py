"""The global search box (today: employees and departments)."""

import pytest

pytestmark = pytest.mark.django_db


def test_finds_employees_and_departments_of_own_org_only(world, other_world, web):
    page = web(world.admin).get("/search/", {"q": "华东"}).content.decode()
    assert "华东组" in page
    assert web(world.admin).get("/search/", {"q": "张三"}).content.decode().count("张三") >= 1
    other = web(other_world.admin).get("/search/", {"q": "张三"}).content.decode()
    assert f"/setup/employees/{world.rep_a.pk}/" not in other


def test_respects_permissions(world, web):
    page = web(world.rep_a).get("/search/", {"q": "张三"}).content.decode()
    assert "search-employees" not in page  # reps may not browse the staff list


def test_short_query_asks_for_more(world, web):
    assert "请至少输入 2 个字符" in web(world.admin).get("/search/", {"q": "张"}).content.decode()


def test_needs_sign_in(db, client):
    assert client.get("/search/", {"q": "张三"}).status_code == 302
