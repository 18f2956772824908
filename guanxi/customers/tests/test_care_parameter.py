"""The care reminder days (a system parameter) take effect on the next request."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import care, services
from guanxi.orgs import services as org_services
from guanxi.orgs.models import Employee, OrgSettings

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 5, 10, 4, 0, tzinfo=datetime.UTC)
BELL = "/customers/care/bell/"


@pytest.fixture
def task_in_six_days(world):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.admin, name="星辰科技", owner=world.rep_a)
        return care.care_task_create(
            actor=world.rep_a, customer=customer, title="送花", due_on=datetime.date(2026, 5, 16)
        )


def _bell(client):
    return client.get(BELL).content.decode()


def test_saved_parameter_shows_on_the_next_request(world, web, task_in_six_days):
    client = web(world.rep_a)
    with time_machine.travel(TODAY):
        assert "bell-care-count" not in _bell(client)  # 3 days ahead by default
        with org_scope(world.org):
            org_services.settings_update(actor=world.admin, birthday_reminder_days=7)
        assert 'data-testid="bell-care-count">1<' in _bell(client)
        page = client.get("/customers/care/").content.decode()
        assert "送花" in page


def test_parameter_changed_without_the_settings_screen_shows_at_once(world, web, task_in_six_days):
    """No cache to drop: a change by any path (a restore, a script) counts at once."""
    client = web(world.rep_a)
    with time_machine.travel(TODAY):
        assert "bell-care-count" not in _bell(client)
        with all_orgs():
            OrgSettings.objects.filter(org=world.org).update(birthday_reminder_days=6)
        assert 'data-testid="bell-care-count">1<' in _bell(client)
        with all_orgs():
            OrgSettings.objects.filter(org=world.org).update(birthday_reminder_days=2)
        assert "bell-care-count" not in _bell(client)


def test_reminder_days_are_read_once_per_request_and_per_org(world, other_world):
    with all_orgs():
        OrgSettings.objects.filter(org=other_world.org).update(birthday_reminder_days=9)
        rep = Employee.objects.get(pk=world.rep_a.pk)  # a fresh object, as each request has
        outsider = Employee.objects.get(pk=other_world.rep_a.pk)
    with org_scope(world.org), CaptureQueriesContext(connection) as queries:
        assert care.reminder_days(rep) == 3
        assert care.reminder_days(rep) == 3
    assert len(queries) == 1
    with org_scope(other_world.org):
        assert care.reminder_days(outsider) == 9
