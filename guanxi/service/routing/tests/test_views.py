"""The routing screens: the agent board (status switch, load, queues, query budget), the
setup of queues and SLA policies (permissions, validation shown on the form, other
orgs), the ticket SLA partial and the start page card."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Employee
from guanxi.service.routing import services
from guanxi.service.routing.integrations import _start_card
from guanxi.service.routing.models import ServiceQueue, SlaPolicy
from guanxi.service.routing.tests.helpers import agent, assigned, queue, route, sla, ticket
from guanxi.service.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_board_shows_my_team_and_queues(world, web):
    queue(world)
    route(world, ticket(world, subject="打印机卡纸"))
    response = web(world.agent).get("/service/routing/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="status-switch"' in page and "钱七" in page
    assert "售后维修组" in page and "打印机卡纸" in page


def test_the_board_needs_tickets_view(world, web):
    assert web(world.rep_a).get("/service/routing/").status_code == 403


def test_the_board_query_count_does_not_grow(world, web, django_assert_max_num_queries):
    queue(world)
    client = web(world.agent)
    client.get("/service/routing/")
    with django_assert_max_num_queries(40) as few:
        client.get("/service/routing/")
    for index in range(4):
        worker = agent(world, f"坐席{index}", skills=["repair"], status="offline")
        assigned(world, worker)
        route(world, ticket(world))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/service/routing/").status_code == 200


def test_going_online_with_htmx_answers_the_switch_and_an_event(world, web):
    queue(world)
    waiting = route(world, ticket(world))
    response = web(world.agent).post(
        "/service/routing/status/", {"service_status": "online"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "serviceStatusChanged"
    assert 'aria-pressed="true" data-testid="status-online"' in response.content.decode()
    with org_scope(world.org):
        assert Ticket.objects.get(pk=waiting.pk).assignee_id == world.agent.pk
        assert Employee.objects.get(pk=world.agent.pk).service_status == "online"


def test_a_bad_status_is_refused_with_a_message(world, web):
    client = web(world.agent)
    response = client.post("/service/routing/status/", {"service_status": "away"})
    assert response.status_code == 302
    with org_scope(world.org):
        assert Employee.objects.get(pk=world.agent.pk).service_status == "offline"
    refused = client.post(
        "/service/routing/status/", {"service_status": "away"}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 200 and "HX-Trigger" not in refused
    assert 'role="alert"' in refused.content.decode() and "online" in refused.content.decode()


def test_setup_pages_need_service_setup(world, web):
    made = sla(world)
    assert web(world.agent).get("/service/routing/sla/").status_code == 403
    assert web(world.readonly).get("/service/routing/sla/").status_code == 200
    assert web(world.readonly).get(f"/service/routing/sla/{made.pk}/").status_code == 403
    assert web(world.readonly).post(f"/service/routing/sla/{made.pk}/delete/").status_code == 403
    with org_scope(world.org):
        assert SlaPolicy.objects.filter(pk=made.pk).exists()


def test_another_orgs_policy_is_a_404(world, other_world, web):
    theirs = sla(other_world)
    assert web(world.admin).get(f"/service/routing/sla/{theirs.pk}/").status_code == 404


def test_admin_creates_and_edits_a_policy_through_the_form(world, web):
    client = web(world.admin)
    form = {
        "name": "紧急工单",
        "priority": "urgent",
        "customer_level": "",
        "first_response_minutes": "30",
        "resolution_minutes": "240",
        "business_hours": "",
        "warn_unit": "percent",
        "warn_value": "20",
        "escalate_to": "manager",
        "active": "on",
    }
    assert client.post("/service/routing/sla/new/", form).status_code == 302
    with org_scope(world.org):
        made = SlaPolicy.objects.get(name="紧急工单")
    assert made.priority == "urgent" and not made.business_hours
    edited = client.post(
        f"/service/routing/sla/{made.pk}/",
        {**form, "resolution_minutes": "20", "version": str(made.version)},
    )
    assert edited.status_code == 400
    assert "解决时限不能短于首次响应时限" in edited.content.decode()
    with org_scope(world.org):
        assert SlaPolicy.objects.get(pk=made.pk).resolution_minutes == 240


def test_admin_creates_a_queue_through_the_form(world, web):
    response = web(world.admin).post(
        "/service/routing/queues/new/",
        {
            "name": "售后维修组",
            "team": str(world.service.pk),
            "categories": ["repair", "installation"],
            "skills": ["repair"],
            "position": "10",
            "active": "on",
        },
    )
    assert response.status_code == 302
    with org_scope(world.org):
        made = ServiceQueue.objects.get(name="售后维修组")
    assert made.categories == ["repair", "installation"] and made.team_id == world.service.pk
    listing = web(world.admin).get("/service/routing/queues/").content.decode()
    assert "售后维修组" in listing and "维修、安装" in listing


def test_the_ticket_sla_partial_shows_what_is_left(world):
    sla(world, "普通", first_response_minutes=600, resolution_minutes=6000, business_hours=False)
    made = ticket(world)
    with org_scope(world.org):
        services.sla_start(ticket=made)
        fresh = Ticket.objects.get(pk=made.pk)
        html = render_to_string(
            "routing/_ticket_sla.html", {"ticket": fresh}, request=RequestFactory().get("/")
        )
        assert 'data-testid="ticket-sla"' in html and "普通" in html and "剩余 9 小时" in html
        bare = render_to_string("routing/_ticket_sla.html", {"ticket": ticket(world)})
        assert "ticket-sla" not in bare


def test_the_start_card_lists_my_tickets_about_to_run_out(world):
    sla(world, "紧急", first_response_minutes=30, resolution_minutes=240, business_hours=False)
    me = agent(world, "周一")
    made = ticket(world)
    with org_scope(world.org):
        Ticket.objects.filter(pk=made.pk).update(assignee=me, status="assigned")
        services.sla_start(ticket=made)
        card = _start_card(me)
        assert [row["ticket"].pk for row in card["rows"]] == [made.pk]
        assert _start_card(world.agent) is None
        html = render_to_string("routing/_start_card.html", card)
    assert "即将超时的工单" in html and made.code in html


def test_an_overdue_ticket_shows_on_the_start_card_as_overdue(world):
    sla(world, "紧急", first_response_minutes=30, resolution_minutes=240, business_hours=False)
    me = agent(world, "周一")
    made = ticket(world)
    with org_scope(world.org):
        Ticket.objects.filter(pk=made.pk).update(
            assignee=me, status="assigned", created_at=timezone.now() - datetime.timedelta(hours=1)
        )
        services.sla_start(ticket=made)
        card = _start_card(me)
    assert card["rows"][0]["overdue"]


def test_the_demo_seed_makes_queues_and_policies_once(world):
    from guanxi.service.routing import demo

    with org_scope(world.org):
        from guanxi.orgs.models import Department
        from guanxi.orgs.tests.factories import DepartmentFactory

        DepartmentFactory(org=world.org, name="售后技术支持组", parent=world.service)
        DepartmentFactory(org=world.org, name="呼叫中心", parent=world.service)
        assert demo.seed(world.admin) == {"queues": 2, "policies": 7, "calendar_days": 39}
        assert demo.seed(world.admin) == {"queues": 0, "policies": 0, "calendar_days": 0}
        default = ServiceQueue.objects.get(is_default=True)
        assert default.name == "咨询投诉组"
        assert Department.objects.get(pk=default.team_id).name == "呼叫中心"
        normal = SlaPolicy.objects.get(priority="normal", customer_level="")
        assert normal.business_hours and normal.resolution_minutes == 3 * 9 * 60
