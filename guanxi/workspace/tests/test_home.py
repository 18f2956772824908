"""The personal start page and the shell around every page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customer_services
from guanxi.jobs.models import Job
from guanxi.workspace import services as activity_services
from guanxi.workspace import start
from guanxi.workspace.approvals.tests.helpers import flow, submitted
from guanxi.workspace.notifications import services as notifications
from guanxi.workspace.schedule import services as schedule

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


def _fill_the_managers_day(world, n):
    """``n`` of everything the manager's start page shows: tasks due today, follow-ups
    due, requisitions waiting for approval, unread notifications."""
    now = timezone.now()
    with org_scope(world.org):
        customer = customer_services.customer_create(
            actor=world.manager, name=f"工作台客户{n}", owner=world.manager
        )
        for index in range(n):
            schedule.task_create(actor=world.manager, title=f"回访{index}", due_at=now)
            activity_services.activity_create(
                actor=world.manager,
                customer=customer,
                content=f"电话沟通{index}",
                occurred_at=now - datetime.timedelta(days=2),
                next_followup_on=timezone.localdate() - datetime.timedelta(days=1),
            )
            notifications.notify(
                recipients=[world.manager], kind="mention", title=f"提到了您{index}", link="/"
            )
    for _index in range(n):
        submitted(world)  # the manager approves his reps' requisitions


def test_start_page_cards_cost_the_same_whatever_they_hold(world, web):
    flow(world, {"kind": "manager"})
    client = web(world.manager)
    _fill_the_managers_day(world, 1)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/").content.decode()
    for card in ("schedule", "followups", "approvals", "notifications", "care"):
        assert f'data-testid="start-card-{card}"' in page
    assert "回访0" in page and "电话沟通0" in page and "提到了您0" in page
    _fill_the_managers_day(world, 12)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/").content.decode()
    # a card whose rows overflow its limit counts them (one more query for approvals),
    # and then costs the same however many there are
    assert len(many) == len(few) + 1
    assert page.count('data-testid="approvals-waiting-item"') == 5
    assert page.count('data-testid="start-notification"') == 5
    _fill_the_managers_day(world, 12)
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more) == len(many)


def test_each_role_gets_the_cards_of_its_work(world, web):
    rep_page = web(world.rep_a).get("/").content.decode()
    assert 'data-testid="start-card-schedule"' in rep_page
    assert 'data-testid="start-card-followups"' in rep_page
    # nothing waits for the rep's approval: no approvals card
    assert 'data-testid="start-card-approvals"' not in rep_page
    # the service agent has no tasks permission: no calendar card, but follow-ups and care
    agent_page = web(world.agent).get("/").content.decode()
    assert 'data-testid="start-card-schedule"' not in agent_page
    assert 'data-testid="start-card-followups"' in agent_page
    assert 'data-testid="start-card-care"' in agent_page


def test_later_modules_add_their_own_cards(world, web, monkeypatch):
    monkeypatch.setattr(start, "CARDS", dict(start.CARDS))
    start.register(
        "pipeline",
        template="workspace/_followups_due_card.html",
        context=lambda e: {"followups_due": [], "today": None} if e.pk == world.rep_a.pk else None,
        order=5,
    )
    page = web(world.rep_a).get("/").content.decode()
    assert page.index('data-testid="start-card-pipeline"') < page.index(
        'data-testid="start-card-schedule"'
    )
    assert 'data-testid="start-card-pipeline"' not in web(world.rep_b).get("/").content.decode()
