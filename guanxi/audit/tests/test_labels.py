"""Labels registered for audit keys that are not model fields."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from guanxi.audit import display, labels
from guanxi.audit.tests.factories import change

pytestmark = pytest.mark.django_db

ENTITY = "orgs.department"


@pytest.fixture
def registered():
    """Extra keys of departments, labelled with strings the audit catalog translates."""
    labels.register(
        ENTITY,
        {
            "merged_into": labels.Key(gettext_lazy("对象")),
            "channel": labels.Key(
                gettext_lazy("渠道"), values={"web": gettext_lazy("网页"), "api": "API"}
            ),
            "counts": labels.Key(
                gettext_lazy("导出记录"),
                format=labels.counts(lambda: {"logins": gettext_lazy("登录日志")}),
            ),
            # a model field keeps its own label whatever is registered under its name
            "name": labels.Key(gettext_lazy("渠道")),
        },
    )
    yield
    labels.unregister(ENTITY)


def _rows(world, changes):
    record = change(world.org, entity=ENTITY, changes=changes)
    return [(r.label, r.old, r.new) for r in display.describe_changes(record, employee=None)]


CHANGES = {
    "merged_into": {"old": None, "new": {"id": 4, "repr": "华南组"}},
    "channel": {"old": "web", "new": "api"},
    "counts": {"old": None, "new": {"logins": 2, "mystery": 1}},
    "name": {"old": "旧", "new": "新"},
    "unknown_key": {"old": 1, "new": 2},
}


def test_registered_keys_are_labelled_in_chinese(world, registered):
    assert _rows(world, CHANGES) == [
        ("渠道", "网页", "API"),  # a code shows its label
        ("导出记录", "—", "登录日志 2、mystery 1"),  # an unknown kind shows its key
        ("对象", "—", "华南组"),  # an {"id", "repr"} value shows its name
        ("名称", "旧", "新"),  # the model field's own label
        ("unknown_key", "1", "2"),  # nothing registered: as stored
    ]


def test_registered_keys_are_labelled_in_english(world, registered):
    with translation.override("en"):
        rows = _rows(world, CHANGES)
    assert rows == [
        ("Channel", "Web", "API"),
        ("Exports", "—", "Sign-in log 2, mystery 1"),
        ("Record", "—", "华南组"),
        ("Name", "旧", "新"),
        ("unknown_key", "1", "2"),
    ]


def test_values_outside_the_codes_and_odd_shapes_do_not_break(world, registered):
    rows = _rows(
        world,
        {
            "channel": {"old": "sms", "new": ["web", "api"]},
            "counts": {"old": "", "new": 7},
        },
    )
    assert rows == [("渠道", "sms", "web、api"), ("导出记录", "—", "7")]


def test_registering_again_replaces_and_unregister_forgets(world, registered):
    labels.register(ENTITY, {"channel": labels.Key(gettext_lazy("对象"))})
    assert labels.key(ENTITY, "channel").label == "对象"
    assert labels.key(ENTITY, "counts") is not None  # the other keys stay
    labels.unregister(ENTITY, "channel")
    assert labels.key(ENTITY, "channel") is None
    assert _rows(world, {"channel": {"old": "web", "new": "api"}}) == [("channel", "web", "api")]


def test_sensitive_extra_keys_are_still_hidden(world, registered, monkeypatch):
    from guanxi.orgs.models import Department

    monkeypatch.setattr(
        Department, "AUDIT_SENSITIVE", {"channel": "special.view_cost"}, raising=False
    )
    rows = _rows(world, {"channel": {"old": "web", "new": "api"}})
    assert rows == [("渠道", "***", "***")]
