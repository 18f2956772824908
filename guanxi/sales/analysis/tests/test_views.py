"""The sales analysis screen and its Excel downloads: permissions, filters, htmx
sections, query budgets and the workbook contents."""

import io

import pytest
from openpyxl import load_workbook

from guanxi.audit.models import ExportRecord
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Role
from guanxi.sales.analysis.tests.helpers import PERIOD, build

pytestmark = pytest.mark.django_db
URL = "/sales-analysis/"


@pytest.fixture
def history(world):
    return build(world)


def grant_export(world, role_name="销售主管"):
    with org_scope(world.org):
        role = Role.objects.get(name=role_name)
        role.permissions = [*role.permissions, "reports.export"]
        role.save()


def test_overview_shows_the_figures(world, history, web, django_assert_max_num_queries):
    client = web(world.admin)
    # session, employee and roles, org settings, four filter option lists, the filter
    # ids, then a fixed number of grouped queries per section whatever the data size
    with django_assert_max_num_queries(19):
        response = client.get(URL, {**PERIOD, "by": "employee"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="kpi-order-amount">7,300.00<' in body
    assert 'data-testid="kpi-win-rate">75.0%<' in body
    assert "funnel-chart-data" in body and "breakdown-chart-data" in body
    assert body.count('data-testid="breakdown-row"') == 3
    assert body.count('data-testid="funnel-row"') == 5
    assert body.count('data-testid="top-row"') == 3


@pytest.mark.parametrize("by", ["department", "product", "product_line", "region", "quarter"])
def test_every_dimension_renders(world, history, web, by, django_assert_max_num_queries):
    client = web(world.admin)
    with django_assert_max_num_queries(20):
        response = client.get(URL, {**PERIOD, "by": by, "order": "growth"})
    assert response.status_code == 200
    assert 'data-testid="breakdown-table"' in response.content.decode()


def test_htmx_request_gets_the_sections_only(world, history, web):
    response = web(world.admin).get(URL, PERIOD, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith("{") is False
    assert "<html" not in body
    assert 'id="analysis"' in body
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(world, history, web):
    response = web(world.admin).get(
        URL, PERIOD, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_a_manager_sees_the_department_tree(world, history, web):
    body = web(world.manager).get(URL, PERIOD).content.decode()
    assert 'data-testid="kpi-order-amount">7,000.00<' in body


def test_a_rep_without_reports_view_is_refused(world, history, web):
    assert web(world.rep_a).get(URL, PERIOD).status_code == 403


def test_bad_filters_show_errors_not_a_500(world, history, web):
    client = web(world.admin)
    body = client.get(URL, {"start": "2026-03-01", "end": "2026-01-01"}).content.decode()
    assert 'data-testid="filter-errors"' in body
    assert "结束日期不能早于开始日期" in body
    for params in ({"start": "soon"}, {"department": "999999"}, {"by": "planet"}, {"top": "0"}):
        response = client.get(URL, params)
        assert response.status_code == 200
        assert 'data-testid="filter-errors"' in response.content.decode()


def test_another_orgs_department_is_refused(world, other_world, history, web):
    response = web(world.admin).get(URL, {"department": other_world.sales.pk})
    assert "部门不存在" in response.content.decode()


def test_export_needs_reports_export(world, history, web):
    """A read-only employee sees the analysis but may not take it to Excel; a sales
    manager may (the preset role exports reports)."""
    client = web(world.readonly)
    assert client.get(f"{URL}export/breakdown/", PERIOD).status_code == 403
    body = client.get(URL, PERIOD).content.decode()
    assert 'data-testid="export-breakdown"' not in body
    manager = web(world.manager)
    assert manager.get(f"{URL}export/breakdown/", PERIOD).status_code == 200
    assert 'data-testid="export-breakdown"' in manager.get(URL, PERIOD).content.decode()


def _sheet(response):
    book = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_export_breakdown_workbook(world, history, web):
    grant_export(world)
    client = web(world.manager)
    response = client.get(f"{URL}export/breakdown/", {**PERIOD, "by": "employee"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = _sheet(response)
    header = rows.index(
        [
            "员工",
            "订单金额",
            "订单数",
            "赢单数",
            "输单数",
            "赢单率（%）",
            "赢单金额",
            "平均成交金额",
            "平均成交周期（天）",
        ]
    )
    assert rows[header + 1] == ["李四", 4000.0, 1, 1, 0, 100.0, 20000.0, 20000.0, 40.0]
    assert rows[header + 2][:3] == ["张三", 3000.0, 2]
    assert len(rows) == header + 3  # the agent's order is outside the manager's tree
    with org_scope(world.org):
        record = ExportRecord.objects.get(entity="sales_analysis.breakdown")
    assert record.row_count == 2


def test_export_other_tables(world, history, web):
    client = web(world.admin)
    funnel = _sheet(client.get(f"{URL}export/funnel/", PERIOD))
    assert ["初步接洽", 4, 100.0, 75.0, 6.3] in funnel
    summary = _sheet(client.get(f"{URL}export/summary/", PERIOD))
    assert ["赢单率（%）", 75.0] in summary
    top = _sheet(client.get(f"{URL}export/top_customers/", {**PERIOD, "order": "growth"}))
    assert [1, "华东精工", 3000.0, 2, 1500.0, 1500.0, 100.0] in top
    assert client.get(f"{URL}export/nothing/", PERIOD).status_code == 404
    assert client.get(f"{URL}export/summary/", {"start": "x"}).status_code == 400


def test_export_header_follows_the_language(world, history, web, settings):
    client = web(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = _sheet(client.get(f"{URL}export/breakdown/", {**PERIOD, "by": "region"}))
    assert rows[0][0] == "Breakdown"
    assert ["Region (province)", "Order amount", "Orders", "Won", "Lost", "Win rate (%)",
            "Won amount", "Average deal size", "Average cycle (days)"] in rows  # fmt: skip
    assert ["(no region)", 300.0, 1, 1, 0, 100.0, 8000.0, 8000.0, 71.0] in rows
    body = client.get(URL, PERIOD).content.decode()
    assert "Funnel and stage conversion" in body


def test_pipeline_filter(world, history, web):
    from guanxi.sales.opportunities.models import Pipeline, Stage

    with org_scope(world.org):
        other = Pipeline.objects.create(org=world.org, name="渠道流程", sort_order=5)
        for position, (name, kind) in enumerate(
            (("接洽", "open"), ("成交", "won"), ("丢单", "lost"))
        ):
            Stage.objects.create(
                org=world.org, pipeline=other, name=name, position=position, kind=kind
            )
    body = web(world.admin).get(URL, {**PERIOD, "pipeline": other.pk}).content.decode()
    assert 'data-testid="kpi-won">0<' in body
    assert 'data-testid="kpi-order-amount">7,300.00<' in body  # orders have no pipeline
    assert body.count('data-testid="funnel-row"') == 2  # 接洽, 成交: lost is not a step
