"""Readable change values and the per-record history component."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from guanxi.audit import display
from guanxi.audit.tests.factories import change, rename_department
from guanxi.core.tenancy import org_scope
from guanxi.orgs import services as orgs
from guanxi.orgs.models import Department, Employee

pytestmark = pytest.mark.django_db


def _field(model, name):
    return model._meta.get_field(name)


@pytest.mark.parametrize(
    ("value", "field", "text"),
    [
        (None, None, "—"),
        ("", None, "—"),
        ([], None, "—"),
        ({"id": 3, "repr": "华东组"}, None, "华东组"),
        (
            [{"id": 1, "repr": "销售代表"}, {"id": 2, "repr": "客服专员"}],
            None,
            "销售代表、客服专员",
        ),
        (["上海", "北京"], None, "上海、北京"),
        (True, None, "是"),
        (False, None, "否"),
        ("left", ("employee", "status"), "离职"),
        ("2026-03-02T01:30:00+00:00", ("employee", "left_at"), "2026-03-02 09:30"),
        ({"customers": {"scope": "own"}}, None, '{"customers": {"scope": "own"}}'),
        (12, None, "12"),
    ],
)
def test_format_value(value, field, text):
    models = {"employee": Employee}
    model_field = _field(models[field[0]], field[1]) if field else None
    assert display.format_value(value, model_field) == text


def test_describe_changes_uses_field_labels(world):
    record = change(
        world.org,
        entity="orgs.employee",
        changes={
            "department": {"old": {"id": 1, "repr": "华东组"}, "new": {"id": 2, "repr": "华北组"}},
            "status": {"old": "active", "new": "left"},
            "gone_field": {"old": 1, "new": 2},
        },
    )
    rows = display.describe_changes(record, employee=world.admin)
    assert [(r.label, r.old, r.new) for r in rows] == [
        ("部门", "华东组", "华北组"),
        ("gone_field", "1", "2"),
        ("状态", "在职", "离职"),
    ]  # by key, whatever order the database keeps them in


def test_values_speak_the_readers_language():
    with translation.override("en"):
        assert (display.format_value(True), display.format_value(False)) == ("Yes", "No")
        assert str(display.entity_label("audit.changerecord")) == "Audit change log"


def test_sensitive_fields_are_hidden_without_the_capability(world, monkeypatch):
    monkeypatch.setattr(
        Employee,
        "AUDIT_SENSITIVE",
        {"mobile": "special.view_full_phone", "title": "special.view_cost"},
        raising=False,
    )
    record = change(
        world.org,
        entity="orgs.employee",
        changes={
            "mobile": {"old": "13812345678", "new": "13987654321"},
            "title": {"old": None, "new": "总监"},
        },
    )
    with org_scope(world.org):
        plain = {
            r.name: (r.old, r.new)
            for r in display.describe_changes(record, employee=world.readonly)
        }
        full = {
            r.name: (r.old, r.new) for r in display.describe_changes(record, employee=world.admin)
        }
    assert plain == {"mobile": ("138****5678", "139****4321"), "title": ("—", "***")}
    assert full == {"mobile": ("13812345678", "13987654321"), "title": ("—", "总监")}


def test_entity_labels_and_choices():
    assert display.entity_label("orgs.department") == "部门"
    assert display.entity_label("audit.changerecord") == "审计变更日志"
    assert display.entity_label("nothing.here") == "nothing.here"
    entities = dict(display.entity_choices())
    assert entities["orgs.employee"] == "员工"
    assert "audit.changerecord" not in entities
    assert "audit.changerecord" in dict(display.entity_choices(include_audit=True))


def _render_history(obj, employee):
    request = RequestFactory().get("/")
    request.employee = employee
    template = Template("{% load audit_tags %}{% record_history obj %}")
    return template.render(Context({"obj": obj, "request": request, "employee": employee}))


def test_history_component_renders_field_changes(world, django_assert_max_num_queries):
    rename_department(world.admin, world.east, "华东一组")
    with org_scope(world.org):
        orgs.department_update(actor=world.admin, department=world.east, parent=world.root)
        east = Department.objects.get(pk=world.east.pk)
        with django_assert_max_num_queries(1):
            html = _render_history(east, world.admin)
    assert html.count('data-testid="history-entry"') == 2
    assert "名称" in html and "华东组" in html and "华东一组" in html
    assert "销售部" in html and "阿尔法公司" in html  # FK shown by its name
    assert "→" in html and "管理员" in html
    assert f"object_id={world.east.pk}" in html  # link into the full log for auditors


def test_history_component_without_records_or_audit_permission(world):
    with org_scope(world.org):
        html = _render_history(world.north, world.rep_a)
    assert 'data-testid="history-empty"' in html
    assert "/audit/" not in html
