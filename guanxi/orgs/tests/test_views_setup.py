"""Setup screens: system parameters, dictionaries and numbering rules."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.orgs import dictionaries, services
from guanxi.orgs.models import DictionaryEntry, NumberingRule, OrgSettings

pytestmark = pytest.mark.django_db

SETTINGS = reverse("orgs:settings")
DICTIONARIES = reverse("orgs:dictionary_list")
NUMBERING = reverse("orgs:numbering")
# session, user, employee, roles (access), the page's one or two reads; +2 for the shell
PAGE_QUERIES = 8


def text(response):
    return response.content.decode()


# ---- system parameters ----------------------------------------------------------------


def settings_state(org):
    with org_scope(org):
        values = OrgSettings.objects.values().get()
    values.pop("updated_at")
    return values


def settings_data(**changes):
    data = {
        "admin_email": "it@alpha.cn",
        "receivable_reminder_days": 10,
        "birthday_reminder_days": 5,
        "quote_decimals": 2,
        "contract_decimals": 2,
        "order_decimals": 3,
        "price_decimals": 4,
        "currency": "USD",
        "fiscal_year_start_month": 4,
        "churn_threshold_days": 120,
        "pool_return_days": 45,
        "pool_claim_limit": 80,
        "repurchase_cycle_days": 30,
        "renewal_reminder_days": 14,
        "letterhead_address": "上海市浦东新区世纪大道100号",
        "letterhead_phone": "021-5888 0000",
        "letterhead_email": "sales@alpha.cn",
        "letterhead_website": "www.alpha.cn",
        "quote_discount_limit": "15.5",
        "credit_check_mode": "refuse",
        "credit_overdue_days": 10,
        "credit_overdue_amount": "5000",
        "work_start": "08:30",
        "work_end": "17:30",
        "work_days": [1, 2, 3, 4, 5, 6],
    }
    data.update(changes)
    return data


def test_settings_page_shows_current_values(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(SETTINGS)
    page = text(response)
    assert response.status_code == 200
    assert 'value="CNY"' in page and 'value="09:00"' in page
    assert re.search(r'name="work_days" value="5"[^>]*checked', page)
    assert not re.search(r'name="work_days" value="6"[^>]*checked', page)
    for day in ("周一", "周日"):
        assert day in page


def test_save_every_parameter(world, other_world, web):
    other_before = settings_state(other_world.org)
    response = web(world.admin).post(SETTINGS, settings_data(), follow=True)
    assert "系统参数已保存" in text(response)
    with org_scope(world.org):
        saved = OrgSettings.objects.get()
    assert saved.admin_email == "it@alpha.cn" and saved.currency == "USD"
    assert (saved.order_decimals, saved.price_decimals) == (3, 4)
    assert saved.fiscal_year_start_month == 4 and saved.churn_threshold_days == 120
    assert (saved.pool_return_days, saved.pool_claim_limit) == (45, 80)
    assert saved.repurchase_cycle_days == 30
    assert saved.renewal_reminder_days == 14
    assert saved.letterhead_address == "上海市浦东新区世纪大道100号"
    assert (saved.letterhead_phone, saved.letterhead_email) == ("021-5888 0000", "sales@alpha.cn")
    assert saved.quote_discount_limit == Decimal("15.5") and saved.credit_check_mode == "refuse"
    assert (saved.credit_overdue_days, saved.credit_overdue_amount) == (10, Decimal("5000"))
    assert saved.work_start == datetime.time(8, 30) and saved.work_end == datetime.time(17, 30)
    assert saved.work_days == [1, 2, 3, 4, 5, 6]
    assert settings_state(other_world.org) == other_before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"work_end": "08:00"}, "下班时间必须晚于上班时间"),
        ({"work_days": []}, "请至少选择一个工作日"),
        ({"work_days": [8]}, "选择一个有效的选项"),
        ({"currency": "usd"}, "请输入三位大写货币代码"),
        ({"quote_decimals": 9}, "确保该值小于或等于6"),
        ({"quote_discount_limit": "101"}, "确保该值小于或等于100"),
        ({"credit_check_mode": "maybe"}, "选择一个有效的选项"),
        ({"letterhead_email": "sales-at-alpha"}, "请输入合法的邮件地址"),
        ({"credit_overdue_amount": "-1"}, "确保该值大于或等于0"),
        ({"fiscal_year_start_month": 13}, "确保该值小于或等于12"),
        ({"admin_email": "not-mail"}, "请输入合法的邮件地址"),
        ({"churn_threshold_days": "abc"}, "输入整数"),
    ],
)
def test_bad_parameters_show_errors_and_change_nothing(world, web, changes, message):
    before = settings_state(world.org)
    response = web(world.admin).post(SETTINGS, settings_data(**changes))
    assert response.status_code == 400
    assert message in text(response)
    assert settings_state(world.org) == before


def test_readonly_sees_parameters_but_cannot_save(world, web):
    before = settings_state(world.org)
    client = web(world.readonly)
    page = text(client.get(SETTINGS))
    assert "您只能查看系统参数" in page and 'data-testid="save"' not in page
    assert client.post(SETTINGS, settings_data()).status_code == 403
    assert settings_state(world.org) == before


def test_rep_cannot_see_parameters(world, web):
    assert web(world.rep_a).get(SETTINGS).status_code == 403


# ---- dictionaries ---------------------------------------------------------------------


def kind_url(kind):
    return reverse("orgs:dictionary_kind", args=[kind])


def entry_url(name, entry):
    return reverse(f"orgs:dictionary_entry_{name}", args=[entry.pk])


def entries(org, kind="customer_level"):
    with org_scope(org):
        return list(
            DictionaryEntry.objects.filter(kind=kind)
            .order_by("sort_order", "id")
            .values_list("code", "label", "label_en", "color", "is_active", "sort_order")
        )


def entry(org, code, kind="customer_level"):
    with org_scope(org):
        return DictionaryEntry.objects.get(kind=kind, code=code)


def test_dictionary_list_counts_every_kind(world, other_world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with org_scope(world.org):
        services.dictionary_entry_update(
            actor=world.admin, entry=entry(world.org, "minor"), is_active=False
        )
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(DICTIONARIES)
    page = text(response)
    for kind, label in dictionaries.KINDS.items():
        assert f'data-kind="{kind}"' in page and str(label) in page
    row = re.search(r'data-kind="customer_level">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)</td>", row) == ["2", "3"]  # active, total (org B not counted)


def test_kind_page_lists_entries_in_order_with_swatches(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with django_assert_max_num_queries(PAGE_QUERIES):
        page = text(client.get(kind_url("customer_level")))
    assert page.index("重点客户") < page.index("普通客户") < page.index("一般客户")
    assert '<rect width="16" height="16" rx="3" fill="#d63939"/>' in page
    assert 'data-color="#d63939"' in page
    assert "style=" not in page


def test_add_entry(world, web):
    response = web(world.admin).post(
        kind_url("customer_level"),
        {
            "new-code": "vip",
            "new-label": "贵宾客户",
            "new-label_en": "VIP",
            "new-color": "#aa00ff",
            "new-is_active": "on",
        },
        follow=True,
    )
    assert "已添加“贵宾客户”" in text(response)
    assert entries(world.org)[-1] == ("vip", "贵宾客户", "VIP", "#aa00ff", True, 30)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"new-code": "key"}, "该字典中已有相同代码"),
        ({"new-code": "Bad Code"}, "代码只能包含小写字母、数字和下划线"),
        ({"new-color": "red"}, "颜色格式应为 #RRGGBB"),
        ({"new-label": ""}, "该字段是必填项"),
    ],
)
def test_add_entry_bad_input(world, web, changes, message):
    before = entries(world.org)
    data = {"new-code": "vip", "new-label": "贵宾客户", "new-is_active": "on", **changes}
    response = web(world.admin).post(kind_url("customer_level"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert entries(world.org) == before


def test_edit_entry_keeps_its_code(world, web):
    key = entry(world.org, "key")
    client = web(world.admin)
    page = text(client.get(entry_url("edit", key)))
    assert 'value="key" readonly' in page
    response = client.post(
        entry_url("edit", key),
        {"code": "hacked", "label": "核心客户", "label_en": "Core", "color": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert entries(world.org)[0] == ("key", "核心客户", "Core", "", True, 0)


def test_edit_entry_bad_colour(world, web):
    key = entry(world.org, "key")
    before = entries(world.org)
    response = web(world.admin).post(
        entry_url("edit", key), {"label": "核心客户", "color": "#12345", "is_active": "on"}
    )
    assert response.status_code == 400
    assert "颜色格式应为 #RRGGBB" in text(response)
    assert entries(world.org) == before


def test_deactivate_and_activate(world, web):
    key = entry(world.org, "key")
    client = web(world.admin)
    response = client.post(entry_url("toggle", key), follow=True)
    assert "已停用“重点客户”" in text(response)
    assert not entry(world.org, "key").is_active
    client.post(entry_url("toggle", key))
    assert entry(world.org, "key").is_active


def test_delete_entry(world, web):
    minor = entry(world.org, "minor")
    response = web(world.admin).post(entry_url("delete", minor), follow=True)
    assert "已删除“一般客户”" in text(response)
    assert [row[0] for row in entries(world.org)] == ["key", "normal"]


def test_move_up_and_down(world, web):
    client = web(world.admin)
    client.post(entry_url("move", entry(world.org, "minor")), {"direction": "up"})
    assert [row[0] for row in entries(world.org)] == ["key", "minor", "normal"]
    client.post(entry_url("move", entry(world.org, "key")), {"direction": "down"})
    assert [row[0] for row in entries(world.org)] == ["minor", "key", "normal"]
    # the first cannot go further up: nothing changes
    before = entries(world.org)
    client.post(entry_url("move", entry(world.org, "minor")), {"direction": "up"})
    assert entries(world.org) == before


def test_move_with_bad_direction_changes_nothing(world, web):
    before = entries(world.org)
    response = web(world.admin).post(
        entry_url("move", entry(world.org, "key")), {"direction": "sideways"}
    )
    assert response.status_code == 400
    assert entries(world.org) == before


def test_unknown_kind_is_404(world, web):
    client = web(world.admin)
    assert client.get(kind_url("nonsense")).status_code == 404
    assert client.post(kind_url("nonsense"), {"new-code": "x", "new-label": "x"}).status_code == 404


def test_readonly_sees_dictionaries_but_cannot_change_them(world, web):
    key = entry(world.org, "key")
    before = entries(world.org)
    client = web(world.readonly)
    page = text(client.get(kind_url("customer_level")))
    assert "重点客户" in page
    assert 'data-testid="entry-form"' not in page and 'data-testid="entry-delete"' not in page
    posts = [
        (kind_url("customer_level"), {"new-code": "vip", "new-label": "贵宾"}),
        (entry_url("edit", key), {"label": "改", "is_active": "on"}),
        (entry_url("toggle", key), {}),
        (entry_url("delete", key), {}),
        (entry_url("move", key), {"direction": "down"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert entries(world.org) == before


def test_rep_cannot_open_dictionaries(world, web):
    client = web(world.rep_a)
    assert client.get(DICTIONARIES).status_code == 403
    assert client.get(kind_url("industry")).status_code == 403


def test_other_orgs_entry_is_404(world, other_world, web):
    theirs = entry(other_world.org, "key")
    before = entries(other_world.org)
    client = web(world.admin)
    assert client.get(entry_url("edit", theirs)).status_code == 404
    for name, data in [
        ("edit", {"label": "改", "is_active": "on"}),
        ("toggle", {}),
        ("delete", {}),
        ("move", {"direction": "down"}),
    ]:
        assert client.post(entry_url(name, theirs), data).status_code == 404
    assert entries(other_world.org) == before


# ---- numbering rules ------------------------------------------------------------------


def rules(org):
    with org_scope(org):
        return dict(NumberingRule.objects.values_list("target", "pattern"))


@time_machine.travel(datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_numbering_list_shows_patterns_and_examples(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    with django_assert_max_num_queries(PAGE_QUERIES):
        page = text(client.get(NUMBERING))
    row = re.search(r'data-target="customer">(.*?)</tr>', page, re.S).group(1)
    assert "KH-{yyyy}-{seq:05}" in row and "KH-2026-00001" in row
    assert "DD-20260309-0001" in page
    assert "{seq:05}" in page and "{mm}" in page  # the tokens are explained


@time_machine.travel(datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_edit_a_rule(world, other_world, web):
    other_before = rules(other_world.org)
    client = web(world.admin)
    page = text(client.get(reverse("orgs:numbering_edit", args=["customer"])))
    assert 'value="KH-{yyyy}-{seq:05}"' in page and "KH-2026-00001" in page
    response = client.post(
        reverse("orgs:numbering_edit", args=["customer"]), {"pattern": "C{yy}{mm}-{seq:03}"}
    )
    assert response.status_code == 302
    assert rules(world.org)["customer"] == "C{yy}{mm}-{seq:03}"
    assert "C2603-001" in text(client.get(NUMBERING))
    assert rules(other_world.org) == other_before


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("KH-{yyyy}", "必须恰好包含一个 {seq} 序号占位符"),
        ("KH-{week}-{seq:03}", "未知的编号占位符：week"),
        ("客户-{seq:05}", "固定部分只能包含字母、数字"),
        ("", "该字段是必填项"),
    ],
)
def test_invalid_rule_shows_the_error(world, web, pattern, message):
    before = rules(world.org)
    response = web(world.admin).post(
        reverse("orgs:numbering_edit", args=["customer"]), {"pattern": pattern}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert rules(world.org) == before


def test_unknown_target_is_404(world, web):
    client = web(world.admin)
    url = reverse("orgs:numbering_edit", args=["spaceship"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"pattern": "X-{seq:03}"}).status_code == 404


def test_readonly_cannot_change_rules(world, web):
    before = rules(world.org)
    client = web(world.readonly)
    url = reverse("orgs:numbering_edit", args=["customer"])
    page = text(client.get(url))
    assert 'data-testid="save"' not in page
    assert client.post(url, {"pattern": "X-{seq:03}"}).status_code == 403
    assert rules(world.org) == before


def test_rep_cannot_open_numbering(world, web):
    client = web(world.rep_a)
    assert client.get(NUMBERING).status_code == 403
    assert client.get(reverse("orgs:numbering_preview"), {"pattern": "A{seq}"}).status_code == 403


@time_machine.travel(datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_live_preview(world, web):
    client = web(world.admin)
    url = reverse("orgs:numbering_preview")
    good = text(client.get(url, {"pattern": "HT/{yyyy}/{seq:04}"}))
    assert "HT/2026/0001" in good and "HT/2026/0002" in good
    bad = text(client.get(url, {"pattern": "HT-{yyyy}"}))
    assert "必须恰好包含一个 {seq} 序号占位符" in bad
