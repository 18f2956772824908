"""Merge, bulk edit and handover of selected customers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import extensions, services
from guanxi.customers.models import Contact, Customer, CustomerMerge, LifecycleChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world):
    """Two records of one company (rep_a's), the second with its own contacts and facts."""
    with org_scope(world.org):
        keep = services.customer_create(
            actor=world.rep_a, name="北京华为技术有限公司", phone="010-12345678", tags=["重点"]
        )
        services.contact_create(actor=world.rep_a, customer=keep, name="张伟", is_primary=True)
        dup = services.customer_create(
            actor=world.rep_a,
            name="华为技术（北京）有限公司",
            email="info@huawei.example",
            region="北京市/北京市/海淀区",
            tags=["华北", "重点"],
        )
        services.contact_create(actor=world.rep_a, customer=dup, name="李娜", is_primary=True)
        services.contact_create(actor=world.rep_a, customer=dup, name="王芳")
        child = services.customer_create(actor=world.rep_a, name="华为北京分部", parent=dup)
    return keep, dup, child


def _fresh(pk):
    with all_orgs():
        return Customer.with_deleted.get(pk=pk)


def test_preview_lists_differences_and_what_moves_without_changing_anything(world, pair):
    keep, dup, _child = pair
    with org_scope(world.org):
        preview = services.customers_merge_preview(
            actor=world.manager, survivor_id=keep.pk, merged_ids=[dup.pk]
        )
    fields = {f["field"]: f for f in preview["fields"]}
    assert fields["email"]["chosen"] == dup.pk  # the survivor's e-mail is empty
    assert fields["name"]["chosen"] == keep.pk
    related = {r["key"]: r["count"] for r in preview["related"]}
    assert related["contacts"] == 2 and related["subsidiaries"] == 1
    assert preview["tags"] == ["重点", "华北"]
    assert _fresh(dup.pk).deleted_at is None


def test_merge_moves_everything_and_the_merged_one_resolves_to_the_survivor(world, pair, api):
    keep, dup, child = pair
    response = api(world.manager).post(
        "/api/v1/customers/merge",
        {"survivor": keep.pk, "merged": [dup.pk], "choices": {"region": dup.pk}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["moved"]["contacts"] == 2
    survivor = body["survivor"]
    assert survivor["email"] == "info@huawei.example"
    assert survivor["region"] == "北京市/北京市/海淀区"
    assert survivor["tags"] == ["重点", "华北"]
    with all_orgs():
        contacts = list(Contact.objects.filter(customer=keep).order_by("id"))
        assert [c.name for c in contacts] == ["张伟", "李娜", "王芳"]
        assert [c.is_primary for c in contacts] == [True, False, False]  # one primary stays
        assert Customer.objects.get(pk=child.pk).parent_id == keep.pk
        assert LifecycleChange.objects.filter(customer=keep).count() == 2
        log = CustomerMerge.objects.get(survivor=keep)
        assert log.merged[0]["code"] == dup.code and log.actor == world.manager
        assert ChangeRecord.objects.filter(
            object_id=str(dup.pk), action=ChangeRecord.Action.DELETE
        ).exists()
    gone = _fresh(dup.pk)
    assert gone.deleted_at is not None and gone.merged_into_id == keep.pk
    # the merged-away customer answers with the survivor's address, in the API and the UI
    old = api(world.manager).get(f"/api/v1/customers/{dup.pk}")
    assert old.status_code == 308 and old.json()["merged_into"] == keep.pk
    assert old["Location"].endswith(f"/api/v1/customers/{keep.pk}")
    # and it is neither in the list nor in the recycle bin, nor restorable
    names = [c["name"] for c in api(world.rep_a).get("/api/v1/customers").json()["items"]]
    assert dup.name not in names
    restore = api(world.admin).post(f"/api/v1/customers/{dup.pk}/restore")
    assert restore.status_code == 404


def test_merge_runs_the_related_kinds_later_modules_register(world, pair):
    keep, dup, _child = pair
    calls = []

    def move(ids, survivor, actor):
        calls.append((list(ids), survivor.pk, actor.pk))
        return 7

    extensions.register_related(
        extensions.Related(key="test_orders", label="订单", count=lambda ids: 7, move=move)
    )
    try:
        with org_scope(world.org):
            preview = services.customers_merge_preview(
                actor=world.manager, survivor_id=keep.pk, merged_ids=[dup.pk]
            )
            merge = services.customers_merge(
                actor=world.manager, survivor_id=keep.pk, merged_ids=[dup.pk]
            )
    finally:
        extensions._related.pop("test_orders")
    assert {"key": "test_orders", "label": "订单", "count": 7} in preview["related"]
    assert calls == [([dup.pk], keep.pk, world.manager.pk)]
    assert merge.moved["test_orders"] == 7


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"merged": "self"}, "merged"),
        ({"merged": []}, "merged"),
        ({"choices": {"code": "dup"}}, "choices"),
        ({"choices": {"email": 999999}}, "choices"),
    ],
)
def test_bad_merges_are_refused_and_change_nothing(world, pair, api, payload, field):
    keep, dup, _child = pair
    body = {"survivor": keep.pk, "merged": [dup.pk]}
    if payload.get("merged") == "self":
        body["merged"] = [keep.pk, dup.pk]
    elif "merged" in payload:
        body["merged"] = payload["merged"]
    if "choices" in payload:
        body["choices"] = {k: dup.pk if v == "dup" else v for k, v in payload["choices"].items()}
    response = api(world.manager).post("/api/v1/customers/merge", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _fresh(dup.pk).deleted_at is None
    with all_orgs():
        assert Contact.objects.filter(customer=dup).count() == 2
        assert not CustomerMerge.objects.exists()


def test_merge_needs_both_customers_in_scope_and_delete_permission(world, other_world, pair, api):
    keep, dup, _child = pair
    with org_scope(world.org):
        theirs = services.customer_create(actor=world.admin, owner=world.agent, name="客服的客户")
    with org_scope(other_world.org):
        foreign = services.customer_create(actor=other_world.admin, name="别家的客户")
    for merged in ([theirs.pk], [foreign.pk]):
        response = api(world.manager).post(
            "/api/v1/customers/merge", {"survivor": keep.pk, "merged": merged}, format="json"
        )
        assert response.status_code == 400 and "merged" in response.json()["fields"]
    assert (
        api(world.readonly)
        .post("/api/v1/customers/merge", {"survivor": keep.pk, "merged": [dup.pk]}, format="json")
        .status_code
        == 403
    )
    assert _fresh(theirs.pk).deleted_at is None and _fresh(dup.pk).deleted_at is None


def test_a_stale_survivor_version_is_refused(world, pair, api):
    keep, dup, _child = pair
    response = api(world.manager).post(
        "/api/v1/customers/merge",
        {"survivor": keep.pk, "merged": [dup.pk], "version": keep.version + 5},
        format="json",
    )
    assert response.status_code == 409
    assert _fresh(dup.pk).deleted_at is None
    with all_orgs():
        assert Contact.objects.filter(customer=dup).count() == 2


def test_merged_customer_page_redirects_to_the_survivor(world, pair, web):
    keep, dup, _child = pair
    with org_scope(world.org):
        services.customers_merge(actor=world.manager, survivor_id=keep.pk, merged_ids=[dup.pk])
    response = web(world.rep_a).get(f"/customers/{dup.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/customers/{keep.pk}/"


# ---- bulk edit --------------------------------------------------------------------------


def test_bulk_update_sets_values_and_tags_on_every_customer_with_audit(world, pair, api):
    keep, dup, child = pair
    response = api(world.rep_a).post(
        "/api/v1/customers/bulk-update",
        {
            "customers": [keep.pk, dup.pk, child.pk],
            "changes": {"region": "北京市", "lifecycle_stage": "potential", "credit_limit": "5000"},
            "add_tags": ["战略"],
            "remove_tags": ["华北"],
        },
        format="json",
    )
    assert response.status_code == 200 and response.json() == {"updated": 3}
    with all_orgs():
        rows = {c.pk: c for c in Customer.objects.filter(pk__in=[keep.pk, dup.pk, child.pk])}
        assert {c.region for c in rows.values()} == {"北京市"}
        assert {c.lifecycle_stage for c in rows.values()} == {"potential"}
        assert rows[dup.pk].tags == ["重点", "战略"]
        assert str(rows[keep.pk].credit_limit) == "5000.00"
        assert LifecycleChange.objects.filter(customer_id=child.pk, reason="manual").count() == 1
        assert ChangeRecord.objects.filter(
            object_id=str(keep.pk), action=ChangeRecord.Action.UPDATE
        ).exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"industry": "no-such-industry"}, "industry"),
        ({"lifecycle_stage": "nirvana"}, "lifecycle_stage"),
        ({"credit_limit": "-1"}, "credit_limit"),
        ({"name": "全部改名"}, "name"),
        ({}, "changes"),
    ],
)
def test_bulk_update_refuses_bad_values_for_all(world, pair, api, changes, field):
    keep, dup, _child = pair
    response = api(world.rep_a).post(
        "/api/v1/customers/bulk-update",
        {"customers": [keep.pk, dup.pk], "changes": changes},
        format="json",
    )
    assert response.status_code == 400 and field in response.json()["fields"]
    assert _fresh(keep.pk).version == keep.version and _fresh(dup.pk).version == dup.version


def test_bulk_update_is_all_or_nothing_across_scope(world, pair):
    keep, _dup, _child = pair
    with org_scope(world.org):
        theirs = services.customer_create(actor=world.rep_b, name="华北的客户")
        with pytest.raises(ValidationError):
            services.customers_bulk_update(
                actor=world.rep_a, customer_ids=[keep.pk, theirs.pk], changes={"region": "上海"}
            )
        with pytest.raises(PermissionDenied):
            services.customers_bulk_update(
                actor=world.readonly, customer_ids=[keep.pk], changes={"region": "上海"}
            )
    assert _fresh(keep.pk).region == ""


# ---- handover ---------------------------------------------------------------------------


def test_handover_of_chosen_customers_runs_registered_steps(world, pair):
    keep, dup, child = pair
    seen = []

    def move(source, target, ids, actor):
        seen.append((source.pk, target.pk, ids))
        return 3

    extensions.register_handover(extensions.HandoverStep(key="test_tasks", label="任务", move=move))
    try:
        with org_scope(world.org):
            moved = services.customers_handover(
                actor=world.manager,
                from_employee=world.rep_a,
                to_employee=world.rep_b,
                customer_ids=[keep.pk],
            )
            with pytest.raises(ValidationError):  # not rep_a's customer
                services.customers_handover(
                    actor=world.manager,
                    from_employee=world.rep_b,
                    to_employee=world.rep_a,
                    customer_ids=[dup.pk],
                )
    finally:
        extensions._handover.pop("test_tasks")
    steps = {step.key: 0 for step in extensions.handover_steps()}
    assert moved == {"customers": 1, "care_tasks": 0, **steps, "test_tasks": 3}
    assert seen == [(world.rep_a.pk, world.rep_b.pk, [keep.pk])]
    assert _fresh(keep.pk).owner_id == world.rep_b.pk
    assert _fresh(dup.pk).owner_id == world.rep_a.pk and _fresh(child.pk).owner_id == world.rep_a.pk


# ---- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "<script>alert(1)</script>公司"}, "name"),
        ({"name": "好公司<img src=x onerror=alert(1)>"}, "name"),
        ({"name": "正常公司", "phone": "call me maybe"}, "phone"),
        ({"name": "正常公司", "phone": "12"}, "phone"),
        ({"name": "正常公司", "finance_phone": "1" * 25}, "finance_phone"),
    ],
)
def test_markup_in_names_and_broken_phones_are_refused(world, api, fields, field):
    response = api(world.rep_a).post("/api/v1/customers", fields, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    with all_orgs():
        assert not Customer.objects.filter(org=world.org).exists()


def test_ordinary_phones_and_names_with_angle_brackets_in_text_pass(world):
    with org_scope(world.org):
        customer = services.customer_create(
            actor=world.rep_a,
            name="A<B 贸易公司",
            phone="+86 (010) 6543-2100 转 8001",
            finance_phone="95588",
        )
        contact = services.contact_create(
            actor=world.rep_a, customer=customer, name="王 <经理>", mobile="138 0013 8000"
        )
    assert customer.pk and contact.pk


def test_absurd_ids_are_bad_requests(world, api):
    client = api(world.manager)
    huge = 2**70
    for url, body in [
        ("/api/v1/customers/merge", {"survivor": huge, "merged": [1]}),
        ("/api/v1/customers/merge-preview", {"survivor": 1, "merged": [huge]}),
        ("/api/v1/customers/bulk-update", {"customers": [huge], "changes": {"region": "x"}}),
        ("/api/v1/customers/transfer", {"customers": [1], "owner": huge}),
        ("/api/v1/customers/handover", {"source": huge, "target": 1}),
    ]:
        assert client.post(url, body, format="json").status_code == 400, url


def test_care_tasks_follow_merges_and_handovers(world, pair):
    import datetime

    from guanxi.customers import care
    from guanxi.customers.models import CareTask

    keep, dup, _child = pair
    day = datetime.date(2026, 12, 20)
    with org_scope(world.org):
        care.care_task_create(actor=world.rep_a, customer=dup, title="节日问候", due_on=day)
        for customer in (keep, dup):  # both have their anniversary task on the same day
            CareTask.objects.create(
                org=world.org, customer=customer, kind="anniversary", title="周年", due_on=day,
                assignee=world.rep_a,
            )  # fmt: skip
        preview = services.customers_merge_preview(
            actor=world.manager, survivor_id=keep.pk, merged_ids=[dup.pk]
        )
        merge = services.customers_merge(
            actor=world.manager, survivor_id=keep.pk, merged_ids=[dup.pk]
        )
        assert {r["key"]: r["count"] for r in preview["related"]}["care_tasks"] == 2
        assert merge.moved["care_tasks"] == 1  # the duplicate anniversary went
        assert CareTask.objects.filter(customer=keep).count() == 2
        moved = services.customers_handover(
            actor=world.manager, from_employee=world.rep_a, to_employee=world.rep_b
        )
        assert moved["care_tasks"] == 2
        assert set(CareTask.objects.values_list("assignee", flat=True)) == {world.rep_b.pk}
