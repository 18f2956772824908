"""Routing a ticket: the queue it matches, then the best online agent of that queue's
team (skills, then load, then idle time), or a wait in the queue when nobody is online."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Employee
from guanxi.orgs.tests.factories import EmployeeFactory, role
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.tests.threads import at_once
from guanxi.service.routing import services
from guanxi.service.routing.models import ServiceQueue, TicketRoute
from guanxi.service.routing.tests.helpers import agent, assigned, queue, route, team, ticket
from guanxi.service.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def minutes_ago(n):
    return timezone.now() - datetime.timedelta(minutes=n)


def test_a_skilled_agent_beats_a_less_loaded_unskilled_one(world):
    queue(world)
    skilled = agent(world, "周维修", skills=["repair"])
    agent(world, "吴咨询", skills=["consultation"])
    assigned(world, skilled)
    routed = route(world, ticket(world, category="repair"))
    assert routed.assignee_id == skilled.pk
    assert routed.status == Ticket.Status.ASSIGNED
    assert routed.team_id == world.service.pk
    assert routed.assigned_at is not None
    assert routed.assignment_reason.startswith("技能匹配（维修） · 在线 · 当前 1 张未结工单")


def test_among_skilled_agents_the_least_loaded_wins(world):
    queue(world)
    busy = agent(world, "周一", skills=["repair"])
    free = agent(world, "周二", skills=["repair"])
    assigned(world, busy)
    assigned(world, busy, status="in_progress")
    assigned(world, free)
    # closed tickets are no load
    assigned(world, free, status="closed")
    assigned(world, free, status="resolved")
    assert route(world, ticket(world)).assignee_id == free.pk


def test_equal_load_goes_to_the_longest_idle(world):
    queue(world)
    recent = agent(world, "周一", skills=["repair"], at=minutes_ago(200))
    idle = agent(world, "周二", skills=["repair"], at=minutes_ago(300))
    assigned(world, recent, status="closed", at=minutes_ago(5))
    assigned(world, idle, status="closed", at=minutes_ago(90))
    routed = route(world, ticket(world))
    assert routed.assignee_id == idle.pk
    assert "空闲 90 分钟" in routed.assignment_reason


def test_coming_online_after_the_last_ticket_counts_as_idle_since_then(world):
    queue(world)
    back = agent(world, "周一", skills=["repair"], at=minutes_ago(2))
    steady = agent(world, "周二", skills=["repair"], at=minutes_ago(60))
    assigned(world, back, status="closed", at=minutes_ago(500))
    assigned(world, steady, status="closed", at=minutes_ago(30))
    assert route(world, ticket(world)).assignee_id == steady.pk


def test_only_online_agents_are_chosen(world):
    queue(world)
    agent(world, "忙碌", skills=["repair"], status="busy")
    agent(world, "离线", skills=["repair"], status="offline")
    online = agent(world, "在线", skills=[])
    routed = route(world, ticket(world))
    assert routed.assignee_id == online.pk
    assert routed.assignment_reason.startswith("无匹配技能 · 在线")


def test_left_inactive_and_unpermitted_employees_are_never_chosen(world):
    queue(world)
    left = agent(world, "离职", skills=["repair"])
    locked_out = agent(world, "停用", skills=["repair"])
    with all_orgs():
        Employee.objects.filter(pk=left.pk).update(status=Employee.Status.LEFT)
        locked_out.user.is_active = False
        locked_out.user.save()
        viewer = EmployeeFactory(
            org=world.org,
            name="只读",
            username="viewer_online",
            department=world.service,
            roles=[role(world.org, "只读用户")],
        )
        Employee.objects.filter(pk=viewer.pk).update(service_status="online", skills=["repair"])
    routed = route(world, ticket(world))
    assert routed.assignee_id is None
    assert routed.status == Ticket.Status.NEW


def test_the_team_includes_its_sub_departments_but_not_other_departments(world):
    night = team(world, "夜班组")
    queue(world)
    inside = agent(world, "夜班", skills=["repair"], department=night)
    agent(world, "销售部的人", skills=["repair"], department=world.sales)
    assert route(world, ticket(world)).assignee_id == inside.pk


def test_nobody_online_leaves_the_ticket_waiting_in_the_team_queue(world):
    made_queue = queue(world)
    routed = route(world, ticket(world))
    assert routed.status == Ticket.Status.NEW
    assert routed.assignee_id is None
    assert routed.team_id == world.service.pk
    assert routed.assignment_reason == "无在线坐席，排队中"
    with org_scope(world.org):
        waiting = TicketRoute.objects.get(ticket=routed)
    assert waiting.queue_id == made_queue.pk and waiting.waiting_since is not None


def test_routing_a_waiting_ticket_again_writes_nothing_new(world):
    queue(world)
    routed = route(world, ticket(world))
    again = route(world, routed)
    assert again.version == routed.version


def test_an_agent_coming_online_gets_the_waiting_tickets_most_urgent_first(world):
    queue(world)
    normal = route(world, ticket(world, priority="normal"))
    urgent = route(world, ticket(world, priority="urgent"))
    waiting_agent = agent(world, "周到", skills=["repair"], status="offline")
    with org_scope(world.org):
        services.agent_set_status(actor=waiting_agent, service_status="online")
        normal.refresh_from_db()
        urgent.refresh_from_db()
    assert urgent.assignee_id == waiting_agent.pk and normal.assignee_id == waiting_agent.pk
    assert urgent.assigned_at <= normal.assigned_at
    assert "当前 0 张未结工单" in urgent.assignment_reason
    assert "当前 1 张未结工单" in normal.assignment_reason


def test_route_waiting_spreads_tickets_over_the_online_agents(world):
    queue(world)
    made = [route(world, ticket(world)) for _ in range(4)]
    first = agent(world, "周一", skills=["repair"])
    second = agent(world, "周二", skills=["repair"])
    assert services.route_waiting(org=world.org) == 4
    with org_scope(world.org):
        owners = [Ticket.objects.get(pk=t.pk).assignee_id for t in made]
    assert sorted(owners) == sorted([first.pk, first.pk, second.pk, second.pk])


def test_route_waiting_without_anyone_online_does_nothing(world, django_assert_max_num_queries):
    queue(world)
    route(world, ticket(world))
    with django_assert_max_num_queries(1):
        assert services.route_waiting(org=world.org) == 0


def test_queues_match_by_category_in_order_and_the_default_takes_the_rest(world):
    advice = team(world, "咨询组")
    repair = team(world, "维修组")
    queue(world, "维修", team_dept=repair, categories=["repair"], position=20)
    queue(
        world, "咨询投诉", team_dept=advice, categories=["consultation", "complaint"], position=10
    )
    queue(world, "兜底", team_dept=world.service, categories=[], is_default=True, position=1)
    with org_scope(world.org):
        assert services.pick_queue(ticket(world, category="complaint")).name == "咨询投诉"
        assert services.pick_queue(ticket(world, category="repair")).name == "维修"
        assert services.pick_queue(ticket(world, category="return")).name == "兜底"


def test_a_queue_for_a_product_category_takes_its_products_only(world):
    from guanxi.catalog.models import ProductCategory

    printers = team(world, "打印机组")
    with org_scope(world.org):
        office = ProductCategory.objects.create(org=world.org, name="办公设备")
        from guanxi.core.trees import tree_place

        tree_place(office)
        laser = ProductCategory.objects.create(org=world.org, name="激光打印机", parent=office)
        tree_place(laser)
    printer = h.product(world, name="激光打印机 P1")
    other = h.product(world, name="工业网关")
    with org_scope(world.org):
        type(printer).objects.filter(pk=printer.pk).update(category=laser)
        printer.refresh_from_db()
    queue(world, "打印机", team_dept=printers, categories=[], product_categories=[office.pk])
    queue(world, "默认", categories=[], is_default=True, position=500)
    with org_scope(world.org):
        assert services.pick_queue(ticket(world, product=printer)).name == "打印机"
        assert services.pick_queue(ticket(world, product=other)).name == "默认"
        assert services.pick_queue(ticket(world)).name == "默认"


def test_inactive_queues_are_skipped_and_no_queue_means_manual_assignment(world):
    made = queue(world)
    with org_scope(world.org):
        services.queue_update(actor=world.admin, queue=made, active=False)
    routed = route(world, ticket(world))
    assert routed.assignee_id is None and routed.team_id is None
    assert routed.assignment_reason == "没有匹配的服务队列，等待人工分配"


def test_a_queue_skill_counts_as_a_match(world):
    queue(world, categories=["return"], skills=["billing"])
    agent(world, "周一", skills=[])
    billing = agent(world, "周二", skills=["billing"])
    assigned(world, billing)
    routed = route(world, ticket(world, category="return"))
    assert routed.assignee_id == billing.pk
    assert routed.assignment_reason.startswith("技能匹配（账务）")


def test_a_ticket_being_worked_is_not_routed(world):
    queue(world)
    worker = agent(world, "周一")
    busy_ticket = assigned(world, worker, status="in_progress")
    with pytest.raises(BusinessRuleError) as refused:
        route(world, busy_ticket)
    assert refused.value.code == "ticket_not_routable"


def test_routing_by_hand_needs_the_right_to_work_tickets(world):
    queue(world)
    made = ticket(world)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.route_ticket(ticket=made, actor=world.readonly)


@pytest.mark.django_db(transaction=True)
def test_two_tickets_routed_at_the_same_moment_go_to_two_agents(world):
    """Each routing locks the candidates and counts the load after the lock: the second
    sees the first's assignment, so the two tickets don't both go to the idle agent."""
    queue(world)
    first = agent(world, "周一", skills=["repair"], at=minutes_ago(100))
    second = agent(world, "周二", skills=["repair"], at=minutes_ago(50))
    tickets = [ticket(world), ticket(world)]

    def work(n):
        with org_scope(world.org):
            return services.route_ticket(ticket=tickets[n]).assignee_id

    results, errors = at_once(2, work)
    assert not errors
    assert sorted(results) == sorted([first.pk, second.pk])


# ---- setup validation ----------------------------------------------------------------------


def test_a_queue_needs_a_team_of_the_org_and_known_codes(world, other_world):
    with org_scope(world.org):
        with pytest.raises(ValidationError) as bad:
            services.queue_create(
                actor=world.admin, name="", team=other_world.service.pk, categories=["nope"]
            )
        assert set(bad.value.message_dict) == {"name", "team", "categories"}
        with pytest.raises(ValidationError) as missing:
            services.queue_create(actor=world.admin, name="无团队")
        assert "team" in missing.value.message_dict
        assert not ServiceQueue.objects.exists()


def test_one_default_queue_per_org_and_unique_names(world):
    first = queue(world, "甲", is_default=True)
    queue(world, "乙", is_default=True)
    with org_scope(world.org):
        first.refresh_from_db()
        assert not first.is_default
        with pytest.raises(ValidationError) as same:
            services.queue_create(actor=world.admin, name="甲", team=world.service.pk)
        assert "name" in same.value.message_dict


def test_agents_cannot_change_queues(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.queue_create(actor=world.agent, name="甲", team=world.service.pk)
