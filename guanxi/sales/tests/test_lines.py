"""The shared line rules: validation, rounding half up per line, totals as sums of the
rounded lines (no drift), and what ``clean_lines`` refuses."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.catalog import services as catalog
from guanxi.core.tenancy import org_scope
from guanxi.sales.lines import (
    MAX_LINES,
    LineInput,
    clean_lines,
    compute_totals,
    inputs_from_lines,
    line_values,
    max_discount,
    quantize,
)

D = Decimal


def _line(quantity, price, discount="0", tax_rate="0", product=None):
    return LineInput(
        product=product,
        quantity=D(quantity),
        unit_price=D(price),
        discount=D(discount),
        tax_rate=D(tax_rate),
        description="x",
    )


def _messages(exc):
    return exc.value.message_dict["lines"]


# ---- line_values / compute_totals ------------------------------------------------------


def test_line_values_round_half_up_amount_then_tax():
    """3 × 1.005 = 3.015 → 3.02 (half up, not banker's 3.02/3.01); tax 13% of the
    rounded amount 3.02 = 0.3926 → 0.39; total = amount + tax."""
    amount, tax, total = line_values(_line("3", "1.005", tax_rate="13"), 2)
    assert (amount, tax, total) == (D("3.02"), D("0.39"), D("3.41"))


def test_discount_applies_before_tax():
    amount, tax, total = line_values(_line("2", "100", discount="12.5", tax_rate="13"), 2)
    assert amount == D("175.00")
    assert tax == D("22.75")
    assert total == D("197.75")


def test_three_decimal_quote_totals_exact_to_places_without_drift():
    """Prices and quantities with 3 decimals: every total has exactly the configured
    places and equals the sum of the rounded lines, although the sum of the unrounded
    line values rounds differently."""
    lines = [_line("1.333", "0.335", tax_rate="13") for _ in range(3)]
    totals = compute_totals(lines, 2)
    # each line: 1.333 × 0.335 = 0.446555 → 0.45; tax 0.0585 → 0.06
    assert totals.amount == D("1.35")  # unrounded sum 1.339665 would round to 1.34
    assert totals.tax == D("0.18")
    assert totals.total == D("1.53")
    assert totals.total == sum(line_values(line, 2)[2] for line in lines)
    for value in (totals.subtotal, totals.discount, totals.amount, totals.tax, totals.total):
        assert value.as_tuple().exponent == -2


def test_totals_use_the_configured_places():
    lines = [_line("1.333", "0.335", tax_rate="13")]
    assert compute_totals(lines, 3).amount == D("0.447")
    assert compute_totals(lines, 0).amount == D("0")
    assert compute_totals(lines, 4).total == D("0.5047")  # 0.4466 + 0.0581


def test_subtotal_discount_and_amount_add_up():
    lines = [_line("3", "33.333", discount="10"), _line("1", "9.999", discount="33.33")]
    totals = compute_totals(lines, 2)
    assert totals.subtotal == D("100.00") + D("10.00")
    assert totals.subtotal - totals.discount == totals.amount
    assert totals.amount + totals.tax == totals.total


def test_no_lines_total_zero():
    totals = compute_totals([], 2)
    assert totals.total == D("0.00")
    assert totals.as_fields() == {
        "subtotal": D("0.00"),
        "discount_amount": D("0.00"),
        "amount": D("0.00"),
        "tax": D("0.00"),
        "total": D("0.00"),
    }


def test_max_discount():
    assert max_discount([]) == 0
    assert max_discount([_line("1", "1", discount="5"), _line("1", "1", discount="20")]) == 20


def test_inputs_from_lines_copies_every_value():
    line = _line("2", "3.5", discount="5", tax_rate="6")
    copied = inputs_from_lines([line])
    assert copied == [line]


money = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)
quantities = st.decimals(min_value=D("0.001"), max_value=10**4, places=3, allow_nan=False)
rates = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(quantities, money, rates, rates), min_size=0, max_size=20),
    places=st.integers(min_value=0, max_value=6),
)
def test_property_total_is_sum_of_rounded_line_totals(rows, places):
    """Whatever the lines and places: total == Σ rounded line totals, amount + tax ==
    total, subtotal − discount == amount, and every figure is at the given places."""
    lines = [_line(q, p, d, t) for q, p, d, t in rows]
    totals = compute_totals(lines, places)
    values = [line_values(line, places) for line in lines]
    assert totals.total == sum((v[2] for v in values), D(0))
    assert totals.amount == sum((v[0] for v in values), D(0))
    assert totals.tax == sum((v[1] for v in values), D(0))
    assert totals.amount + totals.tax == totals.total
    assert totals.subtotal - totals.discount == totals.amount
    for value in (totals.subtotal, totals.discount, totals.amount, totals.tax, totals.total):
        assert value == quantize(value, places)
    for amount, tax, total in values:
        assert amount == quantize(amount, places)
        assert tax == quantize(tax, places)
        assert total == amount + tax


# ---- clean_lines -----------------------------------------------------------------------


@pytest.fixture
def printer(make_product):
    return make_product("激光打印机", list_price=D("1999.00"), tax_rate=D("13"))


@pytest.fixture
def toner(make_product):
    return make_product("硒鼓", list_price=D("299.50"), tax_rate=D("13"))


def _clean(world, raw, **kwargs):
    kwargs.setdefault("places", 2)
    with org_scope(world.org):
        return clean_lines(raw, org_id=world.org.pk, **kwargs)


def test_clean_lines_keeps_order_and_values(world, printer, toner):
    lines = _clean(
        world,
        [
            {"product": toner.pk, "quantity": "2", "unit_price": "280", "discount": "5"},
            {"product": str(printer.pk), "quantity": 1, "tax_rate": "6", "description": "含安装"},
        ],
    )
    assert [line.product for line in lines] == [toner, printer]
    assert lines[0].unit_price == D("280")
    assert lines[0].discount == D("5")
    assert lines[0].tax_rate == D("13")  # the product's rate by default
    assert lines[0].description == "硒鼓"  # the product's name when left empty
    assert lines[1].unit_price == D("1999.00")  # the list price by default
    assert lines[1].tax_rate == D("6")
    assert lines[1].description == "含安装"


def test_clean_lines_one_query_whatever_the_count(world, printer, django_assert_num_queries):
    raw = [{"product": printer.pk, "quantity": "1"} for _ in range(50)]
    with org_scope(world.org), django_assert_num_queries(1):
        clean_lines(raw, org_id=world.org.pk, places=2)


def test_discount_over_100_refused(world, printer):
    with pytest.raises(ValidationError) as exc:
        _clean(world, [{"product": printer.pk, "quantity": "1", "discount": "100.01"}])
    assert _messages(exc) == ["第 1 行：折扣必须在 0 到 100 之间（单位：%）。"]


def test_negative_discount_and_tax_over_100_refused(world, printer):
    with pytest.raises(ValidationError) as exc:
        _clean(
            world, [{"product": printer.pk, "quantity": "1", "discount": "-1", "tax_rate": "101"}]
        )
    assert len(_messages(exc)) == 2


def test_hundred_percent_discount_allowed(world, printer):
    (line,) = _clean(world, [{"product": printer.pk, "quantity": "1", "discount": "100"}])
    assert line_values(line, 2)[0] == D("0.00")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "数量必须大于 0。"),
        ("0", "数量必须大于 0。"),
        ("", "请填写数量。"),
        (None, "请填写数量。"),
        ("abc", "数量不是有效的数字。"),
        ("NaN", "数量不是有效的数字。"),
        ("1.00001", "数量最多 4 位小数。"),
        ("100000000000000", "数量过大。"),
    ],
)
def test_bad_quantity_refused(world, printer, quantity, message):
    with pytest.raises(ValidationError) as exc:
        _clean(
            world,
            [
                {"product": printer.pk, "quantity": "1"},
                {"product": printer.pk, "quantity": quantity},
            ],
        )
    assert _messages(exc) == [f"第 2 行：{message}"]


def test_negative_price_and_too_many_price_decimals_refused(world, printer):
    with pytest.raises(ValidationError) as exc:
        _clean(
            world,
            [
                {"product": printer.pk, "quantity": "1", "unit_price": "-0.01"},
                {"product": printer.pk, "quantity": "1", "unit_price": "1.001"},
            ],
            price_places=2,
        )
    assert _messages(exc) == ["第 1 行：单价不能为负数。", "第 2 行：单价最多 2 位小数。"]


def test_trailing_zeros_are_not_extra_decimals(world, printer):
    (line,) = _clean(
        world, [{"product": printer.pk, "quantity": "1.50000000", "unit_price": "2.100000000"}]
    )
    assert line.quantity == D("1.5")


def test_product_of_another_org_refused(world, other_world, printer):
    with org_scope(other_world.org):
        foreign = catalog.product_create(actor=other_world.admin, name="外组织产品", list_price=1)
    with pytest.raises(ValidationError) as exc:
        _clean(world, [{"product": foreign.pk, "quantity": "1"}])
    assert _messages(exc) == ["第 1 行：产品不存在。"]


def test_unknown_missing_and_inactive_product_refused(world, printer, make_product):
    retired = make_product("旧型号", active=False)
    with pytest.raises(ValidationError) as exc:
        _clean(
            world,
            [
                {"product": 999999, "quantity": "1"},
                {"quantity": "1"},
                {"product": retired.pk, "quantity": "1"},
                {"product": "x", "quantity": "1"},
            ],
        )
    assert _messages(exc) == [
        "第 1 行：产品不存在。",
        "第 2 行：请选择产品。",
        "第 3 行：产品“旧型号”已停用。",
        "第 4 行：产品不存在。",
    ]


def test_inactive_product_already_on_the_document_allowed(world, make_product):
    retired = make_product("旧型号", active=False)
    (line,) = _clean(world, [{"product": retired.pk, "quantity": "1"}], allowed_inactive=[retired])
    assert line.product == retired


def test_too_many_lines_refused(world, printer):
    with pytest.raises(ValidationError) as exc:
        _clean(world, [{"product": printer.pk, "quantity": "1"}] * (MAX_LINES + 1))
    assert _messages(exc) == ["明细最多 500 行。"]


def test_empty_lines_refused_when_required(world):
    with pytest.raises(ValidationError) as exc:
        _clean(world, [])
    assert _messages(exc) == ["请至少添加一行明细。"]
    assert _clean(world, [], required=False) == []
    assert _clean(world, None, required=False) == []


def test_malformed_input_refused(world, printer):
    with pytest.raises(ValidationError):
        _clean(world, "not a list")
    with pytest.raises(ValidationError) as exc:
        _clean(world, ["x"])
    assert _messages(exc) == ["第 1 行：明细格式不正确。"]


def test_long_description_refused(world, printer):
    with pytest.raises(ValidationError) as exc:
        _clean(world, [{"product": printer.pk, "quantity": "1", "description": "长" * 201}])
    assert _messages(exc) == ["第 1 行：描述最多 200 个字。"]


def test_amount_too_large_refused(world, printer):
    with pytest.raises(ValidationError) as exc:
        _clean(world, [{"product": printer.pk, "quantity": "99999999999", "unit_price": "99999"}])
    assert _messages(exc) == ["第 1 行：金额过大。"]


def test_every_bad_field_reported(world, printer):
    with pytest.raises(ValidationError) as exc:
        _clean(
            world,
            [{"product": printer.pk, "quantity": "-2", "unit_price": "-1", "discount": "150"}],
        )
    assert len(_messages(exc)) == 3
    assert all(m.startswith("第 1 行：") for m in _messages(exc))
