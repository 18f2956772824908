"""Periods, due moments, template field definitions and values: the pure rules."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from guanxi.workspace.reports import rules
from guanxi.workspace.reports.tests.helpers import DAILY_FIELDS

FIELDS = rules.clean_fields(DAILY_FIELDS)


def test_period_bounds_for_each_period():
    day = datetime.date(2026, 12, 2)  # a Wednesday
    assert rules.period_bounds("daily", day) == (day, day)
    assert rules.period_bounds("weekly", day) == (
        datetime.date(2026, 11, 30),
        datetime.date(2026, 12, 6),
    )
    assert rules.period_bounds("monthly", datetime.date(2026, 2, 10)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert rules.period_bounds("yearly", day) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )


def test_due_moment_follows_the_rule_and_clamps_to_the_month():
    tpl = SimpleNamespace(
        period="monthly", due_time=datetime.time(18, 0), due_weekday=5, due_day=31, due_month=2
    )
    due = rules.due_moment(tpl, datetime.date(2026, 2, 1))
    assert (due.date(), due.hour) == (datetime.date(2026, 2, 28), 18)
    tpl.period = "weekly"
    assert rules.due_moment(tpl, datetime.date(2026, 11, 30)).date() == datetime.date(2026, 12, 4)
    tpl.period = "yearly"
    assert rules.due_moment(tpl, datetime.date(2026, 1, 1)).date() == datetime.date(2026, 2, 28)


def test_field_definitions_get_keys_and_refuse_bad_ones():
    fields = rules.clean_fields(
        [{"label": "总结", "type": "textarea"}, {"label": "x", "type": "bool"}]
    )
    assert [f["key"] for f in fields] == ["f1", "f2"]
    with pytest.raises(ValidationError) as caught:
        rules.clean_fields(
            [
                {"label": "", "type": "text"},
                {"label": "类型", "type": "nope"},
                {"label": "选项", "type": "choice", "options": []},
                {"label": "小数", "type": "number", "decimals": 9},
            ]
        )
    messages = caught.value.message_dict["fields"]
    assert len(messages) == 4
    with pytest.raises(ValidationError):
        rules.clean_fields([])


def test_values_are_normalised_per_type():
    values = rules.clean_values(
        FIELDS,
        {
            "done": " 拜访 ",
            "visits": "3",
            "amount": 12.5,
            "next_day": "2026-12-03",
            "mood": "好",
            "topics": ["C", "A"],
            "help": False,
            "title": "顺利",
        },
        complete=True,
    )
    assert values == {
        "done": "拜访",
        "visits": "3",
        "amount": "12.50",
        "next_day": "2026-12-03",
        "mood": "好",
        "topics": ["A", "C"],
        "help": False,
        "title": "顺利",
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("visits", "1.5"),  # no decimals allowed
        ("amount", "1.234"),
        ("amount", "abc"),
        ("amount", True),
        ("amount", "1e20"),
        ("amount", "NaN"),
        ("next_day", "2026-13-01"),
        ("next_day", 20261201),
        ("mood", "很好"),
        ("topics", ["D"]),
        ("topics", "A"),
        ("help", "yes"),
        ("title", "两\n行"),
        ("title", 5),
        ("title", "长" * 501),
        ("unknown", "x"),
    ],
)
def test_values_of_the_wrong_kind_are_refused_by_field(key, value):
    with pytest.raises(ValidationError) as caught:
        rules.clean_values(FIELDS, {"done": "x", key: value}, complete=False)
    assert list(caught.value.message_dict) == [f"values.{key}"]


def test_required_fields_only_when_complete():
    assert rules.clean_values(FIELDS, {}, complete=False)["done"] is None
    with pytest.raises(ValidationError) as caught:
        rules.clean_values(FIELDS, {"done": "  "}, complete=True)
    assert caught.value.message_dict == {"values.done": ["请填写“今日工作”。"]}
    with pytest.raises(ValidationError):
        rules.clean_values(FIELDS, ["not", "a", "dict"], complete=False)
