"""The commission pages: permissions, forms with errors, actions and query budgets."""

import json

import pytest
from django.urls import reverse

from guanxi.core.tenancy import org_scope
from guanxi.sales.commissions import services
from guanxi.sales.commissions.models import CommissionRule, CommissionStatement
from guanxi.sales.commissions.tests import helpers as c

pytestmark = pytest.mark.django_db


def _rule_post(**extra):
    return {
        "name": "回款提成",
        "basis": "collected",
        "applies_to": "all",
        "valid_from": "2026-01-01",
        "active": "on",
        "tiers_json": json.dumps([{"from_amount": "0", "rate": "3"}]),
        **extra,
    }


def test_rule_editor_creates_and_shows_errors(world, web):
    client = web(world.admin)
    assert client.get(reverse("commissions:rule_create")).status_code == 200
    bad = client.post(
        reverse("commissions:rule_create"),
        _rule_post(tiers_json=json.dumps([{"from_amount": "5", "rate": "3"}])),
    )
    assert bad.status_code == 400
    assert "第一档的起点金额必须是 0" in bad.content.decode()
    response = client.post(reverse("commissions:rule_create"), _rule_post())
    assert response.status_code == 302
    with org_scope(world.org):
        rule = CommissionRule.objects.get()
    assert client.get(reverse("commissions:rule_edit", args=[rule.pk])).status_code == 200
    assert client.get(reverse("commissions:rule_list")).status_code == 200


def test_rule_pages_need_sales_setup(world, web):
    client = web(world.rep_a)
    assert client.get(reverse("commissions:rule_list")).status_code == 403
    assert client.post(reverse("commissions:rule_create"), _rule_post()).status_code == 403


def _data(world, reps=3):
    c.rule(world)
    item = c.product(world)
    made = []
    for employee in (world.rep_a, world.rep_b, world.manager)[:reps]:
        order = c.order(world, employee, [(item, "1000"), (item, "500")])
        c.collect(world, order, "1500")
        made.append(c.generate(world, employee))
    return made


def test_list_and_detail_query_budget(world, web, django_assert_max_num_queries):
    statements = _data(world)
    client = web(world.manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("commissions:statement_list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="statement-row"') == 3
    with django_assert_max_num_queries(14):
        response = client.get(reverse("commissions:statement_detail", args=[statements[0].pk]))
    assert response.status_code == 200
    assert 'data-testid="statement-line"' in response.content.decode()


def test_list_filters_and_rep_scope(world, web):
    statements = _data(world)
    client = web(world.rep_a)
    page = client.get(reverse("commissions:statement_list")).content.decode()
    assert page.count('data-testid="statement-row"') == 1
    other = statements[1]
    assert client.get(reverse("commissions:statement_detail", args=[other.pk])).status_code == 404
    manager = web(world.manager)
    filtered = manager.get(
        reverse("commissions:statement_list"), {"owner": world.rep_b.pk, "period": "2026-05"}
    )
    assert filtered.content.decode().count('data-testid="statement-row"') == 1


def test_generate_one_and_submit_from_the_pages(world, web):
    c.rule(world)
    client = web(world.manager)
    response = client.post(
        reverse("commissions:statement_generate"), {"period": "2026-05", "employee": world.rep_a.pk}
    )
    with org_scope(world.org):
        statement = CommissionStatement.objects.get()
    assert response.url == reverse("commissions:statement_detail", args=[statement.pk])
    bad = client.post(reverse("commissions:statement_generate"), {"period": "五月"})
    assert bad.status_code == 400
    client.post(
        reverse("commissions:statement_adjust", args=[statement.pk]),
        {"amount": "12.5", "reason": "补发"},
    )
    client.post(reverse("commissions:statement_submit", args=[statement.pk]))
    with org_scope(world.org):
        statement = CommissionStatement.objects.get()
    assert statement.status == "approved" and statement.total == c.D("12.5")
    page = client.get(reverse("commissions:statement_detail", args=[statement.pk])).content
    assert b'data-testid="statement-locked"' in page
    client.post(reverse("commissions:statement_delete", args=[statement.pk]))
    with org_scope(world.org):
        assert CommissionStatement.objects.filter(pk=statement.pk).exists()


def test_excel_exports_need_the_export_permission(world, web):
    statements = _data(world, reps=1)
    url = reverse("commissions:statement_export", args=[statements[0].pk])
    assert web(world.rep_a).get(url).status_code == 403
    response = web(world.manager).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    listing = web(world.manager).get(reverse("commissions:statement_list_export"))
    assert listing.status_code == 200


def test_generate_for_everyone_redirects_to_the_job(world, web, django_capture_on_commit_callbacks):
    c.rule(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = web(world.manager).post(
            reverse("commissions:statement_generate"), {"period": "2026-Q2"}
        )
    assert response.status_code == 302 and "/jobs/" in response.url
    with org_scope(world.org):
        assert CommissionStatement.objects.filter(period="2026-Q2").count() >= 3


def test_demo_seed_makes_rules_and_statements(world):
    from guanxi.sales.commissions import demo

    with org_scope(world.org):
        made = demo.seed(world.admin)
        assert CommissionRule.objects.count() == 2  # no product line in this org
        assert made == CommissionStatement.objects.count()
        assert demo.seed(world.admin) == 0
        assert services.CommissionStatement.objects.filter(owner=world.rep_a).exists()
