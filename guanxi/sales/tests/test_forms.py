"""The lines editor's post, its context, and the shared line serializer."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from guanxi.core.tenancy import org_scope
from guanxi.sales.forms import editor_context, lines_from_post
from guanxi.sales.lines import Totals
from guanxi.sales.serializers import LineSerializer


def test_lines_from_post_reads_rows_and_drops_empty_ones():
    rows = [
        {"product": "3", "quantity": " 2 ", "unit_price": "10", "discount": "5", "extra": "x"},
        {"product": "", "quantity": "", "unit_price": "", "description": ""},
    ]
    lines = lines_from_post({"lines_json": json.dumps(rows)})
    assert lines == [{"product": "3", "quantity": "2", "unit_price": "10", "discount": "5"}]


def test_lines_from_post_without_field_is_empty():
    assert lines_from_post({}) == []


@pytest.mark.parametrize("text", ["not json", '{"a": 1}', '["x"]'])
def test_lines_from_post_refuses_malformed(text):
    with pytest.raises(ValidationError) as exc:
        lines_from_post({"lines_json": text})
    assert "lines" in exc.value.message_dict


def test_editor_context_labels_rows_and_offers_products(world, make_product):
    printer = make_product("激光打印机", code="P-001", list_price=Decimal("1999"))
    retired = make_product("旧型号", code="P-002", active=False)
    with org_scope(world.org):
        context = editor_context(
            org_id=world.org.pk,
            rows=[{"product": str(retired.pk), "quantity": "1"}],
            places=2,
            currency="CNY",
            errors=["第 1 行：数量必须大于 0。"],
        )
    initial = json.loads(context["lines_initial"])
    assert initial[0]["label"] == "P-002 旧型号"
    assert {p.pk for p in context["products"]} == {printer.pk, retired.pk}
    html = render_to_string("sales/_lines_editor.html", context)
    assert 'x-data="linesEditor"' in html
    assert f'data-id="{printer.pk}"' in html
    assert "第 1 行：数量必须大于 0。" in html


def test_lines_table_renders_totals():
    totals = Totals(
        subtotal=Decimal("10.00"),
        discount=Decimal("1.00"),
        amount=Decimal("9.00"),
        tax=Decimal("1.17"),
        total=Decimal("10.17"),
    )
    html = render_to_string(
        "sales/_lines_table.html", {"lines": [], "totals": totals, "currency": "CNY"}
    )
    assert "10.17" in html
    assert "CNY" in html


def test_line_serializer_passes_raw_values_on():
    serializer = LineSerializer(
        data={"product": 5, "quantity": "-1", "unit_price": "2.5", "discount": "150"}
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "product": 5,
        "quantity": Decimal("-1"),
        "unit_price": Decimal("2.5"),
        "discount": Decimal("150"),
        "description": "",
    }


def test_line_serializer_refuses_a_non_number():
    serializer = LineSerializer(data={"product": 5, "quantity": "abc"})
    assert not serializer.is_valid()
    assert "quantity" in serializer.errors
