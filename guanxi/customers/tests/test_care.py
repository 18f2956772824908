"""Customer care (客户关怀): upcoming birthdays/anniversaries, care tasks, bell, start page."""

import datetime

import pytest
import time_machine
from django.core.cache import cache

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import care, services
from guanxi.customers.models import CareTask, Contact, Customer
from guanxi.orgs.models import OrgSettings

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _customer(world, owner, name="关怀客户", registered_on=None):
    with org_scope(world.org):
        extra = {"registered_on": registered_on} if registered_on else {}
        return services.customer_create(actor=world.admin, name=name, owner=owner, **extra)


def _contact(world, customer, owner, birthday, name="王小明"):
    with org_scope(world.org):
        return services.contact_create(
            actor=world.admin, customer=customer, name=name, owner=owner, birthday=birthday
        )


def test_month_day_columns_are_kept_on_save(world):
    customer = _customer(world, world.rep_a, registered_on=D(2020, 7, 9))
    contact = _contact(world, customer, world.rep_a, D(1990, 12, 30))
    assert customer.anniversary_md == 709 and contact.birthday_md == 1230
    with org_scope(world.org):
        services.contact_update(actor=world.admin, contact=contact, birthday=None)
        assert Contact.objects.get(pk=contact.pk).birthday_md is None


def test_window_wraps_the_year_and_keeps_feb_29_on_feb_28():
    dates = care.window(D(2026, 12, 30), 3)
    assert dates == {1230: D(2026, 12, 30), 1231: D(2026, 12, 31), 101: D(2027, 1, 1),
                     102: D(2027, 1, 2)}  # fmt: skip
    assert care.window(D(2027, 2, 27), 1)[229] == D(2027, 2, 28)
    assert care.window(D(2028, 2, 28), 1) == {228: D(2028, 2, 28), 229: D(2028, 2, 29)}


def test_upcoming_over_the_year_end_and_feb_29(world):
    customer = _customer(world, world.rep_a, registered_on=D(2023, 1, 1))
    _contact(world, customer, world.rep_a, D(1988, 1, 2), "跨年")
    _contact(world, customer, world.rep_a, D(1992, 2, 29), "闰日")
    _contact(world, customer, world.rep_a, D(1990, 1, 5), "太远")
    with org_scope(world.org):
        items = care.upcoming(employee=world.rep_a, today=D(2026, 12, 30), days=3)
        assert [(i["kind"], i["name"], i["date"]) for i in items] == [
            ("anniversary", "关怀客户", D(2027, 1, 1)),
            ("birthday", "跨年", D(2027, 1, 2)),
        ]
        assert items[0]["years"] == 4 and items[0]["days_left"] == 2
        items = care.upcoming(employee=world.rep_a, today=D(2027, 2, 26), days=3)
        assert [(i["name"], i["date"]) for i in items] == [("闰日", D(2027, 2, 28))]


def test_rep_sees_only_their_own_records_reminders(world):
    today = D(2026, 5, 10)
    mine = _customer(world, world.rep_a, "甲公司")
    theirs = _customer(world, world.rep_b, "乙公司")
    _contact(world, mine, world.rep_a, D(1990, 5, 11), "甲联系人")
    _contact(world, theirs, world.rep_b, D(1990, 5, 11), "乙联系人")
    with org_scope(world.org):
        names = {i["name"] for i in care.upcoming(employee=world.rep_a, today=today)}
        assert names == {"甲联系人"}
        names = {i["name"] for i in care.upcoming(employee=world.manager, today=today)}
        assert names == {"甲联系人", "乙联系人"}


def test_daily_generation_is_idempotent_and_assigns_owners(world, other_world):
    customer = _customer(world, world.rep_a, registered_on=D(2024, 5, 12))
    _contact(world, customer, world.rep_b, D(1985, 5, 11))
    today = D(2026, 5, 10)
    assert care.care_generate(org=world.org, today=today) == 2
    assert care.care_generate(org=world.org, today=today) == 0
    assert care.care_generate(org=world.org, today=today + datetime.timedelta(days=1)) == 0
    with org_scope(world.org):
        birthday = CareTask.objects.get(kind="birthday")
        assert birthday.assignee == world.rep_b and birthday.due_on == D(2026, 5, 11)
        anniversary = CareTask.objects.get(kind="anniversary")
        assert anniversary.assignee == world.rep_a and "2 周年" in anniversary.title
        care.care_task_cancel(actor=world.rep_b, task=birthday)
    assert care.care_generate(org=world.org, today=today) == 0  # a cancelled one stays cancelled
    with all_orgs():
        assert not CareTask.objects.filter(org=other_world.org).exists()


def test_task_create_complete_cancel_and_history(world):
    customer = _customer(world, world.rep_a)
    with org_scope(world.org):
        task = care.care_task_create(
            actor=world.rep_a, customer=customer, title="送中秋礼盒", due_on="2026-09-20"
        )
        assert task.assignee == world.rep_a and task.status == "open"
        done = care.care_task_complete(actor=world.rep_a, task=task, note="送了月饼")
        assert done.status == "done" and done.done_at and done.note == "送了月饼"
        with pytest.raises(BusinessRuleError):
            care.care_task_cancel(actor=world.rep_a, task=task)
        assert list(care.care_history(employee=world.rep_a, customer=customer)) == [done]
        with pytest.raises(Exception) as exc:
            care.care_task_create(actor=world.rep_a, customer=customer, title="", due_on="x")
        assert set(exc.value.message_dict) == {"title", "due_on"}
        other = _customer(world, world.rep_b, "别人的")
        with pytest.raises(Exception) as exc:
            care.care_task_create(actor=world.rep_a, customer=other, title="x", due_on="2026-01-01")
        assert "customer" in exc.value.message_dict


def test_holiday_greetings_for_chosen_customers(world):
    a = _customer(world, world.rep_a, "甲")
    b = _customer(world, world.rep_b, "乙")
    with org_scope(world.org):
        assert (
            care.care_holiday_create(
                actor=world.manager,
                customer_ids=[a.pk, b.pk],
                title="春节问候",
                due_on="2027-02-05",
            )
            == 2
        )
        assert {t.assignee for t in CareTask.objects.filter(kind="holiday")} == {
            world.rep_a, world.rep_b,
        }  # fmt: skip
        with pytest.raises(Exception):  # rep_a cannot reach rep_b's customer: nothing made
            care.care_holiday_create(
                actor=world.rep_a, customer_ids=[a.pk, b.pk], title="x", due_on="2027-02-05"
            )
        assert CareTask.objects.count() == 2


def test_bell_and_start_page_show_care(world, web, django_assert_max_num_queries):
    customer = _customer(world, world.rep_a, "星辰科技")
    _contact(world, customer, world.rep_a, D(1990, 5, 11), "陈静")
    with org_scope(world.org):
        care.care_task_create(
            actor=world.rep_a, customer=customer, title="送花", due_on=D(2026, 5, 12)
        )
        care.care_task_create(
            actor=world.rep_a, customer=customer, title="很久以后", due_on=D(2026, 9, 1)
        )
    client = web(world.rep_a)
    with time_machine.travel(datetime.datetime(2026, 5, 10, 4, 0, tzinfo=datetime.UTC)):
        # the whole start page: every card's fixed cost (announcements, messages, work
        # reports, and the sales cards: my leads 1, my pipeline 1, my receivables 2, my
        # quotes 1, my contracts 1, my orders 1, my targets 0 (loaded after the page); on
        # SQLite one more, Django's first JSON support check on the connection); the care
        # card's own three do not grow with the rows
        with django_assert_max_num_queries(25):
            page = client.get("/").content.decode()
        assert 'data-testid="bell-care-count">1<' in page
        assert "陈静（星辰科技）生日" in page and "送花" in page and "很久以后" not in page
        # other pages load the badge after the page, so they pay no query for it
        other_page = client.get("/customers/care/").content.decode()
        assert 'hx-get="/customers/care/bell/"' in other_page
        assert (
            'data-testid="bell-care-count">1<'
            in client.get("/customers/care/bell/").content.decode()
        )
        assert 'data-testid="bell-care-count"' not in web(world.rep_b).get("/").content.decode()
        assert "bell-care-count" not in client.get("/customers/care/bell/").content.decode()


def test_care_page_and_complete_by_form(world, web, django_assert_max_num_queries):
    customer = _customer(world, world.rep_a, "星辰科技")
    with org_scope(world.org):
        task = care.care_task_create(
            actor=world.rep_a, customer=customer, title="送花", due_on=timezone_today()
        )
    client = web(world.rep_a)
    with django_assert_max_num_queries(16):
        assert "送花" in client.get("/customers/care/").content.decode()
    response = client.post(f"/customers/care/{task.pk}/done/", {"note": "送了花"})
    assert response.status_code == 302
    with org_scope(world.org):
        assert CareTask.objects.get(pk=task.pk).status == "done"
    panel = client.get(f"/customers/{customer.pk}/care/").content.decode()
    assert "送了花" in panel
    assert web(world.rep_b).post(f"/customers/care/{task.pk}/cancel/").status_code == 404


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()


def test_care_api(world, api):
    customer = _customer(world, world.rep_a, registered_on=D(2020, 1, 1))
    client = api(world.rep_a)
    created = client.post(
        "/api/v1/care-tasks",
        {"customer": customer.pk, "title": "电话问候", "due_on": "2026-06-01"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    done = client.patch(f"/api/v1/care-tasks/{pk}", {"status": "done", "note": "聊了半小时"},
                        format="json")  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.patch(f"/api/v1/care-tasks/{pk}", {"status": "cancelled"}, format="json")
    assert again.status_code == 422
    assert client.get("/api/v1/care-tasks", {"status": "done"}).json()["count"] == 1
    assert api(world.rep_b).get(f"/api/v1/care-tasks/{pk}").status_code == 404
    bad = client.post("/api/v1/care-tasks", {"customer": customer.pk, "title": ""}, format="json")
    assert bad.status_code == 400
    with time_machine.travel(datetime.datetime(2026, 12, 30, 4, 0, tzinfo=datetime.UTC)):
        upcoming = client.get("/api/v1/care/upcoming", {"days": 3}).json()
    assert upcoming["items"][0]["kind"] == "anniversary"
    assert upcoming["items"][0]["date"] == "2027-01-01"
    holiday = client.post(
        "/api/v1/care-tasks/holiday",
        {"customers": [customer.pk], "title": "元旦问候", "due_on": "2027-01-01"},
        format="json",
    )
    assert holiday.status_code == 201 and holiday.json() == {"created": 1}


def test_reminder_days_parameter_is_used(world):
    with all_orgs():
        OrgSettings.objects.filter(org=world.org).update(birthday_reminder_days=10)
    customer = _customer(world, world.rep_a)
    _contact(world, customer, world.rep_a, D(1990, 5, 18))
    with org_scope(world.org):
        assert len(care.upcoming(employee=world.rep_a, today=D(2026, 5, 10))) == 1
        assert Customer.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reminder_on_start_page_and_completing_a_care_task(world, page, sign_in):
    from django.utils import timezone

    today = timezone.localdate()
    customer = _customer(world, world.rep_a, "星辰科技")
    _contact(world, customer, world.rep_a, today.replace(year=1990) if (today.month, today.day)
             != (2, 29) else D(1992, 2, 29), "陈静")  # fmt: skip
    care.care_generate(org=world.org, today=today)
    sign_in(world.rep_a)
    page.goto("/")
    upcoming = page.locator("[data-testid=home-upcoming]")
    assert "陈静（星辰科技）生日" in upcoming.inner_text()
    assert page.inner_text("[data-testid=bell-care-count]").startswith("1")
    task = page.locator("[data-testid=home-care] [data-testid=care-task]")
    assert "陈静生日" in task.inner_text()
    task.locator("[data-testid=care-note]").fill("送了蛋糕")
    task.locator("[data-testid=care-done]").click()
    page.wait_for_selector("[data-testid=home-care] [data-testid=care-tasks-empty]")
    assert page.locator("[data-testid=bell-care-count]").count() == 0
    with org_scope(world.org):
        done = CareTask.objects.get()
        assert done.status == "done" and done.note == "送了蛋糕"
