"""notify(): who gets what, once per event, on which channels; nothing leaves before commit."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Employee
from guanxi.workspace.notifications import kinds, selectors, services
from guanxi.workspace.notifications.models import Delivery, Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def _set_email(employee, email):
    with all_orgs():
        Employee.objects.filter(pk=employee.pk).update(email=email)
    employee.email = email


def test_notify_reaches_each_recipient_with_link_and_target(world):
    with org_scope(world.org):
        created = services.notify(
            recipients=[world.rep_a, world.rep_b.pk],
            kind="mention",
            title="王经理在客户上提到了你",
            body="请跟进报价",
            link="/customers/1/",
            target=world.east,
            actor=world.manager,
        )
        assert {n.recipient_id for n in created} == {world.rep_a.pk, world.rep_b.pk}
        stored = Notification.objects.get(recipient=world.rep_a)
        assert stored.target == world.east
        assert stored.actor_id == world.manager.pk
        assert stored.link == "/customers/1/"
        assert stored.read_at is None


def test_event_key_notifies_once_ever(world):
    with org_scope(world.org):
        first = services.notify(
            recipients=[world.rep_a], kind="birthday", title="生日", event_key="contact:7:2026"
        )
        again = services.notify(
            recipients=[world.rep_a, world.rep_b], kind="birthday", title="生日",
            event_key="contact:7:2026",
        )  # fmt: skip
        assert len(first) == 1
        assert [n.recipient_id for n in again] == [world.rep_b.pk]
        assert Notification.objects.filter(event_key="contact:7:2026").count() == 2
        # another kind or another key is another event
        assert services.notify(
            recipients=[world.rep_a], kind="renewal", title="续约", event_key="contact:7:2026"
        )


def test_the_database_refuses_a_second_row_for_the_same_event(world):
    """Concurrent scans cannot both insert: the unique constraint stops the second."""
    with org_scope(world.org):
        services.notify(recipients=[world.rep_a], kind="birthday", title="生日", event_key="k")
        with pytest.raises(IntegrityError), transaction.atomic():
            Notification.objects.create(
                org=world.org, recipient=world.rep_a, kind="birthday", title="x", event_key="k"
            )


def test_left_employees_and_other_orgs_are_skipped(world, other_world):
    with org_scope(world.org):
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
        created = services.notify(
            recipients=[world.rep_a, world.rep_b, other_world.rep_a],
            kind="announcement",
            title="全员大会",
        )
    assert [n.recipient_id for n in created] == [world.rep_a.pk]


def test_bad_calls_are_refused(world):
    with org_scope(world.org):
        with pytest.raises(ValueError):
            services.notify(recipients=[world.rep_a], kind="no_such_kind", title="x")
        for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
            with pytest.raises(ValueError):
                services.notify(recipients=[world.rep_a], kind="message", title="x", link=link)
        assert not Notification.objects.exists()


def test_kinds_registry_has_the_built_in_kinds():
    codes = [kind.code for kind in kinds.all_kinds()]
    for code in (
        "birthday", "receivable_due", "renewal", "churn_risk", "sla_breach", "approval_waiting",
        "approval_decided", "follow_up_overdue", "task_due", "mention", "announcement", "message",
    ):  # fmt: skip
        assert code in codes
    assert str(kinds.label("approval_waiting")) == "待我审批"
    kinds.register("quote_expiring", "报价即将到期", default_channels=("app", "email"))
    assert kinds.get("quote_expiring").default_channels == ("app", "email")
    with pytest.raises(ValueError):
        kinds.register("bad", "x", default_channels=("sms",))


def test_email_follows_the_kinds_default_and_the_employees_choice(
    world, django_capture_on_commit_callbacks
):
    _set_email(world.rep_a, "zhangsan@example.com")
    with org_scope(world.org):
        # approval_waiting defaults to bell + e-mail
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[world.rep_a], kind="approval_waiting", title="报价单待审批")
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["zhangsan@example.com"]
        assert "报价单待审批" in mail.outbox[0].subject
        delivery = Delivery.objects.get()
        assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1

        services.preference_set(actor=world.rep_a, kind="approval_waiting", channels=["app"])
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[world.rep_a], kind="approval_waiting", title="第二张")
        assert len(mail.outbox) == 1
        assert Delivery.objects.count() == 1
        assert Notification.objects.filter(recipient=world.rep_a).count() == 2  # the bell still

        services.preference_set(actor=world.rep_a, kind="mention", channels=["email"])
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[world.rep_a], kind="mention", title="提到了你")
        assert len(mail.outbox) == 2


def test_missing_email_is_skipped_with_a_reason(world):
    _set_email(world.rep_a, "")
    with org_scope(world.org):
        services.notify(recipients=[world.rep_a], kind="approval_waiting", title="待审批")
        delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SKIPPED
    assert delivery.last_error == "员工没有填写邮箱"
    assert delivery.next_attempt_at is None


def test_preferences_are_validated_and_listed(world):
    with org_scope(world.org):
        with pytest.raises(Exception) as refused:
            services.preference_set(actor=world.rep_a, kind="mention", channels=["sms"])
        assert "sms" in str(refused.value)
        with pytest.raises(Exception):
            services.preference_set(actor=world.rep_a, kind="nope", channels=[])
        assert not NotificationPreference.objects.exists()
        services.preference_set(actor=world.rep_a, kind="mention", channels=["robot", "email"])
        rows = dict(
            (kind.code, chosen) for kind, chosen in selectors.preferences(employee=world.rep_a)
        )
    assert rows["mention"] == ["app", "email", "robot"]
    assert rows["approval_waiting"] == ["app", "email"]  # the default
    assert rows["birthday"] == ["app"]


def test_nothing_is_sent_before_commit(world, webhook, django_capture_on_commit_callbacks):
    """notify only writes rows; the robot post goes out after the transaction commits."""
    with org_scope(world.org):
        robot = services.robot_create(
            actor=world.admin, name="销售群", platform="wecom", webhook_url=webhook.url
        )
        services.preference_set(actor=world.rep_a, kind="task_due", channels=["robot"])
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.notify(recipients=[world.rep_a], kind="task_due", title="提到了你")
        assert webhook.requests == []
        assert Delivery.objects.get(robot=robot).status == Delivery.Status.PENDING
        for callback in callbacks:
            callback()
        assert len(webhook.requests) == 1
        assert Delivery.objects.get(robot=robot).status == Delivery.Status.SENT


def test_robots_get_their_kinds_and_their_departments_only(world):
    with org_scope(world.org):
        whole = services.robot_create(
            actor=world.admin, name="全公司", platform="wecom", webhook_url="https://example.com/a"
        )
        east = services.robot_create(
            actor=world.admin, name="华东群", platform="dingtalk",
            webhook_url="https://example.com/b", department=world.east,
        )  # fmt: skip
        sales = services.robot_create(
            actor=world.admin, name="销售部群", platform="feishu",
            webhook_url="https://example.com/c", department=world.sales, kinds=["birthday"],
        )  # fmt: skip
        for employee in (world.rep_a, world.rep_b):
            services.preference_set(actor=employee, kind="task_due", channels=["robot"])
        services.notify(recipients=[world.rep_a, world.rep_b], kind="task_due", title="提到")
        by_robot = {d.robot_id: d for d in Delivery.objects.filter(channel="robot")}
        assert set(by_robot) == {whole.pk, east.pk}  # the sales robot forwards birthdays only
        assert "张三" in by_robot[whole.pk].payload["markdown"]["content"]
        assert "李四" in by_robot[whole.pk].payload["markdown"]["content"]
        assert "李四" not in by_robot[east.pk].payload["markdown"]["text"]  # north is not east
        # a kind robots may not forward (private messages) never reaches one
        services.preference_set(actor=world.rep_a, kind="message", channels=["robot"])
        services.notify(recipients=[world.rep_a], kind="message", title="私信")
        assert Delivery.objects.filter(channel="robot").count() == 2
        assert sales.pk not in by_robot


def test_read_and_read_all_touch_own_notifications_only(world):
    with org_scope(world.org):
        mine = services.notify(recipients=[world.rep_a], kind="message", title="一")
        services.notify(recipients=[world.rep_a], kind="mention", title="二")
        theirs = services.notify(recipients=[world.rep_b], kind="message", title="三")
        with pytest.raises(Exception):
            services.notification_mark_read(actor=world.rep_a, notification=theirs[0])
        services.notification_mark_read(actor=world.rep_a, notification=mine[0])
        assert selectors.unread_count(employee=world.rep_a) == 1
        assert services.notification_read_all(actor=world.rep_a) == 1
        assert selectors.unread_count(employee=world.rep_a) == 0
        assert selectors.unread_count(employee=world.rep_b) == 1


def test_outside_an_org_scope_orgs_are_never_mixed(world, other_world):
    """Operator code under all_orgs(): the recipients of the first one's org only, and
    only that org's robots."""
    with all_orgs():
        services.robot_create(
            actor=other_world.admin, name="贝塔群", platform="wecom",
            webhook_url="https://example.com/beta",
        )  # fmt: skip
        services.preference_set(actor=world.rep_a, kind="task_due", channels=["robot"])
        created = services.notify(
            recipients=[world.rep_a, other_world.rep_a], kind="task_due", title="到期"
        )
        assert [(n.org_id, n.recipient_id) for n in created] == [(world.org.pk, world.rep_a.pk)]
        assert not Delivery.objects.exists()


def test_finished_deliveries_are_purged_after_their_keep_time(world):
    _set_email(world.rep_a, "")
    with org_scope(world.org):
        services.notify(recipients=[world.rep_a], kind="approval_waiting", title="一")  # skipped
        _set_email(world.rep_a, "a@example.com")
        services.notify(recipients=[world.rep_a], kind="approval_waiting", title="二")  # pending
    later = timezone.now() + datetime.timedelta(days=services.KEEP_DAYS + 1)
    assert services.deliveries_purge(org=world.org.pk) == 0
    assert services.deliveries_purge(org=world.org.pk, now=later) == 1
    with org_scope(world.org):
        assert list(Delivery.objects.values_list("status", flat=True)) == ["pending"]
