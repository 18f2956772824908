"""The personal start page and the shell around every page."""

import pytest

from guanxi.core.tenancy import all_orgs
from guanxi.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_start_page_shows_own_roles_and_team(world, web):
    page = web(world.manager).get("/").content.decode()
    assert "王经理" in page and "销售主管" in page
    assert "张三" in page and "李四" in page  # direct reports


def test_navigation_shows_only_permitted_setup_pages(world, web):
    rep_page = web(world.rep_a).get("/").content.decode()
    assert "/setup/roles/" not in rep_page
    admin_page = web(world.admin).get("/").content.decode()
    assert "/setup/roles/" in admin_page and "/audit/" in admin_page


def test_bell_counts_unfinished_jobs(world, web):
    """The page loads the bell's job badge afterwards: it costs the page no query."""
    client = web(world.admin)
    assert 'hx-get="/jobs/bell/"' in client.get("/").content.decode()
    assert 'data-testid="bell-count"' not in client.get("/jobs/bell/").content.decode()
    with all_orgs():
        Job.objects.create(org=world.org, kind="x", created_by=world.admin)
        Job.objects.create(
            org=world.org, kind="x", created_by=world.admin, status=Job.Status.SUCCEEDED
        )
        Job.objects.create(org=world.org, kind="x", created_by=world.rep_a)
    bell = client.get("/jobs/bell/").content.decode()
    assert 'data-testid="bell-count">1<' in bell
    assert 'id="gx-bell-jobs" hx-swap-oob="true"' in bell  # the menu entry's count too
    assert 'data-testid="bell-count"' not in web(world.rep_b).get("/jobs/bell/").content.decode()


def test_start_page_query_count(world, web, django_assert_max_num_queries):
    client = web(world.manager)
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200
