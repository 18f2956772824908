"""@mentions in follow-ups: who is notified (once), who is not (no access: the author is
told instead), how plain names resolve, and how the timeline shows them safely."""

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.orgs.tests.factories import EmployeeFactory
from guanxi.workspace import services as activity_services
from guanxi.workspace.messages import mentions
from guanxi.workspace.messages.models import Mention
from guanxi.workspace.models import Activity
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(world):
    with org_scope(world.org):
        world.customer = customer_services.customer_create(actor=world.rep_b, name="天津港务")
        yield world


def _write(w, content, actor=None):
    return activity_services.activity_create(
        actor=actor or w.rep_b, customer=w.customer, content=content
    )


def test_a_token_mention_notifies_the_colleague_with_a_link_to_the_timeline(scoped):
    w = scoped
    activity = _write(w, f"报价已发，请 {mentions.token(w.manager)} 审核")
    note = Notification.objects.get(kind="mention", recipient=w.manager)
    assert note.link == f"/activities/for/customer/{w.customer.pk}/"
    assert note.title == "李四在跟进记录中提到了你"
    assert "@王经理 审核" in note.body and "employee:" not in note.body
    row = Mention.objects.get(activity=activity)
    assert (row.employee_id, row.author_id, row.notified) == (w.manager.pk, w.rep_b.pk, True)
    assert activity.mention_warnings == []


def test_a_colleague_who_may_not_see_the_record_is_not_notified_and_the_author_is_told(scoped):
    w = scoped
    activity = _write(w, f"{mentions.token(w.rep_a)} 你也看看")  # rep_a: another department
    assert not Notification.objects.filter(recipient=w.rep_a).exists()
    assert Mention.objects.get(activity=activity, employee=w.rep_a).notified is False
    assert activity.mention_warnings == ["张三 无权查看该记录，没有收到提及通知。"]
    told = Notification.objects.get(recipient=w.rep_b, kind="mention")
    assert "张三" in told.title and "无权查看" in told.title


def test_a_plain_name_is_resolved_and_stored_as_a_token(scoped):
    w = scoped
    activity = _write(w, "@王经理请看，抄送 @钱七。邮件 a@王经理.com 不算")
    activity.refresh_from_db()
    assert activity.content.startswith(f"{mentions.token(w.manager)}请看")
    assert mentions.token(w.agent) in activity.content
    assert "a@王经理.com" in activity.content
    assert set(Mention.objects.values_list("employee_id", flat=True)) == {w.manager.pk, w.agent.pk}


def test_two_colleagues_with_one_name_are_not_guessed(scoped):
    w = scoped
    EmployeeFactory(org=w.org, name="王经理", username="wang2", department=w.sales)
    activity = _write(w, "@王经理 请看")
    assert not Mention.objects.exists()
    assert any("有多位同事叫“王经理”" in text for text in activity.mention_warnings)
    # the picker's token names exactly one of them
    activity = _write(w, f"{mentions.token(w.manager)} 请看")
    assert list(Mention.objects.values_list("employee_id", flat=True)) == [w.manager.pk]


def test_an_edit_notifies_only_the_newly_mentioned(scoped):
    w = scoped
    activity = _write(w, f"{mentions.token(w.manager)} 请看")
    activity = activity_services.activity_update(
        actor=w.rep_b,
        activity=activity,
        version=activity.version,
        content=f"{mentions.token(w.manager)} 请看（补充）",
    )
    assert Notification.objects.filter(kind="mention", recipient=w.manager).count() == 1
    activity = activity_services.activity_update(
        actor=w.rep_b,
        activity=activity,
        version=activity.version,
        content=f"{mentions.token(w.admin)} 接手",
    )
    assert Notification.objects.filter(kind="mention", recipient=w.admin).count() == 1
    assert Notification.objects.filter(kind="mention", recipient=w.manager).count() == 1
    assert list(Mention.objects.values_list("employee_id", flat=True)) == [w.admin.pk]


def test_oneself_and_leavers_are_not_mentioned(scoped):
    w = scoped
    leaver = EmployeeFactory(org=w.org, name="离职者", username="gone", department=w.north)
    leaver.status = leaver.Status.LEFT
    leaver.save()
    _write(w, f"{mentions.token(w.rep_b)} {mentions.token(leaver)} 记录")
    assert not Mention.objects.exists()
    assert not Notification.objects.filter(kind="mention").exists()


def test_another_orgs_employee_id_in_a_token_is_ignored(scoped, other_world):
    w = scoped
    _write(w, f"@[外人](employee:{other_world.rep_a.pk}) 看看")
    assert not Mention.objects.exists()


def test_rendering_escapes_the_text_and_highlights_mentions():
    html = mentions.render(
        "<script>x</script> @[<b>坏</b>](employee:7)\n第二行 @[张三](employee:8)"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;坏&lt;/b&gt;" in html and "<b>" not in html
    assert 'data-employee="8">@张三</span>' in html
    assert "<br>" in html
    assert mentions.plain_text("请 @[张三](employee:8) 看") == "请 @张三 看"


def test_the_timeline_highlights_mentions(scoped, web):
    w = scoped
    _write(w, f"请 {mentions.token(w.manager)} 审核 <i>报价</i>")
    page = web(w.rep_b).get(f"/activities/for/customer/{w.customer.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="mention"' in text and "@王经理</span>" in text
    assert "&lt;i&gt;报价&lt;/i&gt;" in text


def test_mentions_of_me_page_lists_what_i_may_see(scoped, web, django_assert_max_num_queries):
    w = scoped
    _write(w, f"{mentions.token(w.manager)} 第一条")
    _write(w, f"{mentions.token(w.rep_a)} 看不到的")
    client = web(w.manager)
    client.get("/messages/mentions/")
    with django_assert_max_num_queries(12):
        page = client.get("/messages/mentions/")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="mention-row"') == 1
    for n in range(5):
        _write(w, f"{mentions.token(w.manager)} 更多 {n}")
    with django_assert_max_num_queries(12):
        page = client.get("/messages/mentions/")
    assert page.content.decode().count('data-testid="mention-row"') == 6
    rep_a_page = web(w.rep_a).get("/messages/mentions/")
    assert 'data-testid="mention-row"' not in rep_a_page.content.decode()


def test_the_api_shows_the_mentions_of_each_follow_up(scoped, api):
    w = scoped
    client = api(w.rep_b)
    created = client.post(
        "/api/v1/activities",
        {"customer": w.customer.pk, "content": f"请 @王经理 和 {mentions.token(w.rep_a)} 看"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["mentions"] == [w.manager.pk, w.rep_a.pk]
    assert body["mention_warnings"] == ["张三 无权查看该记录，没有收到提及通知。"]
    assert client.get(f"/api/v1/activities/{body['id']}").json()["mentions"] == body["mentions"]
    listing = client.get("/api/v1/activities")
    assert listing.json()["items"][0]["mentions"] == [w.manager.pk, w.rep_a.pk]


def test_the_api_activity_list_reads_mentions_in_one_query(scoped, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = scoped
    client = api(w.rep_b)
    _write(w, f"{mentions.token(w.manager)} 一")
    client.get("/api/v1/activities")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/activities").status_code == 200
    for n in range(6):
        _write(w, f"{mentions.token(w.manager)} {mentions.token(w.admin)} {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/activities")
    assert len(response.json()["items"]) == 7
    assert len(many.captured_queries) == len(one.captured_queries)
    assert Activity.objects.count() == 7


def test_the_follow_up_screen_tells_the_author_who_was_not_notified(scoped, web):
    w = scoped
    client = web(w.rep_b)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/activities/for/customer/{w.customer.pk}/add/",
        {"kind": "call", "occurred_at": now, "content": f"{mentions.token(w.rep_a)} 你也看看"},
        follow=True,
    )
    assert response.status_code == 200
    assert "张三 无权查看该记录，没有收到提及通知。" in response.content.decode()
    activity = Activity.objects.get(customer=w.customer)
    response = client.post(
        f"/activities/{activity.pk}/edit/",
        {"kind": "call", "occurred_at": now, "version": activity.version,
         "content": f"{mentions.token(w.manager)} 请审核"},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "跟进记录已保存" in html and "无权查看" not in html
