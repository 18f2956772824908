"""The service report screen, its Excel download and its API: permissions, bad filters,
figures the same as the selectors', query counts."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from guanxi.audit.models import ExportRecord
from guanxi.core.tenancy import org_scope
from guanxi.service.reports.tests.helpers import at, ticket

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
MARCH = {"preset": "custom", "start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def tickets(world):
    day = datetime.date(2026, 3, 10)
    return [
        ticket(world, created=at(day), assignee=world.agent, status="resolved",
               responded_after=2 * H, resolved_after=4 * H, replies=1),
        ticket(world, created=at(day), assignee=world.agent, category="complaint"),
    ]  # fmt: skip


def test_screen_shows_the_figures_in_both_languages(world, web, tickets):
    page = web(world.admin).get("/service/reports/", MARCH)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="kpi-volume">2<' in html
    assert 'data-testid="kpi-resolved">1<' in html
    assert "按处理人统计" in html
    assert world.agent.name in html
    english = web(world.admin).get(
        "/service/reports/", {**MARCH, "by": "category"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 200


def test_screen_htmx_gets_the_sections_only(world, web, tickets):
    part = web(world.admin).get("/service/reports/", MARCH, HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    assert "<html" not in part.content.decode()
    assert 'id="service-report"' in part.content.decode()


def test_bad_dates_are_explained_and_nothing_is_counted(world, web, api):
    bad = {"preset": "custom", "start": "2026-03-31", "end": "2026-03-01"}
    page = web(world.admin).get("/service/reports/", bad)
    assert page.status_code == 200
    assert "结束日期不能早于开始日期" in page.content.decode()
    answer = api(world.admin).get("/api/v1/service-reports/summary", bad)
    assert answer.status_code == 400
    assert "end" in answer.json()["fields"]


def test_without_reports_permission_nothing_is_shown(world, web, api, tickets):
    assert web(world.rep_a).get("/service/reports/").status_code == 403
    assert api(world.rep_a).get("/api/v1/service-reports/summary").status_code == 403
    assert api(world.rep_a).get("/api/v1/service-reports/breakdown").status_code == 403


def test_api_summary_and_breakdown(world, api, tickets):
    client = api(world.admin)
    summary = client.get("/api/v1/service-reports/summary", MARCH).json()
    assert summary["volume"] == 2
    assert summary["resolved"] == 1
    assert summary["backlog"] == 1
    assert summary["first_response_hours"] == "2.0"
    assert summary["fcr_rate"] == "100.0"
    rows = client.get("/api/v1/service-reports/breakdown", {**MARCH, "by": "category"}).json()
    assert rows["by"] == "category"
    assert {row["key"]: row["volume"] for row in rows["rows"]} == {"repair": 1, "complaint": 1}
    months = client.get("/api/v1/service-reports/breakdown", {**MARCH, "by": "month"}).json()
    assert [row["key"] for row in months["rows"]] == ["2026-03"]
    assert client.get("/api/v1/service-reports/breakdown", {"by": "weather"}).status_code == 400


def test_export_writes_an_audited_workbook(world, web, tickets):
    response = web(world.admin).get("/service/reports/export/", {**MARCH, "by": "assignee"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in values if row and row[0] == "处理人")
    total = values[values.index(header) + 1]
    assert total[:4] == ["合计", 2, 1, 1]
    assert [world.agent.name, 2] == values[values.index(header) + 2][:2]
    with org_scope(world.org):
        record = ExportRecord.objects.get(entity="service_reports")
    assert record.row_count == 1
    # a service agent views but may not export
    assert web(world.agent).get("/service/reports/export/", MARCH).status_code == 403


def test_screen_queries_do_not_grow_with_tickets(
    world, web, tickets, django_assert_max_num_queries
):
    client = web(world.admin)
    client.get("/service/reports/", MARCH)
    with django_assert_max_num_queries(20) as before:
        client.get("/service/reports/", MARCH)
    for _ in range(6):
        ticket(world, created=at(datetime.date(2026, 3, 15)), assignee=world.manager, replies=1)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get("/service/reports/", MARCH)
