"""The public pool (公海): release, claim with a limit, assign, automatic return, logs."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import pool, services
from guanxi.customers.models import Contact, Customer, PoolEvent
from guanxi.orgs.models import OrgSettings

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def _set(world, **values):
    with all_orgs():
        OrgSettings.objects.filter(org=world.org).update(**values)


def _customers(world, n, owner, prefix="客户"):
    with org_scope(world.org):
        return [
            services.customer_create(actor=world.admin, name=f"{prefix}{i}", owner=owner)
            for i in range(n)
        ]


def _pooled(world, n, prefix="公海客户"):
    customers = _customers(world, n, world.manager, prefix)
    with org_scope(world.org):
        pool.pool_release(
            actor=world.manager, customer_ids=[c.pk for c in customers], reason="无意向"
        )
    return customers


# ---- release ---------------------------------------------------------------------------


def test_owner_releases_own_customer_with_contacts_and_it_is_logged(world):
    (customer,) = _customers(world, 1, world.rep_a)
    with org_scope(world.org):
        services.contact_create(actor=world.rep_a, customer=customer, name="陈静")
        assert pool.pool_release(actor=world.rep_a, customer_ids=[customer.pk], reason="没有需求")
        customer.refresh_from_db()
        assert customer.in_pool and customer.owner is None and customer.department is None
        assert customer.pool_entered_at is not None and customer.version == 2
        assert Contact.objects.get(customer=customer).owner is None
        event = PoolEvent.objects.get()
        assert (event.action, event.employee, event.previous_owner, event.reason) == (
            "release",
            world.rep_a,
            world.rep_a,
            "没有需求",
        )
        assert ChangeRecord.objects.filter(action="update", object_id=str(customer.pk)).exists()


def test_release_needs_a_reason_and_ownership_or_manage_pool(world):
    (mine,) = _customers(world, 1, world.rep_a)
    (other,) = _customers(world, 1, world.rep_b)
    with org_scope(world.org):
        with pytest.raises(ValidationError) as exc:
            pool.pool_release(actor=world.rep_a, customer_ids=[mine.pk], reason="  ")
        assert "reason" in exc.value.message_dict
        with pytest.raises(PermissionDenied):  # all or nothing: mine stays too
            pool.pool_release(actor=world.rep_a, customer_ids=[mine.pk, other.pk], reason="x")
        assert not Customer.objects.filter(in_pool=True).exists()
        # the sales manager holds special.manage_pool and sees both departments
        assert (
            pool.pool_release(
                actor=world.manager, customer_ids=[mine.pk, other.pk], reason="重新分配"
            )
            == 2
        )
        with pytest.raises(BusinessRuleError):
            pool.pool_release(actor=world.manager, customer_ids=[mine.pk], reason="again")


# ---- claim -----------------------------------------------------------------------------


def test_rep_claims_a_pool_customer_and_gets_its_contacts(world):
    (customer,) = _pooled(world, 1)
    with org_scope(world.org):
        Contact.objects.create(org=world.org, customer=customer, name="无主联系人")
        assert pool.pool_claim(actor=world.rep_a, customer_ids=[customer.pk]) == 1
        customer.refresh_from_db()
        assert customer.owner == world.rep_a and customer.department == world.east
        assert not customer.in_pool and customer.claimed_by == world.rep_a
        assert Contact.objects.get(customer=customer).owner == world.rep_a
        event = PoolEvent.objects.filter(action="claim").get()
        assert event.employee == world.rep_a and event.new_owner == world.rep_a
        assert pool.claimed_count(employee=world.rep_a) == 1


def test_claim_limit_is_all_or_nothing_with_a_clear_message(world):
    _set(world, pool_claim_limit=4)
    customers = _pooled(world, 6)
    ids = [c.pk for c in customers]
    with org_scope(world.org):
        pool.pool_claim(actor=world.rep_a, customer_ids=ids[:1])
        with pytest.raises(BusinessRuleError) as exc:
            pool.pool_claim(actor=world.rep_a, customer_ids=ids[1:5])  # 1 + 4 > 4
        assert exc.value.code == "claim_limit"
        assert "还可领取 3 个" in exc.value.message and "本次选择了 4 个" in exc.value.message
        assert Customer.objects.filter(owner=world.rep_a).count() == 1
        assert pool.pool_claim(actor=world.rep_a, customer_ids=ids[1:4]) == 3
        # another rep's limit is their own
        assert pool.pool_claim(actor=world.rep_b, customer_ids=ids[4:6]) == 2


def test_released_or_transferred_customers_free_the_limit(world):
    _set(world, pool_claim_limit=1)
    first, second = _pooled(world, 2)
    with org_scope(world.org):
        pool.pool_claim(actor=world.rep_a, customer_ids=[first.pk])
        with pytest.raises(BusinessRuleError):
            pool.pool_claim(actor=world.rep_a, customer_ids=[second.pk])
        services.customers_transfer(actor=world.manager, customer_ids=[first.pk], owner=world.rep_b)
        assert pool.claimed_count(employee=world.rep_a) == 0
        assert pool.pool_claim(actor=world.rep_a, customer_ids=[second.pk]) == 1


def test_claiming_a_customer_someone_took_claims_nothing(world):
    first, second = _pooled(world, 2)
    with org_scope(world.org):
        pool.pool_claim(actor=world.rep_b, customer_ids=[second.pk])
        with pytest.raises(BusinessRuleError) as exc:
            pool.pool_claim(actor=world.rep_a, customer_ids=[first.pk, second.pk])
        assert exc.value.code == "not_in_pool"
        first.refresh_from_db()
        assert first.in_pool and first.owner is None
        assert not PoolEvent.objects.filter(employee=world.rep_a).exists()


def test_claim_needs_edit_permission_and_never_reaches_another_org(world, other_world):
    (customer,) = _pooled(world, 1)
    with org_scope(other_world.org), pytest.raises(BusinessRuleError):
        pool.pool_claim(actor=other_world.admin, customer_ids=[customer.pk])
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            pool.pool_claim(actor=world.readonly, customer_ids=[customer.pk])
        with pytest.raises(ValidationError):
            pool.pool_claim(actor=world.rep_a, customer_ids=["x"])
        with pytest.raises(ValidationError):
            pool.pool_claim(actor=world.rep_a, customer_ids=[])
        customer.refresh_from_db()
        assert customer.in_pool


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_cannot_pass_the_limit(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    _set(world, pool_claim_limit=3)
    customers = _pooled(world, 4)
    batches = [[customers[0].pk, customers[1].pk], [customers[2].pk, customers[3].pk]]
    results = []

    def claim(ids):
        try:
            with org_scope(world.org):
                results.append(pool.pool_claim(actor=world.rep_a, customer_ids=ids))
        except BusinessRuleError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(ids,)) for ids in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == ["2", "claim_limit"]
    with org_scope(world.org):
        assert Customer.objects.filter(owner=world.rep_a).count() == 2


# ---- assign ----------------------------------------------------------------------------


def test_assign_needs_manage_pool_and_ignores_the_limit(world):
    _set(world, pool_claim_limit=0)
    customers = _pooled(world, 2)
    ids = [c.pk for c in customers]
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            pool.pool_assign(actor=world.rep_a, customer_ids=ids, to_employee=world.rep_a)
        with pytest.raises(ValidationError):
            pool.pool_assign(actor=world.manager, customer_ids=ids, to_employee=None)
        assert pool.pool_assign(actor=world.manager, customer_ids=ids, to_employee=world.rep_b)
        assert Customer.objects.filter(owner=world.rep_b, department=world.north).count() == 2
        assert pool.claimed_count(employee=world.rep_b) == 0
        event = PoolEvent.objects.filter(action="assign").first()
        assert event.employee == world.manager and event.new_owner == world.rep_b


def test_assign_refuses_an_employee_of_another_org(world, other_world):
    (customer,) = _pooled(world, 1)
    with org_scope(world.org), pytest.raises(ValidationError):
        pool.pool_assign(
            actor=world.manager, customer_ids=[customer.pk], to_employee=other_world.rep_a
        )


# ---- automatic return --------------------------------------------------------------------


def test_auto_return_after_the_set_days_without_follow_up(world):
    _set(world, pool_return_days=30)
    with time_machine.travel(START, tick=False):
        stale, followed, fresh_owner = _customers(world, 3, world.rep_a)
    with org_scope(world.org):
        Contact.objects.create(org=world.org, customer=stale, name="甲", owner=world.rep_a)
        services.customer_set_followups(
            customer_id=followed.pk, last_at=START + datetime.timedelta(days=20), next_on=None
        )
    with time_machine.travel(START + datetime.timedelta(days=25), tick=False), org_scope(world.org):
        services.customers_transfer(
            actor=world.manager, customer_ids=[fresh_owner.pk], owner=world.rep_b
        )  # a new owner restarts the clock
    with time_machine.travel(START + datetime.timedelta(days=29), tick=False):
        assert pool.pool_auto_return(org=world.org) == 0
    with time_machine.travel(START + datetime.timedelta(days=31), tick=False):
        assert pool.pool_auto_return(org=world.org, batch_size=1) == 1
        assert pool.pool_auto_return(org=world.org) == 0  # idempotent
    with org_scope(world.org):
        stale.refresh_from_db()
        assert stale.in_pool and stale.owner is None
        assert Contact.objects.get(customer=stale).owner is None
        event = PoolEvent.objects.get()
        assert event.action == "auto_return" and event.previous_owner == world.rep_a
        assert event.employee is None and "30" in event.reason
        assert Customer.objects.filter(in_pool=False).count() == 2


def test_auto_return_in_batches_and_only_this_org(world, other_world):
    with time_machine.travel(START, tick=False):
        _customers(world, 5, world.rep_a)
        _customers(other_world, 2, other_world.rep_a)
    with time_machine.travel(START + datetime.timedelta(days=40), tick=False):
        assert pool.pool_auto_return(org=world.org, batch_size=2) == 5
    with all_orgs():
        assert Customer.objects.filter(org=other_world.org, in_pool=True).count() == 0
        assert PoolEvent.objects.filter(org=world.org).count() == 5


def test_daily_task_and_run_now(world):
    from guanxi.customers import tasks

    with time_machine.travel(START, tick=False):
        _customers(world, 2, world.rep_a)
    with time_machine.travel(START + datetime.timedelta(days=40), tick=False):
        with org_scope(world.org), pytest.raises(PermissionDenied):
            pool.pool_run_now(actor=world.rep_a)
        result = tasks.pool_return_daily.call_local()
        assert result[world.org.pk] == 2


def test_owner_given_by_edit_takes_customer_out_of_the_pool(world):
    (customer,) = _pooled(world, 1)
    with org_scope(world.org):
        customer = Customer.objects.get(pk=customer.pk)
        services.customer_update(actor=world.admin, customer=customer, owner=world.rep_a)
        customer.refresh_from_db()
        assert not customer.in_pool and customer.owner == world.rep_a


# ---- reads -----------------------------------------------------------------------------


def test_pool_is_visible_to_every_viewer_and_events_are_scoped(world):
    (customer,) = _pooled(world, 1)
    _customers(world, 1, world.rep_b)
    with org_scope(world.org):
        rows = list(pool.pool_queryset(employee=world.rep_a))
        assert [c.pk for c in rows] == [customer.pk]
        assert rows[0].last_action == "release" and rows[0].last_reason == "无意向"
        assert pool.pool_events(employee=world.rep_a).count() == 1
        pool.pool_claim(actor=world.rep_b, customer_ids=[customer.pk])
        # rep_a no longer sees rep_b's customer's log; the manager does
        assert pool.pool_events(employee=world.rep_a).count() == 0
        assert pool.pool_events(employee=world.manager).count() == 2


# ---- screens ---------------------------------------------------------------------------


def test_pool_page_lists_masked_phones_and_claims(world, web, django_assert_max_num_queries):
    customers = _customers(world, 3, world.manager, "公海页客户")
    with org_scope(world.org):
        services.customer_update(actor=world.admin, customer=customers[0], phone="13812345678")
        pool.pool_release(
            actor=world.manager, customer_ids=[c.pk for c in customers], reason="无意向"
        )
    client = web(world.rep_a)
    with django_assert_max_num_queries(14):
        page = client.get("/customers/pool/").content.decode()
    assert page.count('data-testid="pool-row"') == 3
    assert "138****5678" in page and "13812345678" not in page
    assert "无意向" in page
    assert "还可领取 50 个" in page
    filtered = client.get("/customers/pool/", {"q": "公海页客户1"}).content.decode()
    assert filtered.count('data-testid="pool-row"') == 1
    response = client.post("/customers/pool/claim/", {"ids": [customers[1].pk, customers[2].pk]})
    assert response.status_code == 302
    with org_scope(world.org):
        assert Customer.objects.filter(owner=world.rep_a).count() == 2
    mine = client.get("/customers/", {"mine": "1"}).content.decode()
    assert "公海页客户1" in mine and "公海页客户2" in mine


def test_pool_page_refusal_shows_a_message_and_changes_nothing(world, web):
    _set(world, pool_claim_limit=1)
    customers = _pooled(world, 2)
    client = web(world.rep_a)
    response = client.post(
        "/customers/pool/claim/", {"ids": [c.pk for c in customers]}, follow=True
    )
    assert "未领取任何客户" in response.content.decode()
    with org_scope(world.org):
        assert not Customer.objects.filter(owner=world.rep_a).exists()
    response = client.post("/customers/pool/claim/", {"ids": ["abc"]}, follow=True)
    assert response.status_code == 200


def test_manager_assigns_and_runs_now_reps_cannot(world, web):
    (customer,) = _pooled(world, 1)
    rep = web(world.rep_a)
    assert rep.post("/customers/pool/run-now/").status_code == 403
    assert (
        rep.post(
            "/customers/pool/assign/", {"ids": [customer.pk], "owner": world.rep_a.pk}
        ).status_code
        == 403
    )
    manager = web(world.manager)
    page = manager.get("/customers/pool/").content.decode()
    assert 'data-testid="bulk-assign"' in page and 'data-testid="pool-run-now"' in page
    manager.post("/customers/pool/assign/", {"ids": [customer.pk], "owner": world.rep_b.pk})
    with org_scope(world.org):
        assert Customer.objects.get(pk=customer.pk).owner == world.rep_b
    assert manager.post("/customers/pool/run-now/").status_code == 302
    events = manager.get("/customers/pool/events/").content.decode()
    assert events.count('data-testid="pool-event"') == 2


def test_customer_page_panel_releases_with_a_reason(world, web):
    (customer,) = _customers(world, 1, world.rep_a)
    client = web(world.rep_a)
    panel = client.get(f"/customers/{customer.pk}/pool/").content.decode()
    assert 'data-testid="pool-release-form"' in panel
    response = client.post(
        "/customers/pool/release/",
        {"ids": [customer.pk], "reason": "", "next": f"/customers/{customer.pk}/"},
        follow=True,
    )
    assert "请填写退回公海的原因" in response.content.decode()
    client.post("/customers/pool/release/", {"ids": [customer.pk], "reason": "预算取消"})
    with org_scope(world.org):
        assert Customer.objects.get(pk=customer.pk).in_pool
    assert web(world.rep_b).get(f"/customers/{customer.pk}/pool/").status_code == 404


# ---- API -------------------------------------------------------------------------------


def test_pool_api(world, other_world, api):
    customers = _pooled(world, 3)
    foreign = _pooled(other_world, 1)
    client = api(world.rep_a)
    listing = client.get("/api/v1/pool").json()
    assert listing["count"] == 3 and {i["id"] for i in listing["items"]} == {
        c.pk for c in customers
    }
    assert listing["items"][0]["last_action"] == "release"
    claimed = client.post("/api/v1/pool/claim", {"ids": [customers[0].pk]}, format="json")
    assert claimed.status_code == 200 and claimed.json() == {"count": 1}
    again = client.post("/api/v1/pool/claim", {"ids": [customers[0].pk]}, format="json")
    assert again.status_code == 422 and again.json()["code"] == "not_in_pool"
    other = client.post("/api/v1/pool/claim", {"ids": [foreign[0].pk]}, format="json")
    assert other.status_code == 422
    released = client.post(
        "/api/v1/pool/release", {"ids": [customers[0].pk], "reason": "不合适"}, format="json"
    )
    assert released.status_code == 200
    assert client.post("/api/v1/pool/release", {"ids": [1]}, format="json").status_code == 400
    denied = client.post(
        "/api/v1/pool/assign", {"ids": [customers[1].pk], "owner": world.rep_a.pk}, format="json"
    )
    assert denied.status_code == 403
    assigned = api(world.manager).post(
        "/api/v1/pool/assign", {"ids": [customers[1].pk], "owner": world.rep_b.pk}, format="json"
    )
    assert assigned.status_code == 200
    events = client.get("/api/v1/pool/events", {"action": "claim"}).json()
    assert events["count"] == 1 and events["items"][0]["employee"] == world.rep_a.pk
    assert (
        api(world.readonly)
        .post("/api/v1/pool/claim", {"ids": [customers[2].pk]}, format="json")
        .status_code
        == 403
    )


# ---- browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rep_claims_from_the_pool_and_finds_it_in_my_customers(world, page, sign_in):
    _pooled(world, 1, "浦江物流有限公司")
    sign_in(world.rep_a)
    page.goto("/customers/pool/")
    row = page.locator("[data-testid=pool-row]", has_text="浦江物流有限公司")
    assert "无意向" in row.locator("[data-testid=pool-why]").inner_text()
    row.locator("[data-testid=claim-one]").click()
    page.wait_for_selector("[data-testid=pool-empty]")
    page.goto("/customers/")
    page.check("[data-testid=filter-mine]")
    page.click("[data-testid=filter-submit]")
    page.wait_for_url("**/customers/?*mine=1*")
    assert page.locator("[data-testid=customer-name]").all_inner_texts() == ["浦江物流有限公司0"]
