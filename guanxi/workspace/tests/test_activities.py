"""Follow-up services: validation, permission, data scope, the customer's follow-up dates,
and moving follow-ups and files when customers are merged."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import StaleVersion
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import extensions
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.workspace import services
from guanxi.workspace.models import Activity, Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")


def _create(world, actor, customer, **fields):
    fields.setdefault("content", "电话沟通了报价")
    with org_scope(world.org):
        return services.activity_create(actor=actor, customer=customer, **fields)


def _customer(world, customer):
    with all_orgs():
        return Customer.with_deleted.get(pk=customer.pk)


def _count(world):
    with all_orgs():
        return Activity.with_deleted.filter(org=world.org).count()


def test_rep_records_a_follow_up_owned_by_them(world, customer):
    activity = _create(world, world.rep_a, customer, kind="visit", subject="拜访")
    assert activity.owner == world.rep_a and activity.department == world.east
    assert activity.created_by == world.rep_a and activity.kind == "visit"
    with all_orgs():
        record = ChangeRecord.objects.get(entity="workspace.activity", object_id=str(activity.pk))
    assert record.action == ChangeRecord.Action.CREATE


def test_follow_up_dates_follow_every_write(world, customer):
    today = timezone.localdate()
    earlier = timezone.now() - datetime.timedelta(days=3)
    first = _create(
        world, world.rep_a, customer, occurred_at=earlier,
        next_followup_on=today + datetime.timedelta(days=7),
    )  # fmt: skip
    stored = _customer(world, customer)
    assert stored.last_followup_at == first.occurred_at
    assert stored.next_followup_on == today + datetime.timedelta(days=7)

    second = _create(
        world, world.rep_a, customer, next_followup_on=today + datetime.timedelta(days=2)
    )
    stored = _customer(world, customer)
    assert stored.last_followup_at == second.occurred_at
    assert stored.next_followup_on == today + datetime.timedelta(days=2)  # the earliest ahead

    with org_scope(world.org):
        services.activity_update(
            actor=world.rep_a, activity=second, version=second.version, next_followup_on=None
        )
    assert _customer(world, customer).next_followup_on == today + datetime.timedelta(days=7)

    with org_scope(world.org):
        services.activity_delete(actor=world.rep_a, activity=second)
    stored = _customer(world, customer)
    assert stored.last_followup_at == first.occurred_at  # the deleted one no longer counts
    with org_scope(world.org):
        services.activity_delete(actor=world.rep_a, activity=first)
    stored = _customer(world, customer)
    assert stored.last_followup_at is None and stored.next_followup_on is None


def test_a_past_next_date_is_not_the_next_follow_up(world, customer):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    _create(
        world, world.rep_a, customer, occurred_at=long_ago,
        next_followup_on=timezone.localdate(long_ago) + datetime.timedelta(days=1),
    )  # fmt: skip
    assert _customer(world, customer).next_followup_on is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": "   "}, "content"),
        ({"occurred_at": timezone.now() + datetime.timedelta(days=3)}, "occurred_at"),
        ({"kind": "fax"}, "kind"),
        ({"next_followup_on": datetime.date(2000, 1, 1)}, "next_followup_on"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, customer, fields, field):
    with pytest.raises(ValidationError) as exc:
        _create(world, world.rep_a, customer, **fields)
    assert field in exc.value.message_dict
    assert _count(world) == 0
    assert _customer(world, customer).last_followup_at is None


def test_contact_must_belong_to_the_customer(world, customer):
    with org_scope(world.org):
        other = customer_services.customer_create(actor=world.rep_a, name="别的客户")
        stranger = customer_services.contact_create(actor=world.rep_a, customer=other, name="路人")
        own = customer_services.contact_create(actor=world.rep_a, customer=customer, name="陈静")
    with pytest.raises(ValidationError) as exc:
        _create(world, world.rep_a, customer, contact=stranger)
    assert "contact" in exc.value.message_dict
    assert _create(world, world.rep_a, customer, contact=own).contact == own


def test_customer_must_be_visible_and_of_the_org(world, other_world, customer):
    with org_scope(other_world.org):
        foreign = customer_services.customer_create(actor=other_world.admin, name="外组织客户")
    with pytest.raises(ValidationError) as exc:
        _create(world, world.rep_a, foreign)
    assert "customer" in exc.value.message_dict
    with pytest.raises(ValidationError):  # rep_b cannot see rep_a's customer
        _create(world, world.rep_b, customer)
    with pytest.raises(PermissionDenied):  # read-only role
        _create(world, world.readonly, customer)
    assert _count(world) == 0


def test_edit_and_delete_stay_within_the_data_scope(world, customer):
    activity = _create(world, world.rep_a, customer)
    with org_scope(world.org):
        customer_services.customers_transfer(
            actor=world.admin, customer_ids=[customer.pk], owner=world.rep_b
        )
        with pytest.raises(Http404):  # rep_b sees the customer now, not rep_a's record
            services.activity_update(actor=world.rep_b, activity=activity, subject="改")
        with pytest.raises(Http404):  # rep_a no longer sees the customer
            services.activity_delete(actor=world.rep_a, activity=activity)
        updated = services.activity_update(actor=world.manager, activity=activity, subject="主管改")
    assert updated.subject == "主管改" and updated.version == 2


def test_stale_version_is_refused(world, customer):
    activity = _create(world, world.rep_a, customer)
    with org_scope(world.org):
        services.activity_update(actor=world.rep_a, activity=activity, version=1, subject="一")
        with pytest.raises(StaleVersion):
            services.activity_update(actor=world.rep_a, activity=activity, version=1, subject="二")


def test_customer_and_owner_cannot_be_changed(world, customer):
    activity = _create(world, world.rep_a, customer)
    with org_scope(world.org), pytest.raises(ValidationError) as exc:
        services.activity_update(actor=world.admin, activity=activity, owner=world.rep_b)
    assert "owner" in exc.value.message_dict


# ---- merge ---------------------------------------------------------------------------------


def _upload(world, actor, customer, name="合同.pdf", data=b"%PDF-1.4"):
    with org_scope(world.org):
        return services.attachment_upload(
            actor=actor, customer=customer, upload=SimpleUploadedFile(name, data)
        )


def test_merge_moves_follow_ups_and_files_to_the_survivor(world, customer):
    with org_scope(world.org):
        survivor = customer_services.customer_create(actor=world.rep_a, name="西湖茶业")
    kept = _create(world, world.rep_a, customer, next_followup_on=timezone.localdate())
    binned = _create(world, world.rep_a, customer)
    with org_scope(world.org):
        services.activity_delete(actor=world.rep_a, activity=binned)
    _upload(world, world.rep_a, customer)
    kinds = {related.key: related for related in extensions.related_kinds()}
    with org_scope(world.org):
        assert kinds["activities"].count([customer.pk]) == 1
        assert kinds["attachments"].count([customer.pk]) == 1
        assert kinds["activities"].move([customer.pk], survivor, world.admin) == 1
        assert kinds["attachments"].move([customer.pk], survivor, world.admin) == 1
        assert kinds["activities"].count([customer.pk]) == 0
        assert Activity.with_deleted.filter(customer=customer).count() == 0
        assert Attachment.objects.get().customer_id == survivor.pk
    assert _customer(world, survivor).last_followup_at == kept.occurred_at
    assert _customer(world, survivor).next_followup_on == timezone.localdate()
    assert _customer(world, customer).last_followup_at is None


# ---- targets, participants, the migration --------------------------------------------------


def test_a_contact_target_fills_customer_and_contact(world, customer):
    with org_scope(world.org):
        contact = customer_services.contact_create(
            actor=world.rep_a, customer=customer, name="陈静"
        )
    activity = _create(world, world.rep_a, None, target=("contact", contact.pk))
    assert (activity.target_type, activity.target_id) == ("contact", contact.pk)
    assert activity.customer_id == customer.pk and activity.contact_id == contact.pk
    assert _customer(world, customer).last_followup_at == activity.occurred_at
    with org_scope(world.org), pytest.raises(ValidationError) as exc:  # it stays on the contact
        services.activity_update(actor=world.rep_a, activity=activity, contact=None)
    assert "contact" in exc.value.message_dict


@pytest.mark.parametrize(
    ("target", "code"),
    [(("planet", 1), "invalid"), (("customer", "abc"), "does_not_exist"),
     (("customer", 2**70), "does_not_exist")],
)  # fmt: skip
def test_bad_targets_are_refused_on_target(world, customer, target, code):
    with pytest.raises(ValidationError) as exc:
        _create(world, world.rep_a, None, target=target)
    assert exc.value.error_dict["target"][0].code == code
    assert _count(world) == 0


def test_participants_are_colleagues_and_the_customers_people(world, other_world, customer):
    with org_scope(world.org):
        own = customer_services.contact_create(actor=world.rep_a, customer=customer, name="陈静")
        other = customer_services.customer_create(actor=world.rep_a, name="别的客户")
        stranger = customer_services.contact_create(actor=world.rep_a, customer=other, name="路人")
    with pytest.raises(ValidationError) as exc:
        _create(world, world.rep_a, customer, participants=[other_world.admin])
    assert "participants" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _create(world, world.rep_a, customer, participant_contacts=[stranger])
    assert "participant_contacts" in exc.value.message_dict
    assert _count(world) == 0
    activity = _create(
        world, world.rep_a, customer, participants=[world.manager, world.rep_a],
        participant_contacts=[own],
    )  # fmt: skip
    with org_scope(world.org):
        assert activity.participant_ids == sorted([world.manager.pk, world.rep_a.pk])
        updated = services.activity_update(actor=world.rep_a, activity=activity, participants=[])
        assert updated.participant_ids == [] and updated.participant_contact_ids == [own.pk]
        record = ChangeRecord.objects.filter(object_id=str(activity.pk)).latest("id")
    assert "participants" in record.changes


def test_the_migration_points_existing_follow_ups_at_their_customer(world, customer):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("guanxi.workspace.migrations.0002_activity_targets")
    activity = _create(world, world.rep_a, customer)
    with all_orgs():
        Activity.with_deleted.filter(pk=activity.pk).update(target_type="", target_id=0)
    migration.existing_rows_target_their_customer(apps, None)
    with all_orgs():
        stored = Activity.with_deleted.get(pk=activity.pk)
    assert (stored.target_type, stored.target_id) == ("customer", customer.pk)


def test_merge_moves_the_target_of_follow_ups_on_the_customer(world, customer):
    with org_scope(world.org):
        survivor = customer_services.customer_create(actor=world.rep_a, name="西湖茶业")
        contact = customer_services.contact_create(actor=world.rep_a, customer=customer, name="陈")
    on_customer = _create(world, world.rep_a, customer)
    on_contact = _create(world, world.rep_a, None, target=("contact", contact.pk))
    with org_scope(world.org):
        customer_services.customers_merge(
            actor=world.admin, survivor_id=survivor.pk, merged_ids=[customer.pk]
        )
    with all_orgs():
        moved = Activity.objects.get(pk=on_customer.pk)
        kept = Activity.objects.get(pk=on_contact.pk)
    assert (moved.target_type, moved.target_id, moved.customer_id) == (
        "customer", survivor.pk, survivor.pk,
    )  # fmt: skip
    assert (kept.target_type, kept.target_id, kept.customer_id) == (
        "contact", contact.pk, survivor.pk,
    )  # fmt: skip


def test_a_participant_who_left_stays_but_cannot_be_added(world, customer):
    from guanxi.orgs.models import Employee

    activity = _create(world, world.rep_a, customer, participants=[world.rep_b])
    with all_orgs():
        Employee.objects.filter(pk=world.rep_b.pk).update(status=Employee.Status.LEFT)
        world.rep_b.refresh_from_db()
    with org_scope(world.org):
        updated = services.activity_update(
            actor=world.rep_a, activity=activity, participants=[world.rep_b, world.manager]
        )
        assert updated.participant_ids == sorted([world.rep_b.pk, world.manager.pk])
    with pytest.raises(ValidationError) as exc:
        _create(world, world.rep_a, customer, participants=[world.rep_b])
    assert "participants" in exc.value.message_dict
