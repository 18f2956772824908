"""Audit keys orgs writes that are not model fields show labelled, in both languages."""

import pytest
from django.utils import translation

from guanxi.audit import display
from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import org_scope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("entity", "key", "zh", "en"),
    [
        ("orgs.employee", "password", "密码", "Password"),
        ("orgs.dictionaryentry", "order", "选项顺序", "Order of the options"),
    ],
)
def test_extra_keys_are_labelled(world, entity, key, zh, en):
    with org_scope(world.org):
        record = ChangeRecord.objects.create(
            org=world.org,
            entity=entity,
            object_id="1",
            object_repr="x",
            action=ChangeRecord.Action.UPDATE,
            changes={key: {"old": "a", "new": "b"}},
        )
        for language, label in (("zh-hans", zh), ("en", en)):
            with translation.override(language):
                rows = display.describe_changes(record, employee=None)
            assert [str(r.label) for r in rows] == [label]
