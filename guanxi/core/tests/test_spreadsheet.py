import pytest

from guanxi.core.spreadsheet import safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-SUM(A1)", "'-SUM(A1)"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("-5", "-5"),
        ("+3.5", "'+3.5"),
        ("北京", "北京"),
        (None, ""),
        (12, "12"),
    ],
)
def test_formula_like_text_is_quoted_numbers_stay(value, expected):
    assert safe_cell(value) == expected
