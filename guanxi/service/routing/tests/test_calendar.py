"""The work calendar: adding holidays and make-up working days (one day, a range, pasted
lines — all or nothing, errors named by line), loading it for the clocks in one query
and once per cache, the SLA due times that skip a holiday, the setup screen
(permissions, query budget) and ``/api/v1/work-calendar``."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.service.routing import selectors, services
from guanxi.service.routing.models import CalendarDay
from guanxi.service.routing.tests.helpers import calendar_days, sla, ticket, work_week

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def dates(world):
    with org_scope(world.org):
        return {(day.date.isoformat(), day.kind, day.name) for day in CalendarDay.objects.all()}


# ---- services ------------------------------------------------------------------------------


def test_a_range_adds_every_day_with_its_name(world):
    made = calendar_days(world, "2026-10-01", "2026-10-08", name="国庆节")
    assert [day.date.day for day in made] == list(range(1, 9))
    assert {day.name for day in made} == {"国庆节"}
    assert {day.kind for day in made} == {"holiday"}


def test_a_make_up_working_day(world):
    (day,) = calendar_days(world, "2026-10-10", name="国庆节调休", kind="workday")
    assert day.kind == CalendarDay.Kind.WORKDAY and day.date == datetime.date(2026, 10, 10)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start": "2026-10-08", "end": "2026-10-01", "name": "国庆节"}, "end"),
        ({"start": "2026-01-01", "end": "2026-12-31", "name": "全年"}, "end"),
        ({"start": "10/01/2026", "name": "国庆节"}, "start"),
        ({"start": "2026-10-01", "name": ""}, "name"),
        ({"start": "2026-10-01", "name": "国庆节", "kind": "weekend"}, "kind"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(world, fields, field):
    with org_scope(world.org), pytest.raises(ValidationError) as refused:
        services.calendar_days_add(actor=world.admin, **fields)
    assert field in refused.value.message_dict
    assert dates(world) == set()


def test_a_taken_date_refuses_the_whole_range(world):
    calendar_days(world, "2026-10-03", name="周末")
    with org_scope(world.org), pytest.raises(ValidationError) as refused:
        services.calendar_days_add(
            actor=world.admin, start="2026-10-01", end="2026-10-08", name="国庆节"
        )
    assert "2026-10-03 已在工作日历中（周末）" in refused.value.message_dict["start"][0]
    assert dates(world) == {("2026-10-03", "holiday", "周末")}


def test_only_setup_editors_change_the_calendar(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.calendar_days_add(actor=world.agent, start="2026-10-01", name="国庆节")
    assert dates(world) == set()


def test_pasted_lines_are_imported_together(world):
    with org_scope(world.org):
        made = services.calendar_days_import(
            actor=world.admin,
            text="# 2026 年\n2026-10-01,2026-10-03 国庆节 休\n\n2026-10-10 国庆节 调休 班\n"
            "2027-01-01 元旦",
        )
    assert len(made) == 5
    assert ("2026-10-10", "workday", "国庆节 调休") in dates(world)
    assert ("2027-01-01", "holiday", "元旦") in dates(world)


def test_pasted_errors_name_their_lines_and_nothing_is_written(world):
    calendar_days(world, "2026-05-01", name="劳动节")
    text = "\n".join(
        [
            "2026-10-01,2026-10-08 国庆节 休",  # fine
            "2026-13-01 坏日期",  # 2: no such month
            "2026-10-09",  # 3: no name
            "2026-10-05 重复",  # 4: also in line 1
            "2026-05-01 劳动节",  # 5: already in the calendar
            "2026-10-20,2026-10-10 倒序",  # 6: reversed
        ]
    )
    with org_scope(world.org), pytest.raises(ValidationError) as refused:
        services.calendar_days_import(actor=world.admin, text=text)
    problems = refused.value.message_dict["text"]
    assert [problem.split("：", 1)[0] for problem in problems] == [
        "第 2 行",
        "第 3 行",
        "第 4 行",
        "第 6 行",
        "第 5 行",
    ]
    assert "与第 1 行重复" in problems[2]
    assert dates(world) == {("2026-05-01", "holiday", "劳动节")}


def test_pasting_nothing_is_explained(world):
    with org_scope(world.org), pytest.raises(ValidationError) as refused:
        services.calendar_days_import(actor=world.admin, text="\n# 注释\n")
    assert "请粘贴至少一行" in refused.value.message_dict["text"][0]


def test_a_day_is_renamed_or_deleted_but_its_date_stays(world):
    (day,) = calendar_days(world, "2026-10-01")
    with org_scope(world.org):
        renamed = services.calendar_day_update(
            actor=world.admin, day=day, name="国庆", kind="workday"
        )
        assert (renamed.name, renamed.kind) == ("国庆", "workday")
        with pytest.raises(ValidationError):
            services.calendar_day_update(actor=world.admin, day=day, date="2026-10-02")
        services.calendar_day_delete(actor=world.admin, day=day)
    assert dates(world) == set()


# ---- loading and the clocks ----------------------------------------------------------------


def test_the_calendar_loads_its_days_in_one_query_and_once_per_cache(world):
    calendar_days(world, "2026-10-01", "2026-10-08")
    calendar_days(world, "2026-10-10", name="调休", kind="workday")
    with org_scope(world.org):
        with CaptureQueriesContext(connection) as loaded:
            calendar = selectors.work_calendar(world.org.pk, since=datetime.date(2026, 9, 1))
        assert len([q for q in loaded if "calendarday" in q["sql"]]) == 1
        assert len(loaded) == 2  # the settings and the days
        assert datetime.date(2026, 10, 5) in calendar.holidays
        assert calendar.extra_days == frozenset({datetime.date(2026, 10, 10)})
        with selectors.calendar_cache(), CaptureQueriesContext(connection) as cached:
            for _ in range(5):
                selectors.work_calendar(world.org.pk, since=datetime.date(2026, 9, 1))
        assert len(cached) == 2


def test_the_calendar_reads_a_bounded_range(world):
    calendar_days(world, "2020-10-01", name="旧国庆")
    calendar_days(world, "2026-10-01", name="国庆节")
    with org_scope(world.org):
        calendar = selectors.work_calendar(world.org.pk, since=datetime.date(2026, 1, 1))
    assert datetime.date(2020, 10, 1) not in calendar.holidays
    assert datetime.date(2026, 10, 1) in calendar.holidays


def test_an_sla_due_time_skips_the_national_holiday(world):
    work_week(world)
    calendar_days(world, "2026-10-01", "2026-10-08")
    calendar_days(world, "2026-10-10", name="国庆节调休", kind="workday")
    sla(world, "普通", first_response_minutes=120, resolution_minutes=9 * 60 * 2)
    created = datetime.datetime(2026, 9, 30, 17, tzinfo=SH)
    made = ticket(world, created_at=created)
    with org_scope(world.org):
        clock = services.sla_start(ticket=made)
    local = timezone.localtime
    # 1 hour on 9-30, then 10-09 (Friday) from 9:00
    assert local(clock.first_response_due_at, SH) == datetime.datetime(2026, 10, 9, 10, tzinfo=SH)
    # 18 hours: 1 on 9-30, 9 on 10-09, 8 on the make-up Saturday 10-10
    assert local(clock.resolution_due_at, SH) == datetime.datetime(2026, 10, 10, 17, tzinfo=SH)


def test_a_pause_over_a_holiday_costs_no_working_time(world):
    work_week(world)
    calendar_days(world, "2026-10-01", "2026-10-08")
    sla(world, "普通", first_response_minutes=60, resolution_minutes=9 * 60 * 3)
    made = ticket(world, created_at=datetime.datetime(2026, 9, 29, 9, tzinfo=SH))
    with org_scope(world.org):
        clock = services.sla_start(ticket=made)
        due = clock.resolution_due_at
        services.sla_on_status(
            ticket=made, old="assigned", new="waiting",
            at=datetime.datetime(2026, 9, 30, 18, tzinfo=SH),
        )  # fmt: skip
        clock = services.sla_on_status(
            ticket=made, old="waiting", new="assigned",
            at=datetime.datetime(2026, 10, 9, 9, tzinfo=SH),
        )  # fmt: skip
    assert clock.paused_seconds == 0 and clock.resolution_due_at == due


# ---- the setup screen ----------------------------------------------------------------------


def test_the_screen_lists_the_year(world, web, django_assert_max_num_queries):
    calendar_days(world, "2026-10-01", "2026-10-08")
    calendar_days(world, "2027-01-01", name="元旦")
    client = web(world.admin)
    client.get("/service/routing/calendar/?year=2026")
    with django_assert_max_num_queries(30) as few:
        response = client.get("/service/routing/calendar/?year=2026")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="calendar-row"') == 8 and "元旦" not in page
    assert 'data-testid="calendar-add-form"' in page
    calendar_days(world, "2026-05-01", "2026-05-05", name="劳动节")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/service/routing/calendar/?year=2026").content.decode()
    assert page.count('data-testid="calendar-row"') == 13


def test_the_screen_needs_service_setup(world, web):
    assert web(world.rep_a).get("/service/routing/calendar/").status_code == 403
    response = web(world.readonly).get("/service/routing/calendar/")
    if response.status_code == 200:  # read-only: the days, no forms
        assert 'data-testid="calendar-add-form"' not in response.content.decode()
    assert (
        web(world.readonly)
        .post("/service/routing/calendar/add/", {"start": "2026-10-01", "name": "国庆节"})
        .status_code
        == 403
    )
    assert dates(world) == set()


def test_adding_a_range_from_the_screen(world, web):
    response = web(world.admin).post(
        "/service/routing/calendar/add/",
        {"start": "2026-10-01", "end": "2026-10-08", "kind": "holiday", "name": "国庆节"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?year=2026")
    assert len(dates(world)) == 8


def test_a_refused_paste_shows_the_lines_and_keeps_the_text(world, web):
    response = web(world.admin).post(
        "/service/routing/calendar/import/", {"text": "2026-10-01 国庆节\n2026-02-30 坏"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 2 行" in page and "2026-02-30 坏" in page
    assert dates(world) == set()


def test_deleting_another_orgs_day_is_a_404(world, other_world, web):
    (foreign,) = calendar_days(other_world, "2026-10-01")
    response = web(world.admin).post(f"/service/routing/calendar/{foreign.pk}/delete/")
    assert response.status_code == 404
    assert len(dates(other_world)) == 1


def test_the_setup_tabs_link_the_calendar(world, web):
    page = web(world.admin).get("/service/routing/sla/").content.decode()
    assert "/service/routing/calendar/" in page


# ---- API -----------------------------------------------------------------------------------


def test_api_lists_a_year_creates_and_deletes(world, api):
    calendar_days(world, "2026-10-01", "2026-10-03")
    calendar_days(world, "2027-01-01", name="元旦")
    client = api(world.admin)
    listing = client.get("/api/v1/work-calendar", {"year": 2026, "ordering": "date"}).json()
    assert listing["count"] == 3
    assert listing["items"][0] | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0, "date": "2026-10-01", "kind": "holiday", "kind_label": "休息日", "weekday": 4,
        "name": "国庆节", "created_at": "", "updated_at": "",
    }  # fmt: skip
    made = client.post(
        "/api/v1/work-calendar",
        {"date": "2026-10-10", "kind": "workday", "name": "调休"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["weekday"] == 6
    assert client.delete(f"/api/v1/work-calendar/{made.json()['id']}").status_code == 204
    assert len(dates(world)) == 4


def test_api_refuses_a_taken_date_with_a_translated_400(world, api):
    calendar_days(world, "2026-10-01")
    response = api(world.admin).post(
        "/api/v1/work-calendar", {"date": "2026-10-01", "name": "又一个"}, format="json"
    )
    assert response.status_code == 400
    assert "已在工作日历中" in str(response.json()["fields"])
    assert len(dates(world)) == 1


def test_api_import_is_all_or_nothing(world, api):
    client = api(world.admin)
    bad = client.post(
        "/api/v1/work-calendar/import", {"text": "2026-10-01,2026-10-08 国庆节\nxx"}, format="json"
    )
    assert bad.status_code == 400 and "第 2 行" in str(bad.json()["fields"]["text"])
    assert dates(world) == set()
    good = client.post(
        "/api/v1/work-calendar/import",
        {"text": "2026-10-01,2026-10-08 国庆节\n2026-10-10 国庆节调休 班"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="calendar-2026",
    )
    assert good.status_code == 201 and good.json()["count"] == 9
    again = client.post(
        "/api/v1/work-calendar/import",
        {"text": "2026-10-01,2026-10-08 国庆节\n2026-10-10 国庆节调休 班"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="calendar-2026",
    )
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert len(dates(world)) == 9


def test_api_import_needs_setup_edit(world, api):
    response = api(world.readonly).post(
        "/api/v1/work-calendar/import", {"text": "2026-10-01 国庆节"}, format="json"
    )
    assert response.status_code == 403
    assert dates(world) == set()


def test_the_middleware_reads_the_calendar_once_per_request(world):
    from guanxi.service.routing.middleware import CalendarCacheMiddleware

    def view(_request):
        with CaptureQueriesContext(connection) as counted:
            for _ in range(3):
                selectors.work_calendar(world.org.pk)
        return len(counted)

    with org_scope(world.org):
        assert CalendarCacheMiddleware(view)(object()) == 2
        assert view(object()) == 6  # without it, each call reads


def test_the_demo_seeds_the_years_holidays_once(world):
    from guanxi.service.routing import demo

    with org_scope(world.org):
        made = demo.seed(world.admin)
        assert made["calendar_days"] == 39  # 33 days off, 6 make-up working days
        assert CalendarDay.objects.get(date=datetime.date(2026, 10, 10)).kind == "workday"
        assert demo.seed(world.admin)["calendar_days"] == 0
