"""The division tree behind the region pickers, and reading region text back."""

import json

import pytest

from guanxi.core import regions


def test_tree_has_every_province_with_the_usual_levels():
    tree = regions.tree()
    names = [p.name for p in tree.provinces]
    # 23 provinces (Taiwan included), 5 autonomous regions, 4 municipalities, Hong Kong, Macao
    assert len(names) == 34
    assert {"北京市", "广东省", "新疆维吾尔自治区", "香港特别行政区", "台湾省"} <= set(names)
    guangdong = tree.by_code["440000"]
    shenzhen = next(c for c in guangdong.children if c.name == "深圳市")
    assert {"南山区", "福田区", "宝安区"} <= {d.name for d in shenzhen.children}


def test_municipalities_list_their_districts_directly():
    beijing = regions.tree().by_code["110000"]
    assert "东城区" in [c.name for c in beijing.children]
    assert "北京市" not in [c.name for c in beijing.children]
    chongqing = regions.tree().by_code["500000"]
    assert {"渝中区", "酉阳土家族苗族自治县"} <= {c.name for c in chongqing.children}


def test_province_administered_cities_stand_at_the_city_level():
    hubei = regions.tree().by_code["420000"]
    assert "仙桃市" in [c.name for c in hubei.children]
    henan = regions.tree().by_code["410000"]
    assert "济源市" in [c.name for c in henan.children]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("广东省 深圳市 南山区", "广东省 深圳市 南山区"),
        ("广东 深圳 南山", "广东省 深圳市 南山区"),
        ("广东省/深圳市/南山区", "广东省 深圳市 南山区"),
        ("广东省深圳市南山区", "广东省 深圳市 南山区"),
        ("北京 东城", "北京市 东城区"),
        ("北京市 北京市 东城区", "北京市 东城区"),
        ("湖北 仙桃", "湖北省 仙桃市"),
        ("香港", "香港特别行政区"),
        ("  浙江省  ", "浙江省"),
        # not wholly a region: kept as written, nothing dropped
        ("广东省 深圳市 科技园南区", "广东省 深圳市 科技园南区"),
        ("美国 加利福尼亚州", "美国 加利福尼亚州"),
        ("", ""),
    ],
)
def test_canonical_names_a_region_fully_or_keeps_the_text(text, expected):
    assert regions.canonical(text) == expected


def test_json_for_the_pickers_nests_codes_names_and_children():
    data = json.loads(regions.as_json())
    guangdong = next(p for p in data if p[1] == "广东省")
    assert guangdong[0] == "440000"
    shenzhen = next(c for c in guangdong[2] if c[1] == "深圳市")
    assert ["440305", "南山区", []] in shenzhen[2]


@pytest.mark.django_db
def test_regions_view_needs_a_signed_in_employee_and_is_cacheable(world, client):
    assert client.get("/core/regions.json").status_code in (302, 403)
    client.force_login(world.rep_a.user)
    response = client.get("/core/regions.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "max-age=86400" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response.json()[0][1] == "北京市"
    again = client.get("/core/regions.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
