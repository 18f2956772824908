"""Audit selectors: permission, org scoping, per-record history, keyset pages."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from guanxi.audit import selectors
from guanxi.audit.models import ChangeRecord
from guanxi.audit.tests.factories import change, export, login, rename_department
from guanxi.core.tenancy import org_scope

pytestmark = pytest.mark.django_db


def test_lists_need_audit_view(world):
    with org_scope(world.org):
        for reader in (selectors.change_list, selectors.login_list, selectors.export_list):
            with pytest.raises(PermissionDenied):
                reader(employee=world.rep_a)
            with pytest.raises(PermissionDenied):
                reader(employee=world.readonly)  # department-scoped: not the org-wide log
            assert reader(employee=world.admin) is not None


def test_other_orgs_records_never_appear(world, other_world):
    rename_department(world.admin, world.east, "华东一组")
    rename_department(other_world.admin, other_world.east, "贝塔华东")
    login(world.org)
    login(other_world.org, username="beta_user")
    export(world.admin)
    export(other_world.admin, entity="orgs.role")
    with org_scope(world.org):
        changes = list(selectors.change_list(employee=world.admin))
        logins = list(selectors.login_list(employee=world.admin))
        exports = list(selectors.export_list(employee=world.admin))
    assert {r.org_id for r in changes + logins + exports} == {world.org.pk}
    assert [r.object_repr for r in changes] == ["华东一组"]
    assert [r.username for r in logins] == ["rep_a"]
    assert [r.entity for r in exports] == ["orgs.employee"]


def test_history_for_is_one_query_newest_first_and_org_scoped(
    world, other_world, django_assert_num_queries
):
    rename_department(world.admin, world.east, "华东一组")
    rename_department(world.admin, world.east, "华东二组")
    rename_department(world.admin, world.north, "华北一组")
    # the same entity and id in org B must never show up in org A's history
    change(other_world.org, object_id=world.east.pk, object_repr="贝塔的记录")
    with org_scope(world.org), django_assert_num_queries(1):
        history = selectors.history_for(world.east)
    assert [r.object_repr for r in history] == ["华东二组", "华东一组"]
    assert history[0].changes == {"name": {"old": "华东一组", "new": "华东二组"}}
    with org_scope(world.org):
        assert len(selectors.history_for(world.east, limit=1)) == 1


def test_keyset_pages_cover_everything_once(world):
    start = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for n in range(60):  # many rows share one timestamp: the id breaks ties
            change(world.org, object_id=n)
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        for n in range(60, 120):
            change(world.org, object_id=n)
    seen, cursor, pages = [], None, 0
    with org_scope(world.org):
        queryset = selectors.change_list(employee=world.admin)
        while True:
            page = selectors.keyset_page(queryset, cursor)
            assert page.is_first == (cursor is None)
            seen += [r.object_id for r in page.items]
            pages += 1
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert selectors.capped_count(queryset) == 120
        assert selectors.capped_count(queryset, cap=100) == 101
    assert pages == 3
    assert seen == [str(n) for n in reversed(range(120))]


@pytest.mark.parametrize("cursor", ["", "garbage", "!!!", "MjAyNi0wMS0wNXxhYmM"])
def test_a_damaged_cursor_gives_the_first_page(world, cursor):
    change(world.org)
    with org_scope(world.org):
        page = selectors.keyset_page(ChangeRecord.objects.all(), cursor)
    assert page.is_first and len(page.items) == 1
