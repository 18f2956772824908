"""Shared filter pieces: record ids and moments refuse what the database cannot hold or
compare with (a 400 with the field named, never a 500)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from guanxi.audit import labels
from guanxi.core.filters import MomentField

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    [
        "0207-04-11T01:08:38+17:44",  # PostgreSQL refuses offsets past 15:59
        "2026-12-01T09:00:00+14:30",
        "1899-12-31T23:59:59+08:00",
        "3000-01-01T00:00:00Z",
    ],
)
def test_moment_out_of_range_is_refused(value):
    with pytest.raises(ValidationError) as info:
        MomentField().clean(value)
    assert info.value.code == "out_of_range"


def test_moment_in_range_is_kept():
    moment = MomentField().clean("2026-12-01T09:00:00+14:00")
    assert moment.utcoffset() == datetime.timedelta(hours=14)
    assert MomentField(required=False).clean("") is None


@pytest.mark.parametrize("path", ["/api/v1/activities", "/api/v1/tasks", "/api/v1/events"])
def test_api_moment_conditions_answer_400(world, api, path):
    key = "occurred_after" if path.endswith("activities") else "from"
    response = api(world.admin).get(path, {key: "0207-04-11T01:08:38+17:44"})
    assert response.status_code == 400
    assert key in response.json()["fields"]


def test_counts_follow_the_kinds_order_not_the_stored_one():
    text = labels.counts(lambda: {"customers": "客户", "care_tasks": "关怀任务", "x": "甲"})
    stored = {"x": 1, "zz_unknown": 5, "care_tasks": 2, "customers": 3}  # as jsonb returns
    assert text(stored) == "客户 3、关怀任务 2、甲 1、zz_unknown 5"


def test_counts_leave_out_kinds_with_nothing_unless_always_shown():
    names = lambda: {"customers": "客户", "care_tasks": "关怀任务", "x": "甲"}  # noqa: E731
    assert labels.counts(names)({"customers": 0, "care_tasks": 0, "x": 2}) == "甲 2"
    text = labels.counts(names, always=("customers",))
    assert text({"customers": 0, "care_tasks": 0, "x": 0}) == "客户 0"
    assert text({"customers": 2, "care_tasks": 0, "x": 1}) == "客户 2、甲 1"
