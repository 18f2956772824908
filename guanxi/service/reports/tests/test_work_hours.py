"""Response and resolution times in working hours: counted with the org's work calendar
(working days and hours, holidays, make-up working days) beside the wall-clock hours,
in the selectors, the API (new fields, old ones unchanged) and the Excel download."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from guanxi.core.tenancy import org_scope
from guanxi.service.reports import selectors
from guanxi.service.reports.selectors import Filters
from guanxi.service.reports.tests.helpers import at, ticket
from guanxi.service.routing.tests.helpers import calendar_days, work_week

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
SEPTEMBER = Filters(start=datetime.date(2026, 9, 1), end=datetime.date(2026, 9, 30))
QUERY = {"preset": "custom", "start": "2026-09-01", "end": "2026-09-30"}


@pytest.fixture
def national_day(world):
    """Mon–Fri 9:00–18:00, 国庆节 10-01..10-08 off, Saturday 10-10 a make-up day; a
    ticket created Wednesday 9-30 17:00, answered Friday 10-09 10:00 (2 working hours,
    209 wall-clock hours) and resolved on the make-up Saturday at 10:00 (11 working
    hours, 233 wall-clock hours)."""
    work_week(world)
    calendar_days(world, "2026-10-01", "2026-10-08")
    calendar_days(world, "2026-10-10", name="国庆节调休", kind="workday")
    return ticket(
        world,
        created=at(datetime.date(2026, 9, 30), 17),
        assignee=world.agent,
        status="resolved",
        responded_after=209 * H,
        resolved_after=233 * H,
        replies=1,
    )


def test_summary_gives_wall_clock_and_working_hours(world, national_day):
    with org_scope(world.org):
        figures = selectors.summary(world.admin, SEPTEMBER)
    assert figures["first_response_hours"] == Decimal("209.0")
    assert figures["first_response_work_hours"] == Decimal("2.0")
    assert figures["resolution_hours"] == Decimal("233.0")
    assert figures["resolution_work_hours"] == Decimal("11.0")


def test_breakdown_rows_carry_working_hours_per_group(world, national_day):
    ticket(world, created=at(datetime.date(2026, 9, 28), 9), category="complaint",
           status="resolved", responded_after=1 * H, resolved_after=24 * H)  # fmt: skip
    with org_scope(world.org):
        rows = selectors.breakdown(world.admin, SEPTEMBER, "category")["rows"]
        months = selectors.breakdown(world.admin, SEPTEMBER, "month")["rows"]
    by_key = {row["key"]: row for row in rows}
    assert by_key["repair"]["first_response_work_hours"] == Decimal("2.0")
    assert by_key["complaint"]["first_response_work_hours"] == Decimal("1.0")
    assert by_key["complaint"]["resolution_work_hours"] == Decimal("9.0")  # Mon 9:00–Tue 9:00
    assert months[0]["resolution_work_hours"] == Decimal("10.0")  # (11 + 9) / 2


def test_without_answers_there_are_no_working_hours(world):
    ticket(world, created=at(datetime.date(2026, 9, 10)), assignee=world.agent)
    with org_scope(world.org):
        figures = selectors.summary(world.admin, SEPTEMBER)
    assert figures["first_response_work_hours"] is None
    assert figures["resolution_work_hours"] is None


def test_api_adds_the_working_hours_and_keeps_the_old_fields(world, api, national_day):
    client = api(world.admin)
    summary = client.get("/api/v1/service-reports/summary", QUERY).json()
    assert summary["first_response_hours"] == "209.0"
    assert summary["first_response_work_hours"] == "2.0"
    assert summary["resolution_hours"] == "233.0"
    assert summary["resolution_work_hours"] == "11.0"
    rows = client.get("/api/v1/service-reports/breakdown", {**QUERY, "by": "assignee"}).json()
    assert rows["rows"][0]["first_response_work_hours"] == "2.0"
    assert rows["rows"][0]["first_response_hours"] == "209.0"


def test_screen_and_export_show_both(world, web, national_day):
    client = web(world.admin)
    page = client.get("/service/reports/", QUERY).content.decode()
    assert 'data-testid="kpi-first-response-work">2.0<' in page
    assert 'data-testid="row-resolution-work">11.0<' in page
    response = client.get("/service/reports/export/", {**QUERY, "by": "assignee"})
    values = [
        [cell.value for cell in row]
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()
    ]
    header = next(row for row in values if row and row[0] == "处理人")
    total = dict(zip(header, values[values.index(header) + 1], strict=True))
    assert total["平均首次响应（小时）"] == 209.0
    assert total["平均首次响应（工作小时）"] == 2.0
    assert total["平均解决时长（工作小时）"] == 11.0
