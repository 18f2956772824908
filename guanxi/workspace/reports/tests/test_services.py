"""Work report services and selectors: who sees what, who changes what, history,
comments, scores, read marks, reminders and the team overview."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.workspace.notifications.models import Notification
from guanxi.workspace.reports import selectors, services
from guanxi.workspace.reports.models import ReportRevision, ReportScore, WorkReport
from guanxi.workspace.reports.tests.helpers import make_template, write

pytestmark = pytest.mark.django_db
MORNING = datetime.datetime(
    2026, 12, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MORNING, tick=False):
        yield


def _visible(world, employee):
    with org_scope(world.org):
        policy.forget(employee)
        return set(selectors.report_queryset(employee=employee).values_list("pk", flat=True))


def test_drafts_are_only_their_authors(world):
    template = make_template(world)
    draft = write(world, world.rep_a, template, submit=False)
    assert draft.pk in _visible(world, world.rep_a)
    for other in (world.manager, world.admin, world.rep_b, world.readonly):
        assert draft.pk not in _visible(world, other)


def test_submitted_report_reaches_the_manager_chain_scope_and_named_readers(world):
    template = make_template(world)
    report = write(world, world.rep_a, template, readers=[world.agent])
    assert report.pk in _visible(world, world.manager)  # rep_a's manager
    assert report.pk in _visible(world, world.admin)  # scope all
    assert report.pk in _visible(world, world.agent)  # named reader
    assert report.pk not in _visible(world, world.rep_b)  # a peer, own scope
    assert report.pk not in _visible(world, world.readonly)  # 销售部 only, not 华东组


def test_the_whole_manager_chain_sees_and_may_score(world):
    with all_orgs():
        director = EmployeeFactory(
            org=world.org,
            name="总监",
            department=world.service,
            roles=[role(world.org, "销售代表")],
        )
        Employee.objects.filter(pk=world.manager.pk).update(manager=director)
    template = make_template(world)
    report = write(world, world.rep_a, template)
    assert report.pk in _visible(world, director)  # two levels up, scope "own"
    with org_scope(world.org):
        assert selectors.can_score(director, report)
        assert not selectors.can_score(world.rep_a, report)


def test_department_scope_covers_the_authors_department(world):
    template = make_template(world)
    report = write(world, world.manager, template)  # 销售部
    assert report.pk in _visible(world, world.readonly)  # readonly: 销售部 scope


def test_other_orgs_never_see_reports(world, other_world):
    template = make_template(world)
    report = write(world, world.rep_a, template)
    with org_scope(other_world.org):
        assert (
            not selectors.report_queryset(employee=other_world.admin).filter(pk=report.pk).exists()
        )
        assert not WorkReport.objects.filter(pk=report.pk).exists()


def test_one_report_per_author_template_and_period(world):
    template = make_template(world)
    write(world, world.rep_a, template, submit=False)
    with pytest.raises(BusinessRuleError):
        write(world, world.rep_a, template, date="2026-12-02")
    with pytest.raises(ValidationError) as caught:
        write(world, world.rep_a, template, date="2026-12-03")  # the future
    assert "date" in caught.value.message_dict
    weekly = make_template(world, name="周报", period="weekly")
    write(world, world.rep_a, weekly, date="2026-11-30")
    with pytest.raises(BusinessRuleError):
        write(world, world.rep_a, weekly, date="2026-12-02")  # same week


def test_refused_report_writes_nothing(world):
    template = make_template(world)
    with pytest.raises(ValidationError) as caught:
        write(world, world.rep_a, template, values={"done": "x", "visits": "abc", "mood": "?"})
    assert set(caught.value.message_dict) == {"values.visits", "values.mood"}
    with pytest.raises(ValidationError):
        write(world, world.rep_a, template, values={})  # submit without the required field
    with org_scope(world.org):
        assert not WorkReport.objects.exists()


def test_inactive_or_foreign_template_is_refused(world):
    template = make_template(world, departments=[world.service.pk])
    with pytest.raises(ValidationError) as caught:
        write(world, world.rep_a, template)
    assert "template" in caught.value.message_dict
    write(world, world.agent, template)  # 客服部 is chosen
    with org_scope(world.org):
        services.template_update(actor=world.admin, template=template, is_active=False)
    with pytest.raises(ValidationError):
        write(world, world.agent, template, date="2026-12-01")


def test_late_when_submitted_after_due(world):
    template = make_template(world)
    on_time = write(world, world.rep_a, template)
    assert on_time.is_late is False
    with time_machine.travel(MORNING + datetime.timedelta(hours=9), tick=False):
        late = write(world, world.rep_b, template)
    assert late.is_late is True
    yesterday = write(world, world.rep_a, template, date="2026-12-01")
    assert yesterday.is_late is True


def test_only_the_author_edits_and_a_stale_version_is_refused(world):
    template = make_template(world)
    report = write(world, world.rep_a, template, submit=False)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.report_update(actor=world.admin, report=report, values={"done": "改"})
    with org_scope(world.org):
        services.report_update(actor=world.rep_a, report=report, version=1, values={"done": "一"})
        with pytest.raises(StaleVersion):
            services.report_update(
                actor=world.rep_a, report=report, version=1, values={"done": "二"}
            )
        assert WorkReport.objects.get(pk=report.pk).values["done"] == "一"


def test_saving_a_submitted_report_keeps_history(world):
    template = make_template(world)
    report = write(world, world.rep_a, template, submit=False, values={"done": "草稿"})
    with org_scope(world.org):
        services.report_update(actor=world.rep_a, report=report, values={"done": "草稿二"})
        assert not ReportRevision.objects.exists()  # drafts keep no history
        services.report_submit(actor=world.rep_a, report=report)
        services.report_update(actor=world.rep_a, report=report, values={"done": "改正后"})
        services.report_update(actor=world.rep_a, report=report, values={"done": "改正后"})
        revisions = list(ReportRevision.objects.filter(report=report))
        assert [r.values["done"] for r in revisions] == ["草稿二"]
        assert revisions[0].editor_id == world.rep_a.pk
        with pytest.raises(ValidationError):  # a submitted report stays complete
            services.report_update(actor=world.rep_a, report=report, values={"done": ""})
        with pytest.raises(BusinessRuleError):
            services.report_submit(actor=world.rep_a, report=report)


def test_editing_a_template_keeps_submitted_reports_intact(world):
    template = make_template(world)
    submitted = write(world, world.rep_a, template)
    draft = write(world, world.rep_b, template, submit=False)
    with org_scope(world.org):
        services.template_update(
            actor=world.admin,
            template=template,
            fields=[{"key": "summary", "label": "总结", "type": "text", "required": True}],
        )
        services.report_update(actor=world.rep_a, report=submitted, values={"done": "还是旧字段"})
        assert WorkReport.objects.get(pk=submitted.pk).fields[0]["key"] == "done"
        updated = services.report_update(actor=world.rep_b, report=draft, values={"summary": "新"})
        assert [f["key"] for f in updated.fields] == ["summary"]
        assert updated.values == {"summary": "新"}


def test_comments_and_scores_notify_the_author(world):
    template = make_template(world)
    report = write(world, world.rep_a, template, readers=[world.rep_b])
    with org_scope(world.org):
        services.report_comment(actor=world.rep_b, report=report, body="写得好")
        services.report_score(actor=world.manager, report=report, score=4)
        services.report_score(actor=world.manager, report=report, score=5, note="很好")
        services.report_score(actor=world.admin, report=report, score=3)
        assert list(
            ReportScore.objects.filter(report=report, scorer=world.manager).values_list(
                "score", flat=True
            )
        ) == [5]
        page = selectors.report_page(employee=world.manager, report=report)
        assert page["score_average"] == 4.0
        kinds = list(
            Notification.objects.filter(recipient=world.rep_a).values_list("kind", flat=True)
        )
        assert sorted(kinds) == [
            "work_report_comment",
            "work_report_score",
            "work_report_score",
            "work_report_score",
        ]
        with pytest.raises(PermissionDenied):  # a named reader reads, does not score
            services.report_score(actor=world.rep_b, report=report, score=5)
        with pytest.raises(PermissionDenied):
            services.report_score(actor=world.rep_a, report=report, score=5)
        with pytest.raises(ValidationError):
            services.report_score(actor=world.manager, report=report, score=6)
        # commenting and scoring count as having read it
        assert {r.reader_id for r in report.reads.all()} == {
            world.rep_b.pk,
            world.manager.pk,
            world.admin.pk,
        }


def test_a_draft_cannot_be_commented_or_read(world):
    template = make_template(world)
    draft = write(world, world.rep_a, template, submit=False)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.report_comment(actor=world.rep_a, report=draft, body="x")
        with pytest.raises(ValidationError):
            services.report_comment(
                actor=world.manager, report=write(world, world.rep_b, template), body=" "
            )


def test_read_marks_once_per_reader(world):
    template = make_template(world)
    report = write(world, world.rep_a, template)
    with org_scope(world.org):
        assert services.report_mark_read(actor=world.manager, report=report) is True
        assert services.report_mark_read(actor=world.manager, report=report) is False
        assert services.report_mark_read(actor=world.rep_a, report=report) is False  # author
        unread = selectors.readable_reports(employee=world.admin, filters={"unread": True})
        assert [r.pk for r in unread] == [report.pk]
        assert not selectors.readable_reports(employee=world.manager, filters={"unread": True})


def test_reminders_once_per_employee_template_and_period(world, other_world):
    template = make_template(world)
    write(world, world.rep_a, template)
    write(world, world.rep_b, template, submit=False)
    assert services.reminders_scan(org=world.org.pk, now=timezone.now()) == 0  # 10:00: too early
    five_pm = MORNING + datetime.timedelta(hours=7)
    first = services.reminders_scan(org=world.org.pk, now=five_pm)
    with org_scope(world.org):
        reminded = set(
            Notification.objects.filter(kind="work_report_due").values_list(
                "recipient_id", flat=True
            )
        )
    assert world.rep_b.pk in reminded  # a draft is not a report
    assert world.rep_a.pk not in reminded  # submitted
    assert world.readonly.pk not in reminded  # may not write reports
    assert first == len(reminded)
    assert (
        services.reminders_scan(org=world.org.pk, now=five_pm + datetime.timedelta(minutes=15)) == 0
    )
    assert services.reminders_scan(org=other_world.org.pk, now=five_pm) == 0  # no templates there


def test_team_overview_counts_and_constant_queries(world):
    template = make_template(world)
    write(world, world.rep_a, template)
    with org_scope(world.org):
        template = selectors.active_templates()[0]
        policy.forget(world.manager)
        overview = selectors.team_overview(
            employee=world.manager, template=template, day=datetime.date(2026, 12, 2)
        )
    states = {row["employee"].pk: row["state"] for row in overview["rows"]}
    assert states[world.rep_a.pk] == "submitted"
    assert states[world.rep_b.pk] == "missing"
    assert world.manager.pk not in states
    assert overview["counts"]["submitted"] == 1

    def count_queries():
        with org_scope(world.org):
            manager = Employee.objects.get(pk=world.manager.pk)
            with CaptureQueriesContext(connection) as ctx:
                selectors.team_overview(
                    employee=manager, template=template, day=datetime.date(2026, 12, 2)
                )
        return len(ctx)

    few = count_queries()
    with all_orgs():
        for _n in range(8):
            member = EmployeeFactory(
                org=world.org, department=world.east, manager=world.manager,
                roles=[role(world.org, "销售代表")],
            )  # fmt: skip
            write(world, member, template)
    assert count_queries() == few


def test_template_with_reports_cannot_be_deleted(world):
    template = make_template(world)
    write(world, world.rep_a, template)
    with org_scope(world.org), pytest.raises(BusinessRuleError):
        services.template_delete(actor=world.admin, template=template)
    unused = make_template(world, name="空模板")
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.template_delete(actor=world.manager, template=unused)
        services.template_delete(actor=world.admin, template=unused)


def test_due_card_lists_open_reports_first(world):
    template = make_template(world)
    make_template(world, name="周报", period="weekly")
    write(world, world.rep_a, template)
    with org_scope(world.org):
        card = selectors.due_card(world.rep_a)
        assert card["open_count"] == 1
        assert [row["done"] for row in card["rows"]] == [False, True]
        assert selectors.due_card(world.readonly) is None


def test_submitting_a_draft_after_the_template_changed(world):
    template = make_template(world)
    draft = write(world, world.rep_a, template, submit=False, values={"done": "写了", "visits": 2})
    with org_scope(world.org):
        services.template_update(
            actor=world.admin,
            template=template,
            fields=[
                {"key": "done", "label": "今日工作", "type": "textarea", "required": True},
                {"key": "extra", "label": "补充", "type": "text"},
            ],
        )
        report = services.report_submit(actor=world.rep_a, report=draft)
        assert report.status == "submitted"
        assert report.values == {"done": "写了", "extra": None}
