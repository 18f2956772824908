"""Announcements: who is addressed, publishing and its notifications, receipts, rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Role
from guanxi.orgs.tests.factories import EmployeeFactory
from guanxi.workspace.announcements import selectors, services, text
from guanxi.workspace.announcements.models import Announcement, AnnouncementRead
from guanxi.workspace.announcements.tests.helpers import draft, publish
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _feed_titles(world, employee):
    with org_scope(world.org):
        return [a.title for a in selectors.feed_queryset(employee=employee)]


def _everyone(world):
    return [world.admin, world.manager, world.rep_a, world.rep_b, world.readonly, world.agent]


# ---- audience ------------------------------------------------------------------------------


def test_whole_org_announcement_reaches_every_employee(world):
    publish(world, title="全员公告")
    for employee in _everyone(world):
        assert _feed_titles(world, employee) == ["全员公告"]


def test_department_with_sub_departments_reaches_the_subtree_only(world):
    publish(world, title="销售部公告", audience="departments", departments=[world.sales.pk])
    for employee in (world.manager, world.rep_a, world.rep_b, world.readonly):
        assert _feed_titles(world, employee) == ["销售部公告"]
    for employee in (world.agent, world.admin):  # another branch; the parent department
        assert _feed_titles(world, employee) == []


def test_department_without_sub_departments_reaches_its_own_members_only(world):
    publish(
        world,
        title="销售部内部",
        audience="departments",
        departments=[world.sales.pk],
        include_children=False,
    )
    assert _feed_titles(world, world.manager) == ["销售部内部"]
    assert _feed_titles(world, world.rep_a) == []


def test_several_departments(world):
    publish(
        world,
        title="华东与客服",
        audience="departments",
        departments=[world.east.pk, world.service.pk],
    )
    assert _feed_titles(world, world.rep_a) == ["华东与客服"]
    assert _feed_titles(world, world.agent) == ["华东与客服"]
    assert _feed_titles(world, world.rep_b) == []


def test_drafts_withdrawn_and_expired_ones_are_not_in_the_feed(world):
    draft(world, title="草稿")
    withdrawn = publish(world, title="撤回的")
    with org_scope(world.org):
        services.announcement_withdraw(actor=world.admin, announcement=withdrawn)
    expiring = publish(world, title="快过期的")
    with org_scope(world.org):
        Announcement.objects.filter(pk=expiring.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    assert _feed_titles(world, world.rep_a) == []


def test_feed_order_pinned_then_unread_then_newest(world):
    old = publish(world, title="旧的")
    publish(world, title="新的")
    publish(world, title="置顶的", pinned=True)
    with org_scope(world.org):
        services.announcement_mark_read(actor=world.rep_a, announcement=old)
        rows = list(selectors.feed_queryset(employee=world.rep_a))
    assert [(a.title, a.is_read) for a in rows] == [
        ("置顶的", False),
        ("新的", False),
        ("旧的", True),
    ]


def test_access_rules(world):
    """The audience opens a published one; others get 404 unless they hold
    announcements.view; a draft is the author's and the viewers'."""
    sales_only = publish(world, audience="departments", departments=[world.sales.pk])
    a_draft = draft(world, actor=world.manager)
    with org_scope(world.org):
        assert selectors.access_announcement(world.rep_a, sales_only.pk)
        with pytest.raises(Exception) as exc:
            selectors.access_announcement(world.agent, sales_only.pk)
        assert exc.type.__name__ == "Http404"
        assert selectors.access_announcement(world.admin, sales_only.pk)  # view permission
        assert selectors.access_announcement(world.manager, a_draft.pk)  # author
        with pytest.raises(Exception) as exc:
            selectors.access_announcement(world.rep_a, a_draft.pk)
        assert exc.type.__name__ == "Http404"


# ---- publishing and notifications ----------------------------------------------------------


def test_publishing_notifies_the_audience_once_and_not_the_author(world):
    announcement = publish(
        world, title="放假通知", audience="departments", departments=[world.sales.pk]
    )
    with org_scope(world.org):
        sent = Notification.objects.filter(kind="announcement")
        recipients = set(sent.values_list("recipient_id", flat=True))
        assert recipients == {world.manager.pk, world.rep_a.pk, world.rep_b.pk, world.readonly.pk}
        notification = sent.get(recipient=world.rep_a)
        assert notification.title == "新公告：放假通知"
        assert notification.link == f"/announcements/{announcement.pk}/"
        assert notification.event_key == f"announcement:{announcement.pk}"

        services.announcement_withdraw(actor=world.admin, announcement=announcement)
        services.announcement_publish(actor=world.admin, announcement=announcement)
        assert Notification.objects.filter(kind="announcement").count() == 4


def test_widening_a_published_audience_notifies_only_the_newcomers(world):
    announcement = publish(world, audience="departments", departments=[world.east.pk])
    with org_scope(world.org):
        assert Notification.objects.filter(kind="announcement").count() == 1
        services.announcement_update(
            actor=world.admin,
            announcement=announcement,
            version=announcement.version,
            departments=[world.east.pk, world.service.pk],
        )
        recipients = list(
            Notification.objects.filter(kind="announcement").values_list("recipient_id", flat=True)
        )
    assert sorted(recipients) == sorted([world.rep_a.pk, world.agent.pk])


def test_notification_title_reads_in_the_recipients_language(world):
    announcement = publish(world, title="Q4 冲刺")
    with org_scope(world.org):
        title, body = services.notification_text(announcement)
    with translation.override("en"):
        assert str(title) == "New announcement: Q4 冲刺"
    with translation.override("zh-hans"):
        assert str(title) == "新公告：Q4 冲刺"
    assert body == "周五下午三点"


def test_a_large_audience_is_notified_by_the_background_job(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "NOTIFY_INLINE_MAX", 2)
    called = []
    original = services.notify_audience_job

    def spy(**kwargs):
        called.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(services, "notify_audience_job", spy)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = publish(world)
    assert called and called[0]["announcement_id"] == announcement.pk
    with org_scope(world.org):
        assert Notification.objects.filter(kind="announcement").count() == 5  # all but author


def test_publish_refuses_twice_and_withdraw_needs_published(world):
    announcement = publish(world)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.announcement_publish(actor=world.admin, announcement=announcement)
        a_draft = draft(world)
        with pytest.raises(BusinessRuleError):
            services.announcement_withdraw(actor=world.admin, announcement=a_draft)


def test_publishing_with_a_past_expiry_is_refused(world):
    a_draft = draft(world, expires_at=timezone.now() - datetime.timedelta(days=1))
    with org_scope(world.org), pytest.raises(ValidationError) as exc:
        services.announcement_publish(actor=world.admin, announcement=a_draft)
    assert "expires_at" in exc.value.error_dict
    with org_scope(world.org):
        assert Announcement.objects.get(pk=a_draft.pk).status == "draft"


# ---- validation and permissions -------------------------------------------------------------


def test_bad_input_is_refused_with_nothing_written(world, other_world):
    with org_scope(world.org):
        for fields, field in [
            ({"title": "  "}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"title": "t", "audience": "departments"}, "departments"),
            ({"title": "t", "audience": "nobody"}, "audience"),
            (
                {"title": "t", "audience": "departments", "departments": [other_world.sales.pk]},
                "departments",
            ),
            ({"title": "t", "audience": "departments", "departments": ["abc"]}, "departments"),
            ({"title": "t", "expires_at": "tomorrow"}, "expires_at"),
        ]:
            with pytest.raises(ValidationError) as exc:
                services.announcement_create(actor=world.admin, **fields)
            assert field in exc.value.error_dict, fields
        with pytest.raises(ValidationError):
            services.announcement_create(actor=world.admin, title="t", author=world.rep_a)
        assert Announcement.objects.count() == 0


def test_permissions(world):
    announcement = publish(world)
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.announcement_create(actor=world.rep_a, title="不该发")
        with pytest.raises(PermissionDenied):
            services.announcement_update(actor=world.rep_a, announcement=announcement, title="x")
        with pytest.raises(PermissionDenied):
            services.announcement_withdraw(actor=world.readonly, announcement=announcement)
        with pytest.raises(PermissionDenied):  # sales manager: create/edit, no delete
            services.announcement_delete(actor=world.manager, announcement=announcement)
        # the manager may edit and withdraw anyone's (announcements.edit)
        services.announcement_withdraw(actor=world.manager, announcement=announcement)
        # an author may delete their own draft that never went out
        own = draft(world, actor=world.manager)
        services.announcement_delete(actor=world.manager, announcement=own)
        services.announcement_delete(actor=world.admin, announcement=announcement)
        assert Announcement.objects.count() == 0


def test_author_with_create_only_may_change_their_own(world):
    with org_scope(world.org):
        writer_role = Role.objects.create(
            org=world.org, name="公告撰写", permissions=["announcements.create"]
        )
    writer = EmployeeFactory(org=world.org, department=world.service, roles=[writer_role])
    theirs = publish(world)
    with org_scope(world.org):
        own = services.announcement_create(actor=writer, title="我的公告", publish=True)
        services.announcement_update(actor=writer, announcement=own, title="我的公告（改）")
        services.announcement_withdraw(actor=writer, announcement=own)
        with pytest.raises(PermissionDenied):
            services.announcement_update(actor=writer, announcement=theirs, title="x")
        with pytest.raises(PermissionDenied):  # it went out once: no longer a draft to drop
            services.announcement_delete(actor=writer, announcement=own)


def test_stale_version_is_refused(world):
    announcement = draft(world)
    with org_scope(world.org):
        services.announcement_update(
            actor=world.admin, announcement=announcement, version=1, title="第一次"
        )
        with pytest.raises(StaleVersion):
            services.announcement_update(
                actor=world.admin, announcement=announcement, version=1, title="第二次"
            )
        assert Announcement.objects.get(pk=announcement.pk).title == "第一次"


def test_writes_are_audited(world):
    announcement = draft(world)
    with org_scope(world.org):
        services.announcement_publish(actor=world.admin, announcement=announcement)
        services.announcement_delete(actor=world.admin, announcement=announcement)
        actions = list(
            ChangeRecord.objects.filter(entity__contains="announcement")
            .order_by("id")
            .values_list("action", flat=True)
        )
        publish_change = ChangeRecord.objects.filter(action="update").get()
    assert actions == ["create", "update", "delete"]
    assert publish_change.changes["status"] == {"old": "draft", "new": "published"}


# ---- read receipts -------------------------------------------------------------------------


def test_opening_stores_one_receipt_and_reads_the_notification(world):
    announcement = publish(world)
    with org_scope(world.org):
        assert services.announcement_mark_read(actor=world.rep_a, announcement=announcement)
        assert not services.announcement_mark_read(actor=world.rep_a, announcement=announcement)
        assert AnnouncementRead.objects.filter(employee=world.rep_a).count() == 1
        assert Notification.objects.get(recipient=world.rep_a).read_at is not None
        assert Notification.objects.get(recipient=world.rep_b).read_at is None


def test_the_unique_constraint_keeps_one_receipt(world):
    announcement = publish(world)
    with org_scope(world.org):
        AnnouncementRead.objects.create(
            org=world.org, announcement=announcement, employee=world.rep_a, read_at=timezone.now()
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            AnnouncementRead.objects.create(
                org=world.org,
                announcement=announcement,
                employee=world.rep_a,
                read_at=timezone.now(),
            )


def test_not_addressed_or_unpublished_stores_no_receipt(world):
    sales_only = publish(world, audience="departments", departments=[world.sales.pk])
    a_draft = draft(world)
    with org_scope(world.org):
        assert not services.announcement_mark_read(actor=world.agent, announcement=sales_only)
        assert not services.announcement_mark_read(actor=world.rep_a, announcement=a_draft)
        assert AnnouncementRead.objects.count() == 0


def test_read_all(world):
    publish(world, title="一")
    publish(world, title="二")
    publish(world, title="给客服", audience="departments", departments=[world.service.pk])
    with org_scope(world.org):
        assert services.announcement_read_all(actor=world.rep_a) == 2
        assert services.announcement_read_all(actor=world.rep_a) == 0
        assert selectors.unread_count(world.rep_a) == 0
        assert selectors.unread_count(world.agent) == 3
        assert Notification.objects.filter(recipient=world.rep_a, read_at__isnull=True).count() == 0


def test_receipts_list_readers_and_the_rest_of_the_audience(world):
    announcement = publish(world, audience="departments", departments=[world.sales.pk])
    with org_scope(world.org):
        services.announcement_mark_read(actor=world.rep_a, announcement=announcement)
        found = selectors.receipts(announcement)
    assert [r.employee.name for r in found["read"]] == ["张三"]
    assert {e.name for e in found["unread"]} == {"王经理", "李四", "赵六"}
    assert (found["read_count"], found["unread_count"]) == (1, 3)


def test_receipts_cost_the_same_queries_whatever_the_audience(world):
    announcement = publish(world)

    def cost():
        with org_scope(world.org), CaptureQueriesContext(connection) as queries:
            fresh = Announcement.objects.get(pk=announcement.pk)
            selectors.receipts(fresh)
        return len(queries)

    few = cost()
    for n in range(25):
        employee = EmployeeFactory(org=world.org, department=world.east)
        if n % 2:
            with org_scope(world.org):
                services.announcement_mark_read(actor=employee, announcement=announcement)
    assert cost() == few <= 4


# ---- body text -----------------------------------------------------------------------------


def test_body_html_is_escaped_and_marks_render():
    html = text.render(
        "<script>alert(1)</script>\n**重点** 见 https://example.com/a?b=1\n\n- 第一\n- 第二"
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>重点</strong>" in html
    assert 'href="https://example.com/a?b=1"' in html
    assert "<ul><li>第一</li><li>第二</li></ul>" in html
    assert text.render('" onmouseover="x') == "<p>&quot; onmouseover=&quot;x</p>"
    assert text.excerpt("**a**  b\nc", 10) == "a b c"


def test_the_job_notifies_nobody_once_the_announcement_is_withdrawn(world):
    announcement = draft(world)
    with org_scope(world.org):
        assert services.notify_audience_job(org=world.org.pk, announcement_id=announcement.pk) == 0
        assert services.notify_audience_job(org=world.org.pk, announcement_id=10**9) == 0
        assert not Notification.objects.exists()


def test_each_recipient_reads_the_notification_in_their_language(world, unscoped):
    user = world.rep_b.user
    user.language = "en"
    user.save(update_fields=["language"])
    publish(world, title="Q4 冲刺")
    titles = dict(
        Notification.objects.filter(kind="announcement").values_list("recipient_id", "title")
    )
    assert titles[world.rep_b.pk] == "New announcement: Q4 冲刺"
    assert titles[world.rep_a.pk] == "新公告：Q4 冲刺"
