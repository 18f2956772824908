"""The announcements demo data: published, department and draft ones, once."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.workspace.announcements import demo
from guanxi.workspace.announcements.models import Announcement, AnnouncementRead

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_announcements_once(world):
    with org_scope(world.org):
        assert demo.seed(world.admin) == 3
        states = dict(Announcement.objects.values_list("title", "status"))
        assert list(states.values()).count("published") == 2
        assert AnnouncementRead.objects.count() == 3
        assert demo.seed(world.admin) == 0
        assert Announcement.objects.count() == 3
