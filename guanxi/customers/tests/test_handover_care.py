"""Open care tasks follow customers on transfer and handover; a handover is logged."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import extensions, pool, services
from guanxi.customers.models import CareTask, Customer

pytestmark = pytest.mark.django_db


def _moved(**counts):
    """A handover's counts: customers, care tasks and every registered step (the later
    modules' too), each 0 unless given."""
    steps = {step.key: 0 for step in extensions.handover_steps()}
    return {"customers": 0, "care_tasks": 0, **steps, **counts}


TODAY = datetime.date(2026, 6, 10)
NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)
SOON = TODAY + datetime.timedelta(days=3)
LATE = TODAY - datetime.timedelta(days=5)


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _task(world, customer, title, *, assignee, due_on=SOON, status=CareTask.Status.OPEN):
    return CareTask.objects.create(
        org=world.org,
        customer=customer,
        title=title,
        due_on=due_on,
        assignee=assignee,
        assignee_department=assignee.department if assignee else None,
        status=status,
    )


@pytest.fixture
def book(world, _frozen):
    """rep_a's customer 甲 with care tasks in every state, rep_a's customer 乙 with one,
    and a customer of rep_b's for which rep_a holds a task."""
    with org_scope(world.org):
        a1 = services.customer_create(actor=world.rep_a, name="甲客户")
        a2 = services.customer_create(actor=world.rep_a, name="乙客户")
        b1 = services.customer_create(actor=world.manager, owner=world.rep_b, name="丙客户")
        tasks = {
            "mine": _task(world, a1, "张三的生日问候", assignee=world.rep_a),
            "mine_late": _task(world, a1, "张三的过期任务", assignee=world.rep_a, due_on=LATE),
            "nobody": _task(world, a1, "无人负责的周年", assignee=None),
            "nobody_late": _task(world, a1, "无人负责的过期任务", assignee=None, due_on=LATE),
            "colleague": _task(world, a1, "客服的回访", assignee=world.agent),
            "done": _task(world, a1, "已完成", assignee=world.rep_a, status=CareTask.Status.DONE),
            "second": _task(world, a2, "乙的节日问候", assignee=world.rep_a),
            "elsewhere": _task(world, b1, "丙的问候", assignee=world.rep_a),
        }
    return a1, a2, b1, tasks


def _state(tasks):
    with all_orgs():
        return {
            key: CareTask.objects.values_list("assignee__user__username", "status").get(pk=task.pk)
            for key, task in tasks.items()
        }


def test_transfer_gives_the_previous_owners_and_unassigned_open_tasks_to_the_new_owner(world, book):
    a1, _a2, _b1, tasks = book
    with org_scope(world.org):
        assert services.customers_transfer(
            actor=world.manager, customer_ids=[a1.pk], owner=world.rep_b
        ) == 1  # fmt: skip
    state = _state(tasks)
    assert state["mine"] == ("rep_b", "open")
    assert state["mine_late"] == ("rep_b", "open")  # rep_a's own work, still to do
    assert state["nobody"] == ("rep_b", "open")
    # nobody was there to do it on the day: cancelled, as on a claim from the pool
    assert state["nobody_late"] == (None, "cancelled")
    assert state["colleague"] == ("agent", "open")
    assert state["done"] == ("rep_a", "done")
    assert state["second"] == ("rep_a", "open")  # another customer
    assert state["elsewhere"] == ("rep_a", "open")
    with all_orgs():
        moved = CareTask.objects.get(pk=tasks["nobody"].pk)
        assert moved.assignee_department == world.north
        assert CareTask.objects.get(pk=tasks["nobody_late"].pk).note == "无人负责期间已过期"


def test_transfer_of_a_pool_customer_hands_it_its_left_behind_tasks(world, book):
    a1, _a2, _b1, tasks = book
    with org_scope(world.org):
        pool.pool_release(actor=world.rep_a, customer_ids=[a1.pk], reason="联系不上")
    state = _state(tasks)
    assert state["mine"] == (None, "open")  # the pool left them without assignee
    with org_scope(world.org):
        services.customers_transfer(actor=world.admin, customer_ids=[a1.pk], owner=world.rep_b)
    state = _state(tasks)
    assert state["mine"] == ("rep_b", "open") and state["nobody"] == ("rep_b", "open")
    assert state["mine_late"] == (None, "cancelled")
    with all_orgs():
        customer = Customer.objects.get(pk=a1.pk)
    assert customer.owner == world.rep_b and not customer.in_pool


def test_transfer_keeps_a_task_already_assigned_to_the_new_owner(world, book):
    a1, _a2, _b1, _tasks = book
    with org_scope(world.org):
        theirs = _task(world, a1, "李四已有的任务", assignee=world.rep_b)
        before = CareTask.objects.get(pk=theirs.pk).updated_at
        services.customers_transfer(actor=world.manager, customer_ids=[a1.pk], owner=world.rep_b)
        assert CareTask.objects.get(pk=theirs.pk).updated_at == before


def test_handover_of_all_customers_moves_their_open_tasks_and_counts_them(world, api, book):
    _a1, _a2, _b1, tasks = book
    response = api(world.admin).post(
        "/api/v1/customers/handover",
        {"source": world.rep_a.pk, "target": world.rep_b.pk},
        format="json",
    )
    assert response.status_code == 200
    # 甲: mine, mine_late, nobody; 乙: second; and rep_a's task on 丙 (all tasks go)
    assert response.json() == {
        "transferred": 2,
        "moved": _moved(customers=2, care_tasks=5),
    }
    state = _state(tasks)
    for key in ("mine", "mine_late", "nobody", "second", "elsewhere"):
        assert state[key] == ("rep_b", "open"), key
    assert state["nobody_late"] == (None, "cancelled")
    assert state["colleague"] == ("agent", "open") and state["done"] == ("rep_a", "done")


def test_handover_of_chosen_customers_moves_only_their_tasks(world, book):
    a1, _a2, _b1, tasks = book
    with org_scope(world.org):
        moved = services.customers_handover(
            actor=world.manager,
            from_employee=world.rep_a,
            to_employee=world.rep_b,
            customer_ids=[a1.pk],
        )
    assert moved == _moved(customers=1, care_tasks=3)
    state = _state(tasks)
    assert state["mine"] == state["nobody"] == ("rep_b", "open")
    assert state["second"] == state["elsewhere"] == ("rep_a", "open")


# ---- the handover in the audit log -----------------------------------------------------------


def _entries(**filters):
    with all_orgs():
        return list(ChangeRecord.objects.filter(**filters).order_by("id"))


def test_handover_logs_each_customer_and_a_summary(world, book):
    a1, a2, b1, _tasks = book
    with all_orgs():
        last = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first()
    with org_scope(world.org):
        moved = services.customers_handover(
            actor=world.manager, from_employee=world.rep_a, to_employee=world.rep_b
        )
    for customer in (a1, a2):
        [entry] = _entries(entity="customers.customer", object_id=str(customer.pk), id__gt=last)
        assert entry.action == "update" and entry.actor == world.manager
        assert entry.changes["owner"] == {
            "old": {"id": world.rep_a.pk, "repr": "张三"},
            "new": {"id": world.rep_b.pk, "repr": "李四"},
        }
        assert entry.changes["department"]["new"] == {"id": world.north.pk, "repr": "华北组"}
    assert _entries(entity="customers.customer", object_id=str(b1.pk), id__gt=last) == []
    [summary] = _entries(entity="orgs.employee", object_id=str(world.rep_a.pk))
    assert summary.org_id == world.org.pk and summary.actor == world.manager
    assert summary.action == "update" and summary.object_repr == "张三"
    changes = {key: value["new"] for key, value in summary.changes.items()}
    assert changes == {
        "handover_from": {"id": world.rep_a.pk, "repr": "张三"},
        "handover_to": {"id": world.rep_b.pk, "repr": "李四"},
        "handover_scope": "all",
        "handover_moved": moved,
    }
    assert moved == _moved(customers=2, care_tasks=5)


def test_handover_of_chosen_customers_is_logged_as_chosen(world, web, book):
    a1, _a2, _b1, _tasks = book
    response = web(world.manager).post(
        "/customers/handover/",
        {"source": world.rep_a.pk, "target": world.rep_b.pk, "scope": "chosen",
         "customers": [a1.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    [summary] = _entries(entity="orgs.employee", object_id=str(world.rep_a.pk))
    assert summary.changes["handover_scope"]["new"] == "chosen"
    assert summary.changes["handover_moved"]["new"] == _moved(customers=1, care_tasks=3)


def test_handover_of_someone_with_nothing_is_still_logged(world):
    with org_scope(world.org):
        moved = services.customers_handover(
            actor=world.admin, from_employee=world.readonly, to_employee=world.rep_b
        )
    assert moved == _moved()
    [summary] = _entries(entity="orgs.employee", object_id=str(world.readonly.pk))
    assert summary.changes["handover_moved"]["new"] == moved


def test_refused_handover_writes_nothing(world, api, book):
    a1, _a2, b1, tasks = book
    response = api(world.admin).post(
        "/api/v1/customers/handover",
        {"source": world.rep_a.pk, "target": world.rep_b.pk, "customers": [a1.pk, b1.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert _entries(entity="orgs.employee") == []
    assert _state(tasks)["nobody"] == (None, "open")


def test_summary_entry_shows_in_the_audit_log(world, web, book):
    with org_scope(world.org):
        services.customers_handover(
            actor=world.admin, from_employee=world.rep_a, to_employee=world.rep_b
        )
    from guanxi.audit import display

    [summary] = _entries(entity="orgs.employee", object_id=str(world.rep_a.pk))
    rows = {row.name: row.new for row in display.describe_changes(summary, employee=world.admin)}
    assert rows["handover_to"] == "李四" and rows["handover_scope"] == "全部客户"


# ---- browser ---------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_hands_over_a_leaving_reps_customers_with_their_care_tasks(
    world, page, sign_in, live_server
):
    today = timezone.localdate()
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name="厦门鹭岛茶叶有限公司")
        _task(world, customer, "鹭岛茶叶周年问候", assignee=None, due_on=today)
        _task(world, customer, "鹭岛茶叶生日问候", assignee=world.rep_a, due_on=today)
    sign_in(world.manager)
    page.goto(f"/customers/handover/?source={world.rep_a.pk}")
    form = page.locator("[data-testid=handover-form]")
    form.wait_for()
    form.locator("select[name=target]").select_option(str(world.rep_b.pk))
    form.locator("input[name=scope][value=all]").check()
    form.locator("[data-testid=handover-submit]").click()
    page.wait_for_url("**/customers/")
    assert "李四" in page.inner_text("body")
    with all_orgs():
        assignees = set(CareTask.objects.values_list("assignee__user__username", flat=True))
        assert Customer.objects.get(pk=customer.pk).owner == world.rep_b
    assert assignees == {"rep_b"}
    page.context.clear_cookies()
    sign_in(world.rep_b)
    page.goto("/customers/care/")
    titles = page.locator("[data-testid=care-task-title]").all_inner_texts()
    assert sorted(titles) == ["鹭岛茶叶周年问候", "鹭岛茶叶生日问候"]


def test_a_new_owner_set_by_an_edit_takes_the_open_tasks_and_renewals(world, book):
    from guanxi.customers import renewals
    from guanxi.customers.models import RenewalItem

    a1, _a2, _b1, tasks = book
    with org_scope(world.org):
        item = renewals.renewal_create(actor=world.rep_a, customer=a1, due_on=SOON)
        services.customer_update(actor=world.manager, customer=a1, owner=world.rep_b)
    state = _state(tasks)
    assert state["mine"] == ("rep_b", "open") and state["nobody"] == ("rep_b", "open")
    assert state["colleague"] == ("agent", "open") and state["second"] == ("rep_a", "open")
    with all_orgs():
        moved = RenewalItem.objects.get(pk=item.pk)
    assert (moved.owner_id, moved.department_id) == (world.rep_b.pk, world.rep_b.department_id)


def test_an_edit_that_keeps_the_owner_leaves_the_tasks_alone(world, book):
    a1, _a2, _b1, tasks = book
    before = _state(tasks)
    with org_scope(world.org):
        services.customer_update(actor=world.manager, customer=a1, notes="只改备注")
    assert _state(tasks) == before
