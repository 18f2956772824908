"""Renewals and repeat purchases (续约与复购): items by hand, registered by later modules,
made each night from the repurchase cycle, closed by orders; the list by period with its
status counts, in the employee's data scope; the API."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import StaleVersion
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import pool, renewals, services, tasks
from guanxi.customers.models import Customer, RenewalItem
from guanxi.orgs.models import OrgSettings

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.datetime(2026, 6, 10, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai
Status = RenewalItem.Status


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _customer(world, name, owner=None, *, last_order=None):
    owner = owner or world.rep_a
    with org_scope(world.org):
        customer = services.customer_create(actor=world.admin, name=name, owner=owner)
        if last_order is not None:
            Customer.objects.filter(pk=customer.pk).update(last_order_on=last_order)
            customer.refresh_from_db()
        return customer


def _item(world, customer, due_on, *, kind="repurchase", actor=None):
    with org_scope(world.org):
        return renewals.renewal_create(
            actor=actor or world.admin, customer=customer, kind=kind, due_on=due_on
        )


def _reload(item):
    with all_orgs():
        return RenewalItem.objects.get(pk=item.pk)


def _cycle(world, days):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(repurchase_cycle_days=days)


def _filters(employee, **params):
    return renewals.clean_filters(params, employee=employee)


# ---- services ----------------------------------------------------------------------------


def test_create_by_hand_copies_the_customers_owner_and_is_audited(world):
    customer = _customer(world, "华信科技", world.rep_b)
    item = _item(world, customer, "2026-07-01", kind="renewal")
    assert (item.owner_id, item.department_id) == (world.rep_b.pk, world.rep_b.department_id)
    assert (item.status, item.source, item.version) == (Status.UNDECIDED, "manual", 1)
    assert item.title == "华信科技续约"
    with org_scope(world.org):
        entry = ChangeRecord.objects.get(entity="customers.renewalitem", object_id=str(item.pk))
    assert entry.action == ChangeRecord.Action.CREATE


def test_create_refuses_bad_input_with_every_error_and_writes_nothing(world):
    customer = _customer(world, "华信科技")
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        renewals.renewal_create(
            actor=world.rep_a, customer=customer, kind="lease", due_on="明天", note="x" * 501
        )
    assert set(caught.value.message_dict) == {"kind", "due_on", "note"}
    assert caught.value.message_dict["due_on"] == ["请输入有效的日期。"]
    with all_orgs():
        assert not RenewalItem.objects.exists()


def test_create_needs_edit_permission_and_a_visible_customer(world):
    mine = _customer(world, "甲的客户", world.rep_a)
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            renewals.renewal_create(actor=world.readonly, customer=mine, due_on="2026-07-01")
        with pytest.raises(ValidationError) as caught:
            renewals.renewal_create(actor=world.rep_b, customer=mine, due_on="2026-07-01")
    assert caught.value.message_dict == {"customer": ["您无权查看该客户。"]}
    with all_orgs():
        assert not RenewalItem.objects.exists()


def test_set_status_with_note_is_audited_and_a_stale_version_changes_nothing(world):
    customer = _customer(world, "华信科技")
    item = _item(world, customer, "2026-07-01")
    with org_scope(world.org):
        item = renewals.renewal_update(
            actor=world.rep_a, item=item, version=1, status="will_renew", note="已口头确认"
        )
        assert (item.status, item.note, item.version) == ("will_renew", "已口头确认", 2)
        entry = ChangeRecord.objects.filter(
            entity="customers.renewalitem", object_id=str(item.pk), action="update"
        ).get()
        assert entry.changes["status"] == {"old": "undecided", "new": "will_renew"}
        assert entry.actor_id == world.rep_a.pk
        with pytest.raises(StaleVersion):
            renewals.renewal_update(actor=world.rep_a, item=item, version=1, status="wont_renew")
        item = renewals.renewal_update(actor=world.rep_a, item=item, version=2, status="renewed")
        assert item.closed_at is not None
        item = renewals.renewal_update(actor=world.rep_a, item=item, version=3, status="undecided")
        assert item.closed_at is None
    assert _reload(item).status == "undecided"


def test_update_of_an_item_out_of_scope_is_404_and_readonly_is_403(world):
    item = _item(world, _customer(world, "乙的客户", world.rep_b), "2026-07-01")
    with org_scope(world.org):
        with pytest.raises(Http404):
            renewals.renewal_update(actor=world.rep_a, item=item, version=1, status="renewed")
        with pytest.raises(PermissionDenied):
            renewals.renewal_update(actor=world.readonly, item=item, version=1, status="renewed")
    assert _reload(item).status == Status.UNDECIDED


def test_register_is_idempotent_per_source_reference(world):
    customer = _customer(world, "合同客户")
    with org_scope(world.org):
        first, created = renewals.renewal_register(
            customer=customer, kind="renewal", due_on=D(2026, 8, 31),
            source_type="contract", source_id=42, title="HT-2026-0042 到期续约",
        )  # fmt: skip
        again, created_again = renewals.renewal_register(
            customer=customer, kind="renewal", due_on=D(2026, 8, 31),
            source_type="contract", source_id="42",
        )  # fmt: skip
        moved, _ = renewals.renewal_register(
            customer=customer, kind="renewal", due_on=D(2026, 9, 30),
            source_type="contract", source_id="42",
        )  # fmt: skip
        assert (created, created_again) == (True, False)
        assert first.pk == again.pk == moved.pk
        assert (moved.due_on, moved.title, moved.source) == (
            D(2026, 9, 30), "HT-2026-0042 到期续约", "module",
        )  # fmt: skip
        assert RenewalItem.objects.count() == 1
        with pytest.raises(ValidationError) as caught:
            renewals.renewal_register(
                customer=customer, kind="renewal", due_on=None, source_type="", source_id=""
            )
    assert {"source_type", "source_id", "due_on"} <= set(caught.value.message_dict)


def test_an_order_closes_the_customers_repeat_purchase_items_as_renewed(world):
    customer = _customer(world, "复购客户")
    other = _customer(world, "别的客户")
    repurchase = _item(world, customer, "2026-06-20")
    contract = _item(world, customer, "2026-06-20", kind="renewal")
    elsewhere = _item(world, other, "2026-06-20")
    with org_scope(world.org):
        # an order dated before the item was made does not close it
        services.lifecycle_event(customer=customer, event="first_order", on=D(2026, 6, 1))
        assert _reload(repurchase).status == Status.UNDECIDED
        services.lifecycle_event(customer=customer, event="repeat_order")
    closed = _reload(repurchase)
    assert (closed.status, closed.version) == (Status.RENEWED, 2)
    assert closed.closed_at is not None
    assert _reload(contract).status == Status.UNDECIDED  # contracts close their renewals
    assert _reload(elsewhere).status == Status.UNDECIDED
    with org_scope(world.org):
        entry = ChangeRecord.objects.get(
            entity="customers.renewalitem", object_id=str(repurchase.pk), action="update"
        )
    assert entry.actor is None and entry.changes["status"]["new"] == "renewed"


def test_items_follow_their_customer_on_transfer_pool_and_nightly_resync(world):
    customer = _customer(world, "移交客户", world.rep_a)
    item = _item(world, customer, "2026-07-01")
    with org_scope(world.org):
        services.customers_transfer(
            actor=world.admin, customer_ids=[customer.pk], owner=world.rep_b
        )
    assert (_reload(item).owner_id, _reload(item).department_id) == (
        world.rep_b.pk, world.rep_b.department_id,
    )  # fmt: skip
    with org_scope(world.org):
        pool.pool_release(actor=world.admin, customer_ids=[customer.pk], reason="长期无人跟进")
    assert (_reload(item).owner_id, _reload(item).department_id) == (None, None)
    # a change of hands the renewals are not told about is put right by the nightly run
    with org_scope(world.org):
        Customer.objects.filter(pk=customer.pk).update(
            owner=world.rep_a, department=world.rep_a.department, in_pool=False
        )
    renewals.renewals_generate(org=world.org)
    assert (_reload(item).owner_id, _reload(item).department_id) == (
        world.rep_a.pk, world.rep_a.department_id,
    )  # fmt: skip


def test_merge_moves_the_items_to_the_survivor(world):
    survivor = _customer(world, "存续客户")
    merged = _customer(world, "被合并客户")
    item = _item(world, merged, "2026-07-01")
    with org_scope(world.org):
        services.customers_merge(actor=world.admin, survivor_id=survivor.pk, merged_ids=[merged.pk])
    assert _reload(item).customer_id == survivor.pk


# ---- the nightly repeat-purchase run -----------------------------------------------------


def test_nightly_run_makes_repeat_purchase_items_once(world, django_assert_max_num_queries):
    _cycle(world, 30)
    due_soon = _customer(world, "下月复购", last_order=D(2026, 5, 20))  # due 6-19
    late = _customer(world, "逾期复购", last_order=D(2026, 5, 1))  # due 5-31
    _customer(world, "太久没买", last_order=D(2026, 3, 1))  # due 3-31: over a cycle late
    _customer(world, "没下过单")
    in_pool = _customer(world, "公海客户", last_order=D(2026, 5, 20))
    with org_scope(world.org):
        pool.pool_release(actor=world.admin, customer_ids=[in_pool.pk], reason="无人跟进")

    assert renewals.renewals_generate(org=world.org, batch_size=1) == 2
    with org_scope(world.org):
        items = {i.customer_id: i for i in RenewalItem.objects.all()}
    assert set(items) == {due_soon.pk, late.pk}
    assert items[due_soon.pk].due_on == D(2026, 6, 19)
    assert (items[due_soon.pk].kind, items[due_soon.pk].source) == ("repurchase", "cycle")
    assert items[due_soon.pk].owner_id == world.rep_a.pk
    # reruns (and the scheduled task) add nothing, even after a follow-up status was set
    with org_scope(world.org):
        renewals.renewal_update(
            actor=world.rep_a, item=items[late.pk], version=1, status="wont_renew"
        )
    assert renewals.renewals_generate(org=world.org) == 0
    assert tasks.renewals_generate_daily.call_local()[world.org.pk] == 0
    with org_scope(world.org):
        assert RenewalItem.objects.count() == 2
    # a new order closes the item and starts the next cycle's
    with org_scope(world.org):
        services.lifecycle_event(customer=due_soon, event="repeat_order")
    assert _reload(items[due_soon.pk]).status == Status.RENEWED
    assert renewals.renewals_generate(org=world.org) == 1
    with org_scope(world.org):
        fresh = RenewalItem.objects.filter(customer=due_soon, status=Status.UNDECIDED).get()
    assert fresh.due_on == D(2026, 7, 10)
    # the queries per batch do not depend on its size
    with django_assert_max_num_queries(12):
        renewals.renewals_generate(org=world.org, batch_size=1000)


def test_nightly_run_does_nothing_without_a_cycle(world):
    _customer(world, "下月复购", last_order=D(2026, 5, 20))
    assert renewals.renewals_generate(org=world.org) == 0
    with all_orgs():
        assert not RenewalItem.objects.exists()


# ---- selectors ---------------------------------------------------------------------------


def test_periods_status_counts_and_filters(world):
    customer = _customer(world, "华信科技")
    this_month = _item(world, customer, "2026-06-25")
    in_45_days = _item(world, customer, "2026-07-25", kind="renewal")
    overdue = _item(world, customer, "2026-06-01")
    _item(world, customer, "2026-10-01")
    with org_scope(world.org):
        renewals.renewal_update(actor=world.admin, item=in_45_days, version=1, status="will_renew")

        def ids(**params):
            filters = _filters(world.admin, **params)
            return [i.pk for i in renewals.renewal_list(employee=world.admin, filters=filters)]

        assert ids(period="month") == [overdue.pk, this_month.pk]
        assert ids() == [this_month.pk]  # next 30 days by default
        assert ids(period="60") == [this_month.pk, in_45_days.pk]
        assert ids(period="overdue") == [overdue.pk]
        assert ids(period="custom", start="2026-06-01", end="2026-07-31") == [
            overdue.pk, this_month.pk, in_45_days.pk,
        ]  # fmt: skip
        assert ids(period="60", status="will_renew") == [in_45_days.pk]
        assert ids(period="60", kind="repurchase") == [this_month.pk]
        assert ids(period="60", owner="me") == []
        assert ids(period="60", owner=str(world.rep_a.pk)) == [this_month.pk, in_45_days.pk]
        counts = renewals.status_counts(
            employee=world.admin, filters=_filters(world.admin, period="60", status="renewed")
        )
    assert counts == {
        "undecided": 1, "will_renew": 1, "wont_renew": 0, "renewed": 0, "total": 2,
    }  # fmt: skip


def test_bad_conditions_are_refused_together(world):
    with pytest.raises(ValidationError) as caught:
        _filters(world.admin, period="custom", start="2026-07-01", end="2026-06-01", status="x")
    assert set(caught.value.message_dict) == {"end", "status"}
    assert caught.value.message_dict["end"] == ["结束日期不能早于开始日期。"]
    with pytest.raises(ValidationError) as caught:
        _filters(world.admin, period="week", owner="甲")
    assert set(caught.value.message_dict) == {"period", "owner"}


def test_list_follows_the_data_scope_and_the_org(world, other_world):
    mine = _item(world, _customer(world, "甲的客户", world.rep_a), "2026-06-20")
    theirs = _item(world, _customer(world, "乙的客户", world.rep_b), "2026-06-20")
    foreign_customer = _customer(other_world, "别家客户", other_world.rep_a)
    foreign = _item(other_world, foreign_customer, "2026-06-20")

    def seen(employee):
        with org_scope(employee.org):
            filters = _filters(employee, period="30")
            return {i.pk for i in renewals.renewal_list(employee=employee, filters=filters)}

    assert seen(world.rep_a) == {mine.pk}
    assert seen(world.rep_b) == {theirs.pk}
    assert seen(world.manager) == {mine.pk, theirs.pk}
    assert seen(world.admin) == {mine.pk, theirs.pk}
    assert seen(other_world.admin) == {foreign.pk}
    assert seen(world.agent) == set() or foreign.pk not in seen(world.agent)


def test_items_of_deleted_customers_are_left_out(world):
    customer = _customer(world, "将删除的客户")
    _item(world, customer, "2026-06-20")
    with org_scope(world.org):
        services.customer_delete(actor=world.admin, customer=customer)
        filters = _filters(world.admin)
        assert not renewals.renewal_list(employee=world.admin, filters=filters).exists()
        assert renewals.status_counts(employee=world.admin, filters=filters)["total"] == 0


def test_nightly_run_looks_no_further_than_the_longest_period(world):
    _cycle(world, 200)
    _customer(world, "刚买过", last_order=D(2026, 6, 1))  # due 12-18: past 90 days ahead
    soon = _customer(world, "快到期", last_order=D(2025, 12, 1))  # due 2026-06-19
    assert renewals.renewals_generate(org=world.org) == 1
    with org_scope(world.org):
        assert RenewalItem.objects.get().customer_id == soon.pk


# ---- API ---------------------------------------------------------------------------------

URL = "/api/v1/renewals"


def test_api_list_filters_counts_and_scope(world, api, django_assert_max_num_queries):
    mine = _customer(world, "甲的客户", world.rep_a)
    for day in range(1, 13):
        _item(world, mine, D(2026, 6, 10) + datetime.timedelta(days=day))
    first = _item(world, mine, "2026-06-11", kind="renewal")
    _item(world, _customer(world, "乙的客户", world.rep_b), "2026-06-12")
    client = api(world.rep_a)
    client.get(URL)  # warm caches
    with django_assert_max_num_queries(8):
        body = client.get(URL, {"period": "30", "limit": 5}).json()
    assert body["count"] == 13 and len(body["items"]) == 5 and body["next"]
    assert body["items"][0]["due_on"] == "2026-06-11"
    assert {"customer_name", "status", "version", "owner_name"} <= set(body["items"][0])
    second = client.get(body["next"]).json()
    assert second["items"][0]["id"] not in {i["id"] for i in body["items"]}
    renewals_only = client.get(URL, {"kind": "renewal"}).json()
    assert [i["id"] for i in renewals_only["items"]] == [first.pk]
    assert client.get(URL, {"owner": "me"}).json()["count"] == 13
    counts = client.get(f"{URL}/counts", {"period": "month"}).json()
    assert (counts["undecided"], counts["total"], counts["start"], counts["end"]) == (
        13, 13, "2026-06-01", "2026-06-30",
    )  # fmt: skip


def test_api_bad_conditions_answer_400_in_the_callers_language(world, api):
    client = api(world.rep_a)
    response = client.get(URL, {"period": "custom", "start": "2026-07-01", "end": "2026-06-01"})
    assert response.status_code == 400
    assert response.json()["fields"]["end"] == ["结束日期不能早于开始日期。"]
    response = client.get(URL, {"status": "maybe"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["status"] == ["“maybe” is not a valid choice."]


def test_api_create_and_set_status_with_version(world, api):
    customer = _customer(world, "华信科技")
    client = api(world.rep_a)
    created = client.post(
        URL, {"customer": customer.pk, "kind": "renewal", "due_on": "2026-07-01"}, format="json"
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert (item["status"], item["version"], item["owner"]) == ("undecided", 1, world.rep_a.pk)
    url = f"{URL}/{item['id']}"
    changed = client.patch(
        url, {"status": "will_renew", "note": "下周签", "version": 1}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["status"], changed.json()["version"]) == ("will_renew", 2)
    stale = client.patch(url, {"status": "wont_renew", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    row = _reload(RenewalItem(pk=item["id"]))
    assert (row.status, row.note, row.version) == ("will_renew", "下周签", 2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "maybe", "version": 1}, "status"),
        ({"status": "renewed"}, "version"),
        ({"note": "x" * 501, "version": 1}, "note"),
        ({"due_on": "下个月", "version": 1}, "due_on"),
        ({"owner": 1, "version": 1}, "owner"),
    ],
)
def test_api_bad_patch_is_400_and_changes_nothing(world, api, body, field):
    item = _item(world, _customer(world, "华信科技"), "2026-07-01")
    response = api(world.rep_a).patch(f"{URL}/{item.pk}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    row = _reload(item)
    assert (row.status, row.note, row.version, row.owner_id) == (
        "undecided", "", 1, world.rep_a.pk,
    )  # fmt: skip


def test_api_create_with_bad_input_is_400_translated_and_writes_nothing(world, api):
    customer = _customer(world, "华信科技")
    response = api(world.rep_a).post(
        URL, {"customer": customer.pk, "kind": "lease", "due_on": "2026-13-01"}, format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"kind", "due_on"}
    with all_orgs():
        assert not RenewalItem.objects.exists()


def test_api_others_items_are_404_and_readonly_cannot_write(world, other_world, api):
    theirs = _item(world, _customer(world, "乙的客户", world.rep_b), "2026-06-20")
    foreign = _item(other_world, _customer(other_world, "别家客户"), "2026-06-20")
    rep_a = api(world.rep_a)
    assert rep_a.get(f"{URL}/{theirs.pk}").status_code == 404
    body = {"status": "renewed", "version": 1}
    assert rep_a.patch(f"{URL}/{theirs.pk}", body, format="json").status_code == 404
    assert rep_a.patch(f"{URL}/{foreign.pk}", body, format="json").status_code == 404
    assert api(world.readonly).patch(f"{URL}/{theirs.pk}", body, format="json").status_code == 403
    assert _reload(theirs).status == _reload(foreign).status == "undecided"
