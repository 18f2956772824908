"""Duplicate detection: the "very similar name" rule, the candidates the search index
gives, the create form's live warning and the create answer of the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.customers import selectors, services

SIMILAR = [
    ("华为技术", "华为技木"),  # a typo in the business word
    ("华为技术", "华为科技"),  # the same brand, a near business word
    ("华为技术", "华为技术服务"),  # an extra word
    ("华为技术", "华为"),  # the bare brand
    ("华为技术", "华为通信技术"),
    ("宏达机电设备", "宏达机械"),
    ("海康威视", "海康威士"),  # a typo at the end of a long brand
    ("海康威视数字技术", "海康威视数字科技"),
    ("远洋物流", "远洋货运"),
    ("acmetrading", "acmetradin"),
    ("京东世纪贸易", "京东世纪商贸"),
    ("阿里巴巴网络技术", "阿里巴巴网络科技"),
    ("小米科技", "小米通讯技术"),
]

DIFFERENT = [
    ("华为技术", "联想技术"),  # other brands in the same trade
    ("远航科技", "远洋科技"),  # one character of a two-character brand
    ("华信科技", "华信贸易"),  # the same brand in a far trade: another company
    ("海康威视科技", "海康卫视科技"),  # a changed brand with its trade: another company
    ("华为技术", "华为终端"),  # an unknown word is not a near one
    ("阿里巴巴", "阿里妈妈"),
    ("中信", "中兴"),
    ("华为技术", "技术华为"),
    ("acme", "acne"),  # short Latin names
    ("中国建筑第八工程局", "中国建筑第七工程局"),  # a number names another company
    ("华为技术一部", "华为技术二部"),
    ("网易科技", "网易传媒"),
    ("平安保险", "平安银行"),
    ("招商银行", "招商证券"),
]


@pytest.mark.parametrize(("a", "b"), SIMILAR)
def test_similar_cores(a, b):
    assert selectors.similar_cores(a, b)
    assert selectors.similar_cores(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_cores(a, b):
    assert not selectors.similar_cores(a, b)
    assert not selectors.similar_cores(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [("王建国", "王建军"), ("欧阳建国", "欧阳建军"), ("张伟", "张卫"), ("李娜", "李娜娜")],
)
def test_people_with_a_common_surname_are_not_similar(a, b):
    assert selectors.looks_like_person(a) and selectors.looks_like_person(b)
    assert not selectors.similar_cores(a, b, people=True)


def test_equal_cores_are_the_exact_rule_not_the_similar_one():
    assert not selectors.similar_cores("华为技术", "华为技术")
    assert selectors.name_core("北京华为") == selectors.name_core("华为（北京）")


def test_a_city_with_its_suffix_is_a_place():
    assert selectors.name_core("深圳市腾讯科技有限公司") == "腾讯科技"
    assert selectors.name_core("北京市华为技术有限公司") == selectors.name_core("华为技术（北京）")


@pytest.mark.parametrize(
    ("name", "person"),
    [("王建国", True), ("欧阳建国", True), ("华为技术", False), ("华为有限公司", False)],
)
def test_looks_like_person(name, person):
    assert selectors.looks_like_person(name) is person


def test_split_core_reads_business_words_from_the_end():
    assert selectors.split_core("华为技术服务") == ("华为", frozenset({"tech", "service"}))
    assert selectors.split_core("海康威视数字技术") == ("海康威视", frozenset({"tech"}))
    assert selectors.split_core("华为技木") == ("华为技木", frozenset())
    assert selectors.split_core("科技") == ("科技", frozenset())  # two characters stay
    assert selectors.split_core("华为国际") == ("华为", frozenset())  # a neutral word


@pytest.fixture
def book(world):
    """rep_a's customers, and one of rep_b's that rep_a may not see."""
    with org_scope(world.org):
        mine = services.customer_create(
            actor=world.rep_a,
            name="北京华为技术有限公司",
            phone="010-88886666",
            email="info@hw.example",
        )
        services.customer_create(actor=world.rep_a, name="北京联想技术有限公司")
        services.customer_create(actor=world.rep_a, name="杭州远航科技有限公司")
        services.customer_create(actor=world.rep_a, name="王建国", is_person=True)
        theirs = services.customer_create(
            actor=world.manager, owner=world.rep_b, name="杭州海康威视数字技术股份有限公司"
        )
    return mine, theirs


def _check(world, employee=None, **entered):
    with org_scope(world.org):
        visible, hidden = selectors.duplicate_candidates(
            employee=employee or world.rep_a, **entered
        )
    return [(c.name, str(c.duplicate_reason)) for c in visible], hidden


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        ({"name": "华为技木有限公司"}, ("北京华为技术有限公司", "名称相似")),
        ({"name": "华为科技（深圳）有限公司"}, ("北京华为技术有限公司", "名称相似")),
        ({"name": "华为技术（北京）有限公司"}, ("北京华为技术有限公司", "名称相同")),
        ({"name": "北京华为"}, ("北京华为技术有限公司", "名称相似")),
        ({"name": "华为"}, ("北京华为技术有限公司", "名称相似")),  # a bare brand
        ({"phone": "(010) 8888-6666"}, ("北京华为技术有限公司", "电话相同")),
        ({"email": " INFO@hw.example"}, ("北京华为技术有限公司", "电子邮件相同")),
    ],
)
def test_duplicates_by_rule_with_their_reason(world, book, entered, expected):
    assert _check(world, **entered) == ([expected], 0)


@pytest.mark.parametrize(
    "name",
    [
        "北京小米技术有限公司",
        "杭州远洋科技有限公司",
        "王建军",
        "华为终端有限公司",
        "北京技术有限公司",
    ],
)
def test_other_companies_and_people_are_not_flagged(world, book, name):
    assert _check(world, name=name) == ([], 0)


def test_a_brand_in_the_same_city_and_trade_finds_only_itself(world, book):
    assert _check(world, name="北京联想技术有限公司") == (
        [("北京联想技术有限公司", "名称相同")],
        0,
    )


def test_exact_matches_come_before_similar_ones(world, book):
    with org_scope(world.org):
        services.customer_create(actor=world.rep_a, name="华为科技有限公司")
    visible, _hidden = _check(world, name="华为技术有限公司", phone="01088886666")
    assert visible == [("北京华为技术有限公司", "电话相同"), ("华为科技有限公司", "名称相似")]


def test_similar_matches_outside_the_scope_are_counted_not_shown(world, book):
    assert _check(world, name="海康威视数字科技有限公司") == ([], 1)
    visible, hidden = _check(world, world.manager, name="海康威视数字科技有限公司")
    assert visible == [("杭州海康威视数字技术股份有限公司", "名称相似")] and hidden == 0


def test_the_customer_being_edited_is_left_out(world, book):
    mine, _theirs = book
    with org_scope(world.org):
        visible, hidden = selectors.duplicate_candidates(
            employee=world.rep_a, name="华为技木有限公司", exclude=mine.pk
        )
    assert visible == [] and hidden == 0


def test_a_check_is_three_queries_however_many_customers_share_a_word(world, book):
    with org_scope(world.org):
        for i in range(30):
            services.customer_create(actor=world.rep_a, name=f"华为科技（第{i}分部）有限公司")
        selectors.duplicate_candidates(employee=world.rep_a, name="预热")  # permissions cached
        with CaptureQueriesContext(connection) as queries:
            visible, hidden = selectors.duplicate_candidates(
                employee=world.rep_a,
                name="华为技术有限公司",
                phone="010-88886666",
                email="info@hw.example",
            )
    # the index lookup, the candidates' names and keys, the matches shown
    assert len(queries) == 3, [q["sql"] for q in queries]
    assert "search_fts" in queries[0]["sql"] or "tsquery" in queries[0]["sql"]
    assert not any("LIKE" in q["sql"].upper() for q in queries)  # no scan of names
    assert visible[0].name == "北京华为技术有限公司"
    assert str(visible[0].duplicate_reason) == "电话相同"
    assert len(visible) == selectors.SIMILAR_LIMIT and hidden == 0


def test_the_candidate_set_is_bounded(world, book, monkeypatch):
    from guanxi.search import lookup

    found = []

    def spy(**kwargs):
        found.append(real(**kwargs))
        return found[-1]

    real = lookup.object_ids
    monkeypatch.setattr(selectors, "CANDIDATE_FETCH", 3)
    monkeypatch.setattr(lookup, "object_ids", spy)
    with org_scope(world.org):
        for i in range(6):
            services.customer_create(actor=world.rep_a, name=f"华为科技（第{i}分部）有限公司")
        visible, _hidden = selectors.duplicate_candidates(
            employee=world.rep_a, name="华为技术有限公司", phone="010-88886666"
        )
    # three by the phone key at most, three by the name's tokens at most (the newest)
    assert len(found) == 1 and len(found[0]) <= 6
    # the phone match is not crowded out by the names
    assert visible[0].pk == book[0].pk and str(visible[0].duplicate_reason) == "电话相同"
    assert len(visible) == 4


# ---- the create form's live warning ----------------------------------------------------


def test_partial_warns_of_a_similar_name_with_open_links(world, web, book):
    mine, _theirs = book
    client = web(world.rep_a)
    client.get(reverse("customers:duplicates"), {"name": "预热"})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("customers:duplicates"), {"name": "华为技木有限公司"})
    html = page.content.decode()
    assert 'data-testid="duplicate-warning"' in html
    assert f'href="/customers/{mine.pk}/"' in html and "名称相似" in html
    assert 'data-testid="merge-duplicate"' not in html  # nothing to merge into yet
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_partial_offers_merge_when_editing(world, web, book):
    mine, _theirs = book
    with org_scope(world.org):
        other = services.customer_create(actor=world.rep_a, name="华为科技有限公司")
    html = (
        web(world.manager)
        .get(reverse("customers:duplicates"), {"name": "华为科技有限公司", "exclude": other.pk})
        .content.decode()
    )
    assert f"ids={other.pk},{mine.pk}" in html and 'data-testid="merge-duplicate"' in html


def test_partial_hides_what_is_outside_the_scope(world, web, book):
    html = (
        web(world.rep_a)
        .get(reverse("customers:duplicates"), {"name": "海康威视数字科技"})
        .content.decode()
    )
    assert "海康威视" not in html and "不在您的数据权限内" in html


def test_create_form_stops_at_a_similar_name_until_confirmed(world, web, book):
    client = web(world.rep_a)
    url = reverse("customers:customer_create")
    data = {"name": "华为科技有限公司", "lifecycle_stage": "target"}
    warned = client.post(url, data)
    assert warned.status_code == 200 and "名称相似" in warned.content.decode()
    assert client.post(url, {**data, "allow_duplicate": "1"}).status_code == 302


# ---- the API's create answer -----------------------------------------------------------


def test_api_create_answers_with_possible_duplicates(world, api, book):
    mine, _theirs = book
    client = api(world.rep_a)
    created = client.post("/api/v1/customers", {"name": "华为科技（深圳）有限公司"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "华为科技（深圳）有限公司" and body["id"] != mine.pk
    assert body["possible_duplicates"] == {
        "items": [{"id": mine.pk, "name": "北京华为技术有限公司", "reason": "名称相似"}],
        "hidden_count": 0,
    }


def test_api_create_counts_duplicates_outside_the_scope(world, api, book):
    body = (
        api(world.rep_a)
        .post("/api/v1/customers", {"name": "海康威视数字科技有限公司"}, format="json")
        .json()
    )
    assert body["possible_duplicates"] == {"items": [], "hidden_count": 1}


def test_api_create_without_duplicates_keeps_its_answer(world, api, book):
    created = api(world.rep_a).post("/api/v1/customers", {"name": "全新客户"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["possible_duplicates"] == {"items": [], "hidden_count": 0}
    assert {"id", "code", "name", "owner", "version"} <= set(body)


def test_api_create_reports_the_reason_in_english(world, api, book):
    created = api(world.rep_a).post(
        "/api/v1/customers",
        {"name": "新客户", "phone": "010 8888 6666"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    items = created.json()["possible_duplicates"]["items"]
    assert [item["reason"] for item in items] == ["Same phone"]


def test_openapi_documents_possible_duplicates():
    from guanxi.api.schema import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    create = schema["paths"]["/api/v1/customers"]["post"]
    answer = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][answer.rsplit("/", 1)[-1]]
    assert "possible_duplicates" in component["properties"]
    request = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request.endswith("/CustomerRequest")
