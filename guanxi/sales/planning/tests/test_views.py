"""Screens: the target board, new/edit/delete, the yearly plan, the export, the start
card and the forecast page; their query counts do not grow with the rows."""

import datetime
import io

import pytest
import time_machine
from openpyxl import load_workbook

from guanxi.core.tenancy import org_scope
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.sales.planning.models import ForecastSnapshot, SalesTarget
from guanxi.sales.planning.tests import helpers as h

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 10, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel(NOW, tick=False):
        yield


def test_board_shows_the_tree_with_attainment(world, web):
    h.order(world, world.rep_a, "500", datetime.date(2026, 12, 2))
    h.target(world, period="2026-12", measure="order_amount", value="1000", employee=world.rep_a)
    page = web(world.manager).get("/planning/?period=2026-12").content.decode()
    assert 'data-testid="target-table"' in page
    assert "50.0%" in page and "华东组" in page and "客服部" not in page
    assert 'data-testid="target-plan-link"' in page


def test_rep_sees_only_own_row_and_no_entry_links(world, web):
    h.target(world, period="2026-12", measure="order_amount", value="1000", employee=world.rep_b)
    page = web(world.rep_a).get("/planning/").content.decode()
    assert page.count('data-testid="target-row"') == 1
    assert world.rep_b.name not in page
    assert 'data-testid="target-new"' not in page and 'data-testid="target-export"' not in page
    assert web(world.rep_a).get("/planning/targets/plan/").status_code == 403


def test_bad_period_is_a_translated_message(world, web):
    page = web(world.admin).get("/planning/?period=2026-13").content.decode()
    assert 'data-testid="period-error"' in page and "周期格式不正确" in page


def test_board_queries_do_not_grow_with_the_rows(world, web, django_assert_max_num_queries):
    client = web(world.admin)
    h.target(world, period="2026-12", measure="order_amount", value="1000", employee=world.rep_a)
    with django_assert_max_num_queries(10) as one:
        assert client.get("/planning/?period=2026-12").status_code == 200
    for index in range(6):
        person = EmployeeFactory(
            org=world.org, name=f"新人{index}", department=world.north,
            roles=[role(world.org, "销售代表")],
        )  # fmt: skip
        h.target(world, period="2026-12", measure="order_amount", value="100", employee=person)
        h.order(world, person, "50", datetime.date(2026, 12, 3))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/planning/?period=2026-12").status_code == 200


def test_create_edit_delete_through_the_screens(world, web):
    client = web(world.admin)
    bad = client.post(
        "/planning/targets/new/",
        {"subject": "employee", "employee": world.rep_a.pk, "period": "2026-Q5",
         "measure": "order_amount", "value": "100"},
    )  # fmt: skip
    assert bad.status_code == 400 and "周期格式不正确" in bad.content.decode()
    done = client.post(
        "/planning/targets/new/",
        {"subject": "employee", "employee": world.rep_a.pk, "period": "2026-Q4",
         "measure": "order_amount", "value": "3000"},
    )  # fmt: skip
    assert done.status_code == 302
    with org_scope(world.org):
        target = SalesTarget.objects.get()
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="detail-target">3,000.00<' in page
    client.post(f"/planning/targets/{target.pk}/edit/", {"value": "3500", "note": "", "version": 1})
    with org_scope(world.org):
        assert SalesTarget.objects.get().value == 3500
    client.post(f"/planning/targets/{target.pk}/delete/")
    with org_scope(world.org):
        assert not SalesTarget.objects.exists()


def test_detail_query_count(world, web, django_assert_max_num_queries):
    target = h.target(world, period="2026-12", measure="quantity", value="10", employee=world.rep_a)
    client = web(world.admin)
    with django_assert_max_num_queries(8):
        assert client.get(f"/planning/targets/{target.pk}/").status_code == 200
    assert web(world.rep_b).get(f"/planning/targets/{target.pk}/").status_code == 404


def test_plan_grid_saves_and_shows_cell_errors(world, web):
    client = web(world.manager)
    url = f"/planning/targets/plan/?department={world.east.pk}&year=2026"
    page = client.get(url).content.decode()
    assert page.count('data-testid="plan-row"') == 2  # the department and rep_a
    key = f"e{world.rep_a.pk}"
    body = {"department": world.east.pk, "year": 2026, "measure": "order_amount"}
    body.update({f"c-{key}-{m}": "1000" for m in range(1, 13)})
    body[f"c-{key}-4"] = "一千"
    refused = client.post("/planning/targets/plan/", body)
    assert refused.status_code == 400
    assert (
        "is-invalid" in refused.content.decode() and "目标值必须是数字" in refused.content.decode()
    )
    with org_scope(world.org):
        assert not SalesTarget.objects.exists()
    body[f"c-{key}-4"] = "1000"
    assert client.post("/planning/targets/plan/", body).status_code == 302
    with org_scope(world.org):
        assert SalesTarget.objects.filter(employee=world.rep_a).count() == 12


def test_export_is_a_workbook_and_needs_the_permission(world, web):
    h.target(world, period="2026-12", measure="order_amount", value="1000", employee=world.rep_a)
    response = web(world.admin).get("/planning/targets/export/?period=2026-12")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert any(world.rep_a.name in (name or "") for name in names)
    assert web(world.rep_a).get("/planning/targets/export/").status_code == 403


def test_start_card_is_loaded_after_the_page(world, web):
    h.target(world, period="2026-12", measure="order_amount", value="1000", employee=world.rep_a)
    h.order(world, world.rep_a, "250", datetime.date(2026, 12, 2))
    client = web(world.rep_a)
    assert 'data-testid="planning-start-card"' in client.get("/").content.decode()
    body = client.get("/planning/my-targets/").content.decode()
    assert 'data-testid="my-target-attainment">25.0%<' in body
    assert "还没有为您设定目标" in web(world.rep_b).get("/planning/my-targets/").content.decode()
    assert 'data-testid="planning-start-card"' not in web(world.agent).get("/").content.decode()


def test_forecast_page_and_snapshot(world, web, django_assert_max_num_queries):
    h.opportunity(world, world.rep_a, "10000", datetime.date(2026, 12, 20), 40)
    client = web(world.admin)
    with django_assert_max_num_queries(12):
        page = client.get("/planning/forecast/").content.decode()
    assert 'data-testid="forecast-chart"' in page and 'id="forecast-data"' in page
    assert "4,000.00" in page
    assert client.post("/planning/forecast/snapshot/").status_code == 302
    with org_scope(world.org):
        assert ForecastSnapshot.objects.filter(subject_key="org").count() == 1
    assert web(world.agent).get("/planning/forecast/").status_code == 403
    assert (
        'data-testid="forecast-snapshot"'
        not in web(world.rep_a).get("/planning/forecast/").content.decode()
    )


def test_pages_speak_english(world, web, settings):
    h.target(world, period="2026-12", measure="order_amount", value="1000", employee=world.rep_a)
    client = web(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    board = client.get("/planning/").content.decode()
    assert "Attainment" in board and "Yearly plan" in board and "完成率" not in board
    forecast = client.get("/planning/forecast/").content.decode()
    assert "Weighted amount" in forecast and "Past the expected close date" in forecast
