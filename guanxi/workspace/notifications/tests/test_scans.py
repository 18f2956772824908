"""The daily scans notify each event once, however often they run."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.orgs.models import Employee, OrgSettings
from guanxi.workspace import services as workspace_services
from guanxi.workspace.models import Activity
from guanxi.workspace.notifications import scans, tasks
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 5, 10)


def _customer(world, name, owner):
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.admin, name=name, owner=owner)


def _followup(world, customer, *, owner, occurred, next_on):
    with org_scope(world.org):
        activity = workspace_services.activity_create(
            actor=owner, customer=customer, content="电话沟通", subject="报价"
        )
        # the dates of an old follow-up (the service only takes "now"-ish times)
        Activity.objects.filter(pk=activity.pk).update(
            occurred_at=datetime.datetime.combine(occurred, datetime.time(10), tzinfo=datetime.UTC),
            next_followup_on=next_on,
        )
        return activity


def _notified(world, kind):
    with all_orgs():
        return list(
            Notification.objects.filter(org=world.org, kind=kind)
            .order_by("id")
            .values_list("recipient_id", "event_key", "link")
        )


def test_overdue_followups_once_per_activity_and_date(world):
    star = _customer(world, "星辰科技", world.rep_a)
    moon = _customer(world, "月光贸易", world.rep_b)
    sun = _customer(world, "太阳能源", world.rep_a)
    overdue = _followup(
        world,
        star,
        owner=world.rep_a,
        occurred=TODAY - datetime.timedelta(days=9),
        next_on=TODAY - datetime.timedelta(days=2),
    )
    _followup(
        world, moon, owner=world.rep_b, occurred=TODAY - datetime.timedelta(days=3), next_on=TODAY
    )  # due today: not yet
    old = _followup(
        world,
        sun,
        owner=world.rep_a,
        occurred=TODAY - datetime.timedelta(days=20),
        next_on=TODAY - datetime.timedelta(days=5),
    )
    _followup(
        world, sun, owner=world.rep_a, occurred=TODAY - datetime.timedelta(days=1), next_on=None
    )  # followed up since
    assert old.pk
    assert scans.scan_followups_overdue(org=world.org.pk, today=TODAY) == 1
    assert scans.scan_followups_overdue(org=world.org.pk, today=TODAY) == 0
    key = f"activity:{overdue.pk}:{(TODAY - datetime.timedelta(days=2)).isoformat()}"
    assert _notified(world, "follow_up_overdue") == [
        (world.rep_a.pk, key, f"/customers/{star.pk}/")
    ]
    # the next day the one due today is late too; the first is not told again
    assert (
        scans.scan_followups_overdue(org=world.org.pk, today=TODAY + datetime.timedelta(days=1))
        == 1
    )
    assert [r[0] for r in _notified(world, "follow_up_overdue")] == [world.rep_a.pk, world.rep_b.pk]
    # a new planned date is a new event
    with org_scope(world.org):
        Activity.objects.filter(pk=overdue.pk).update(
            next_followup_on=TODAY - datetime.timedelta(days=1)
        )
    assert scans.scan_followups_overdue(org=world.org.pk, today=TODAY) == 1


def test_overdue_followups_of_left_owners_are_skipped(world):
    star = _customer(world, "星辰科技", world.rep_b)
    _followup(
        world,
        star,
        owner=world.rep_b,
        occurred=TODAY - datetime.timedelta(days=9),
        next_on=TODAY - datetime.timedelta(days=2),
    )
    with org_scope(world.org):
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
    assert scans.scan_followups_overdue(org=world.org.pk, today=TODAY) == 0


def test_birthdays_within_the_reminder_days_once_a_year(world):
    star = _customer(world, "星辰科技", world.rep_a)
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(birthday_reminder_days=3)
        soon = customer_services.contact_create(
            actor=world.rep_a, customer=star, name="王芳", birthday=datetime.date(1990, 5, 12)
        )
        customer_services.contact_create(
            actor=world.admin, customer=star, name="李雷", birthday=datetime.date(1985, 5, 20)
        )  # too far
    assert scans.scan_birthdays(org=world.org.pk, today=TODAY) == 1
    assert scans.scan_birthdays(org=world.org.pk, today=TODAY + datetime.timedelta(days=1)) == 0
    assert _notified(world, "birthday") == [
        (world.rep_a.pk, f"contact:{soon.pk}:2026", f"/customers/{star.pk}/")
    ]
    with all_orgs():
        title = Notification.objects.get(kind="birthday").title
    assert "王芳" in title and "05-12" in title
    # next year is another event
    assert scans.scan_birthdays(org=world.org.pk, today=datetime.date(2027, 5, 11)) == 1


def test_daily_task_runs_every_org(world, other_world):
    star = _customer(world, "星辰科技", world.rep_a)
    _followup(
        world,
        star,
        owner=world.rep_a,
        occurred=TODAY - datetime.timedelta(days=9),
        next_on=TODAY - datetime.timedelta(days=1),
    )
    result = tasks.reminders_daily.call_local()
    assert world.org.pk in result and other_world.org.pk in result
    assert result[world.org.pk]["follow_up_overdue"] in (0, 1)  # "today" is the real date here


def test_overdue_followups_on_a_contact_link_to_its_record_and_skip_deleted_ones(world):
    star = _customer(world, "星辰科技", world.rep_a)
    gone = _customer(world, "已删除客户", world.rep_a)
    with org_scope(world.org):
        contact = customer_services.contact_create(actor=world.rep_a, customer=star, name="王芳")
        on_contact = workspace_services.activity_create(
            actor=world.rep_a, content="微信沟通", target=("contact", contact.pk)
        )
        Activity.objects.filter(pk=on_contact.pk).update(
            occurred_at=datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC),
            next_followup_on=TODAY - datetime.timedelta(days=3),
        )
    _followup(
        world, gone, owner=world.rep_a, occurred=TODAY - datetime.timedelta(days=9),
        next_on=TODAY - datetime.timedelta(days=2),
    )  # fmt: skip
    with org_scope(world.org):
        customer_services.customer_delete(actor=world.admin, customer=gone)
    assert scans.scan_followups_overdue(org=world.org.pk, today=TODAY) == 1
    [(recipient, key, link)] = _notified(world, "follow_up_overdue")
    assert recipient == world.rep_a.pk and key.startswith(f"activity:{on_contact.pk}:")
    assert link == reverse("workspace:target_activities", args=["contact", contact.pk])
    with all_orgs():
        assert "王芳" in Notification.objects.get(kind="follow_up_overdue").title


# ---- cooperation anniversaries -------------------------------------------------------------


def _registered(world, name, owner, on):
    """A customer of ``owner`` registered on ``on`` (set directly: the form dates today)."""
    customer = _customer(world, name, owner)
    with org_scope(world.org):
        Customer.objects.filter(pk=customer.pk).update(
            registered_on=on, anniversary_md=on.month * 100 + on.day
        )
    return customer


def _reminder_days(world, days):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(birthday_reminder_days=days)


def test_anniversaries_go_to_the_owner_once_per_customer_and_year(world):
    _reminder_days(world, 3)
    star = _registered(world, "星辰科技", world.rep_a, datetime.date(2020, 5, 12))
    _registered(world, "月光贸易", world.rep_b, datetime.date(2019, 5, 20))  # too far
    _registered(world, "新客户", world.rep_b, datetime.date(2026, 5, 11))  # not a year yet
    assert scans.scan_anniversaries(org=world.org.pk, today=TODAY) == 1
    assert scans.scan_anniversaries(org=world.org.pk, today=TODAY + datetime.timedelta(1)) == 0
    assert _notified(world, "anniversary") == [
        (world.rep_a.pk, f"customer:{star.pk}:2026", f"/customers/{star.pk}/")
    ]
    with all_orgs():
        notification = Notification.objects.get(kind="anniversary")
    assert notification.title == "星辰科技 05-12 合作 6 周年"
    assert notification.target == star
    # next year is another event (and the new customer's first anniversary)
    assert scans.scan_anniversaries(org=world.org.pk, today=datetime.date(2027, 5, 11)) == 2


def test_anniversaries_skip_pool_ownerless_departed_and_deleted_customers(world):
    _reminder_days(world, 3)
    on = datetime.date(2020, 5, 11)
    pooled = _registered(world, "公海客户", world.rep_a, on)
    ownerless = _registered(world, "无负责人", world.rep_a, on)
    departed = _registered(world, "离职员工的客户", world.rep_b, on)
    deleted = _registered(world, "已删除客户", world.rep_a, on)
    kept = _registered(world, "正常客户", world.rep_a, on)
    with org_scope(world.org):
        Customer.objects.filter(pk=pooled.pk).update(in_pool=True, owner=None)
        Customer.objects.filter(pk=ownerless.pk).update(owner=None)
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
        customer_services.customer_delete(actor=world.admin, customer=deleted)
    assert departed.owner_id == world.rep_b.pk
    assert scans.scan_anniversaries(org=world.org.pk, today=TODAY) == 1
    assert [key for _r, key, _l in _notified(world, "anniversary")] == [f"customer:{kept.pk}:2026"]


def test_anniversaries_across_the_year_end(world):
    """Dec 30 with 5 days ahead reaches Jan 4: a Jan 2 anniversary is next year's event,
    counted in next year's years."""
    _reminder_days(world, 5)
    january = _registered(world, "元旦客户", world.rep_a, datetime.date(2024, 1, 2))
    december = _registered(world, "年末客户", world.rep_a, datetime.date(2025, 12, 31))
    _registered(world, "太晚", world.rep_a, datetime.date(2024, 1, 5))
    assert scans.scan_anniversaries(org=world.org.pk, today=datetime.date(2026, 12, 30)) == 2
    with all_orgs():
        rows = dict(
            Notification.objects.filter(kind="anniversary").values_list("event_key", "title")
        )
    assert rows == {
        f"customer:{january.pk}:2027": "元旦客户 01-02 合作 3 周年",
        f"customer:{december.pk}:2026": "年末客户 12-31 合作 1 周年",
    }


def test_a_feb_29_anniversary_is_kept_on_feb_28_in_other_years(world):
    _reminder_days(world, 0)
    leap = _registered(world, "闰日客户", world.rep_a, datetime.date(2024, 2, 29))
    assert scans.scan_anniversaries(org=world.org.pk, today=datetime.date(2027, 2, 28)) == 1
    assert scans.scan_anniversaries(org=world.org.pk, today=datetime.date(2028, 2, 28)) == 0
    assert scans.scan_anniversaries(org=world.org.pk, today=datetime.date(2028, 2, 29)) == 1
    assert [key for _r, key, _l in _notified(world, "anniversary")] == [
        f"customer:{leap.pk}:2027",
        f"customer:{leap.pk}:2028",
    ]


def test_the_anniversary_scan_costs_a_fixed_number_of_queries_per_anniversary(
    world, django_assert_max_num_queries
):
    """Reading the customers costs the same for 2 or 6 (batched, no per-row lookups of
    owners); each new anniversary adds notify's fixed cost and nothing else."""
    _reminder_days(world, 3)
    on = datetime.date(2020, 5, 11)
    first = [_registered(world, f"客户{n}", world.rep_a, on) for n in range(2)]
    with CaptureQueriesContext(connection) as two:
        assert scans.scan_anniversaries(org=world.org.pk, today=TODAY) == 2
    with CaptureQueriesContext(connection) as none_new:
        assert scans.scan_anniversaries(org=world.org.pk, today=TODAY) == 0
    [_registered(world, f"新客户{n}", world.rep_b, on) for n in range(4)]
    per_anniversary = (len(two) - 1) // 2
    with django_assert_max_num_queries(len(none_new) + 4 * per_anniversary + 2):
        assert scans.scan_anniversaries(org=world.org.pk, today=TODAY) == 4
    assert len(first) == 2


def _renewal(world, customer, due_on, **fields):
    from guanxi.customers import renewals
    from guanxi.customers.models import RenewalItem

    with org_scope(world.org):
        item = renewals.renewal_create(
            actor=world.admin,
            customer=customer,
            due_on=datetime.date.today(),
            kind=fields.pop("kind", RenewalItem.Kind.RENEWAL),
            title=fields.pop("title", ""),
        )
        RenewalItem.objects.filter(pk=item.pk).update(due_on=due_on, **fields)
        item.refresh_from_db()
    return item


def _renewal_days(world, days):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(renewal_reminder_days=days)


def test_renewals_due_within_the_reminder_days_go_to_the_owner_once_per_due_date(world):
    from guanxi.customers.models import RenewalItem

    _renewal_days(world, 10)
    star = _customer(world, "星辰科技", world.rep_a)
    moon = _customer(world, "月光贸易", world.rep_b)
    item = _renewal(world, star, TODAY + datetime.timedelta(days=10), title="年度服务合同")
    later = _renewal(world, moon, TODAY + datetime.timedelta(days=11))  # too far, today
    _renewal(world, moon, TODAY - datetime.timedelta(days=1))  # already past: the list's job
    _renewal(world, moon, TODAY, status=RenewalItem.Status.WONT_RENEW)
    _renewal(world, moon, TODAY, status=RenewalItem.Status.RENEWED)
    will = _renewal(world, moon, TODAY, kind=RenewalItem.Kind.REPURCHASE,
                    status=RenewalItem.Status.WILL_RENEW)  # fmt: skip
    assert scans.scan_renewals(org=world.org.pk, today=TODAY) == 2
    assert scans.scan_renewals(org=world.org.pk, today=TODAY) == 0
    assert sorted(_notified(world, "renewal")) == sorted(
        [
            (world.rep_a.pk, f"renewal:{item.pk}:2026-05-20", f"/customers/{star.pk}/"),
            (world.rep_b.pk, f"renewal:{will.pk}:2026-05-10", f"/customers/{moon.pk}/"),
        ]
    )
    with all_orgs():
        notification = Notification.objects.get(kind="renewal", recipient=world.rep_a)
    assert notification.title == "星辰科技 续约到期：2026-05-20"
    assert notification.body == "年度服务合同"
    assert notification.target == item
    # tomorrow the next item enters the window; the others are not told again
    assert scans.scan_renewals(org=world.org.pk, today=TODAY + datetime.timedelta(1)) == 1
    assert _notified(world, "renewal")[-1][1] == f"renewal:{later.pk}:2026-05-21"
    # a moved due date is another event
    with org_scope(world.org):
        RenewalItem.objects.filter(pk=item.pk).update(due_on=TODAY + datetime.timedelta(days=5))
    assert scans.scan_renewals(org=world.org.pk, today=TODAY) == 1


def test_renewals_skip_pool_deleted_and_departed_owners_and_read_in_the_owners_language(world):
    _renewal_days(world, 3)
    pooled = _customer(world, "公海客户", world.rep_a)
    deleted = _customer(world, "已删除客户", world.rep_a)
    departed = _customer(world, "离职员工的客户", world.rep_b)
    kept = _customer(world, "正常客户", world.rep_a)
    for customer in (pooled, deleted, departed, kept):
        _renewal(world, customer, TODAY + datetime.timedelta(days=1))
    with org_scope(world.org):
        Customer.objects.filter(pk=pooled.pk).update(in_pool=True)
        customer_services.customer_delete(actor=world.admin, customer=deleted)
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
    world.rep_a.user.language = "en"
    world.rep_a.user.save(update_fields=["language"])
    assert scans.scan_renewals(org=world.org.pk, today=TODAY) == 1
    with all_orgs():
        notification = Notification.objects.get(kind="renewal")
    assert notification.title == "正常客户 Renewal due: 2026-05-11"
    assert notification.link == f"/customers/{kept.pk}/"


def test_the_daily_task_includes_renewals(world):
    result = tasks.reminders_daily.call_local()
    assert result[world.org.pk]["renewal"] == 0


def _lapsed(world, name, owner, last_order_on, stage=Customer.Lifecycle.DORMANT):
    customer = _customer(world, name, owner)
    with org_scope(world.org):
        Customer.objects.filter(pk=customer.pk).update(
            lifecycle_stage=stage, last_order_on=last_order_on
        )
    return customer


def test_customers_lapsed_into_dormancy_warn_their_owner_once(world):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(churn_threshold_days=90)
    lapsed = _lapsed(world, "沉睡客户", world.rep_a, TODAY - datetime.timedelta(days=91))
    _lapsed(world, "老休眠客户", world.rep_a, TODAY - datetime.timedelta(days=120))  # long ago
    _lapsed(world, "刚下过单", world.rep_a, TODAY - datetime.timedelta(days=30))
    _lapsed(world, "还是复购客户", world.rep_b, TODAY - datetime.timedelta(days=91),
            stage=Customer.Lifecycle.REPEAT)  # fmt: skip
    pooled = _lapsed(world, "公海客户", world.rep_a, TODAY - datetime.timedelta(days=92))
    departed = _lapsed(world, "离职员工的客户", world.rep_b, TODAY - datetime.timedelta(days=92))
    with org_scope(world.org):
        Customer.objects.filter(pk=pooled.pk).update(in_pool=True, owner=None)
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
    assert departed.owner_id == world.rep_b.pk
    assert scans.scan_churn_risk(org=world.org.pk, today=TODAY) == 1
    assert scans.scan_churn_risk(org=world.org.pk, today=TODAY + datetime.timedelta(1)) == 0
    last = (TODAY - datetime.timedelta(days=91)).isoformat()
    assert _notified(world, "churn_risk") == [
        (world.rep_a.pk, f"churn:{lapsed.pk}:{last}", f"/customers/{lapsed.pk}/")
    ]
    with all_orgs():
        notification = Notification.objects.get(kind="churn_risk")
    assert notification.title == "沉睡客户 已 91 天没有购买，转为休眠客户"
    assert notification.body == f"最近下单 {last}。"
    # buying again and lapsing again later is a new event
    later = TODAY + datetime.timedelta(days=200)
    with org_scope(world.org):
        Customer.objects.filter(pk=lapsed.pk).update(last_order_on=later - datetime.timedelta(91))
    assert scans.scan_churn_risk(org=world.org.pk, today=later) == 1


def test_the_daily_task_includes_churn_risk(world):
    result = tasks.reminders_daily.call_local()
    assert result[world.org.pk]["churn_risk"] == 0
