"""Notifications read in each recipient's own language, whatever language the caller ran in."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from guanxi.accounts.models import User
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.orgs.models import Employee, OrgSettings
from guanxi.workspace.approvals import requisitions
from guanxi.workspace.approvals.tests.helpers import flow
from guanxi.workspace.notifications import scans, services
from guanxi.workspace.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 5, 10)


def _prefer(employee, language):
    with all_orgs():
        User.objects.filter(pk=employee.user_id).update(language=language)


def _set_email(employee, email):
    with all_orgs():
        Employee.objects.filter(pk=employee.pk).update(email=email)


def _customer(world, name, owner, registered_on):
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.admin, name=name, owner=owner)
        Customer.objects.filter(pk=customer.pk).update(
            registered_on=registered_on,
            anniversary_md=registered_on.month * 100 + registered_on.day,
        )
    return customer


def _titles(world, kind):
    with all_orgs():
        return dict(
            Notification.objects.filter(org=world.org, kind=kind).values_list(
                "recipient_id", "title"
            )
        )


def test_each_recipient_reads_a_lazy_text_in_their_language_in_one_insert(world):
    """An English reader and a Chinese one of the same notify get their own languages,
    rendered once per language and written in one INSERT; the caller's language (here
    English) does not matter to the Chinese reader."""
    _prefer(world.rep_a, "en")
    _prefer(world.rep_b, "zh-hans")
    title = services.lazy_text(gettext_lazy("待您审批：%(title)s"), title="报价单 Q-1")
    body = format_lazy("{}", gettext_lazy("全天"))
    with (
        org_scope(world.org),
        translation.override("en"),
        CaptureQueriesContext(connection) as queries,
    ):
        services.notify(
            recipients=[world.rep_a, world.rep_b, world.manager],
            kind="task_due",
            title=title,
            body=body,
        )
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    with all_orgs():
        rows = {n.recipient_id: (n.title, n.body) for n in Notification.objects.all()}
    assert rows[world.rep_a.pk] == ("Waiting for your approval: 报价单 Q-1", "All day")
    assert rows[world.rep_b.pk] == ("待您审批：报价单 Q-1", "全天")
    # no saved language: the installation's default (Chinese), not the caller's English
    assert rows[world.manager.pk] == ("待您审批：报价单 Q-1", "全天")


def test_plain_text_is_stored_as_it_is_and_a_blank_title_is_the_kinds_label(world):
    _prefer(world.rep_a, "en")
    with org_scope(world.org):
        services.notify(recipients=[world.rep_a, world.rep_b], kind="birthday", title="原样")
        services.notify(
            recipients=[world.rep_a, world.rep_b], kind="birthday", title="", event_key="x"
        )
    with all_orgs():
        titles = list(Notification.objects.order_by("id").values_list("recipient_id", "title"))
    assert titles[:2] == [(world.rep_a.pk, "原样"), (world.rep_b.pk, "原样")]
    assert titles[2:] == [(world.rep_a.pk, "Birthday"), (world.rep_b.pk, "生日提醒")]


def test_emails_are_in_their_recipients_language_and_robots_in_the_default(
    world, django_capture_on_commit_callbacks
):
    _prefer(world.rep_a, "en")
    _set_email(world.rep_a, "zhangsan@example.com")
    _set_email(world.rep_b, "lisi@example.com")
    with org_scope(world.org):
        services.robot_create(
            actor=world.admin, name="全公司", platform="wecom", webhook_url="https://example.com/a"
        )
        for employee in (world.rep_a, world.rep_b):
            services.preference_set(
                actor=employee, kind="approval_waiting", channels=["email", "robot"]
            )
        with translation.override("en"), django_capture_on_commit_callbacks(execute=False):
            services.notify(
                recipients=[world.rep_a, world.rep_b],
                kind="approval_waiting",
                title=services.lazy_text(gettext_lazy("待您审批：%(title)s"), title="请假"),
            )
        emails = {d.address: d.payload["subject"] for d in Delivery.objects.filter(channel="email")}
        robot = Delivery.objects.get(channel="robot").payload["markdown"]["content"]
    assert emails == {
        "zhangsan@example.com": "[Awaiting my approval] Waiting for your approval: 请假",
        "lisi@example.com": "[待我审批] 待您审批：请假",
    }
    assert robot.startswith("**待我审批** 待您审批：请假")
    assert mail.outbox == []  # nothing before commit


def test_the_birthday_and_anniversary_scans_write_in_each_owners_language(world):
    _prefer(world.rep_a, "en")
    star = _customer(world, "星辰科技", world.rep_a, datetime.date(2020, 5, 11))
    moon = _customer(world, "月光贸易", world.rep_b, datetime.date(2021, 5, 12))
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(birthday_reminder_days=3)
        for customer, name, owner in ((star, "王芳", world.rep_a), (moon, "李雷", world.rep_b)):
            customer_services.contact_create(
                actor=owner, customer=customer, name=name, birthday=datetime.date(1990, 5, 12)
            )
    with translation.override("zh-hans"):
        assert scans.scan_birthdays(org=world.org.pk, today=TODAY) == 2
    with translation.override("en"):
        assert scans.scan_anniversaries(org=world.org.pk, today=TODAY) == 2
    birthdays = _titles(world, "birthday")
    assert birthdays[world.rep_a.pk] == "王芳 (星辰科技): birthday on 05-12"
    assert birthdays[world.rep_b.pk] == "李雷（月光贸易）05-12 生日"
    anniversaries = _titles(world, "anniversary")
    assert anniversaries[world.rep_a.pk] == "星辰科技: 6 years of cooperation on 05-11"
    assert anniversaries[world.rep_b.pk] == "月光贸易 05-12 合作 5 周年"


def test_approval_notifications_follow_the_approvers_language(world):
    """The approvals engine's notifications (waiting, decided) are lazy too."""
    _prefer(world.manager, "en")
    flow(world)
    with org_scope(world.org), translation.override("zh-hans"):
        record = requisitions.requisition_create(actor=world.rep_a, title="采购显示器")
        requisitions.requisition_submit(actor=world.rep_a, requisition=record)
    titles = _titles(world, "approval_waiting")
    assert titles[world.manager.pk] == "Waiting for your approval: 采购显示器"
