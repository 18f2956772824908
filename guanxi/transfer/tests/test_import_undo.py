"""Undoing a finished import: created customers and contacts go to the recycle bin (and
can be restored from there), changed records get back what they held unless someone saved
them since; within seven days, by the importer or an admin; API, screen and housekeeping."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customers
from guanxi.customers.models import Contact, Customer
from guanxi.jobs.models import Job
from guanxi.search.models import SearchEntry
from guanxi.transfer import engine, services
from guanxi.transfer.models import ImportBatch, ImportChunk
from guanxi.transfer.tests.helpers import csv_bytes, upload

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "电话", "行业", "联系人", "联系人手机"]
NEW_ROWS = [[f"撤销测试客户{i}有限公司", f"0571-8600{i:04d}", "", f"联系人{i}", f"1380000{i:04d}"]
            for i in range(5)]  # fmt: skip


@pytest.fixture(autouse=True)
def chunks_of_two(monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)


@pytest.fixture
def existing(world):
    with org_scope(world.org):
        return customers.customer_create(
            actor=world.manager, name="老客户丙有限公司", phone="0571-66660003", notes="原备注"
        )


def _imported(actor, rows, capture, **settings):
    with org_scope(actor.org):
        batch = services.import_upload(actor=actor, upload=upload(csv_bytes([HEADER, *rows])))
        if settings:
            batch = services.import_configure(actor=actor, batch=batch, **settings)
    with org_scope(actor.org), capture(execute=True):
        services.import_start(actor=actor, batch=batch)
    with org_scope(actor.org):
        batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "done", batch.message
    return batch


def _undo(actor, batch, capture):
    with org_scope(actor.org), capture(execute=True):
        job = services.import_undo(actor=actor, batch=batch)
    with org_scope(actor.org):
        return ImportBatch.objects.get(pk=batch.pk), Job.objects.get(pk=job.pk)


def _imported_names():
    return set(
        Customer.objects.filter(name__startswith="撤销测试客户").values_list("name", flat=True)
    )


def test_undo_moves_created_customers_to_the_bin_and_puts_changed_ones_back(
    world, existing, django_capture_on_commit_callbacks
):
    rows = [
        *NEW_ROWS[:3],
        ["老客户丙有限公司", "0571-66660003", "信息技术", "新联系人", "13900009999"],
    ]
    batch = _imported(world.manager, rows, django_capture_on_commit_callbacks,
                      duplicate_mode="update")  # fmt: skip
    assert (batch.created_count, batch.updated_count) == (3, 1)
    assert batch.finished_at is not None
    with org_scope(world.org):
        assert len(_imported_names()) == 3
        existing.refresh_from_db()
        assert existing.industry == "it"
    batch, job = _undo(world.manager, batch, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED and job.progress == job.total == 2
    assert batch.status == "undone"
    # 3 customers and the contact added to the existing one; 1 customer put back
    assert batch.undo_result == {"deleted": 4, "restored": 1, "kept": 0}
    assert "4 条客户或联系人移入回收站" in batch.message
    with org_scope(world.org):
        assert not _imported_names()
        in_bin = Customer.with_deleted.filter(name__startswith="撤销测试客户")
        assert in_bin.count() == 3 and all(c.deleted_at for c in in_bin)
        assert (
            Contact.with_deleted.filter(customer__in=in_bin, deleted_at__isnull=False).count() == 3
        )
        assert not Contact.objects.filter(name="新联系人").exists()
        existing.refresh_from_db()
        assert (existing.industry, existing.notes) == ("", "原备注")
        assert not SearchEntry.objects.filter(kind="customer", object_id__in=in_bin).exists()
        assert not ImportChunk.objects.exists()
        # each record moved has its "deleted" entry; the batch its summary
        deleted = ChangeRecord.objects.filter(action="delete")
        assert deleted.filter(entity="customers.customer").count() == 3
        assert deleted.filter(entity="customers.contact").count() == 1
        summary = ChangeRecord.objects.filter(entity="transfer.importbatch", action="update").get()
        assert summary.changes["deleted"] == [None, 4] or summary.changes["deleted"]["new"] == 4
        # and the bin gives them back as a delete by hand would
        one = in_bin.first()
        customers.customer_restore(actor=world.manager, customer=one)
        assert Customer.objects.filter(pk=one.pk).exists()
        assert Contact.objects.filter(customer=one).count() == 1


def test_records_saved_since_are_kept_and_counted(
    world, existing, django_capture_on_commit_callbacks
):
    rows = [NEW_ROWS[0], ["老客户丙有限公司", "0571-66660003", "信息技术", "", ""]]
    batch = _imported(world.manager, rows, django_capture_on_commit_callbacks,
                      duplicate_mode="update")  # fmt: skip
    with org_scope(world.org):
        customers.customer_update(actor=world.admin, customer=existing, notes="后来改的")
        created = Customer.objects.get(name=NEW_ROWS[0][0])
    batch, _job = _undo(world.manager, batch, django_capture_on_commit_callbacks)
    assert batch.undo_result == {"deleted": 1, "restored": 0, "kept": 1}
    with org_scope(world.org):
        existing.refresh_from_db()
        assert (existing.notes, existing.industry) == ("后来改的", "it")
        assert Customer.with_deleted.get(pk=created.pk).deleted_at is not None


def test_a_customer_already_deleted_by_hand_is_not_counted_again(
    world, django_capture_on_commit_callbacks
):
    batch = _imported(world.manager, NEW_ROWS[:2], django_capture_on_commit_callbacks)
    with org_scope(world.org):
        first = Customer.objects.get(name=NEW_ROWS[0][0])
        customers.customer_delete(actor=world.manager, customer=first)
    batch, _job = _undo(world.manager, batch, django_capture_on_commit_callbacks)
    assert batch.undo_result["deleted"] == 1


def test_undo_is_refused_when_it_cannot_or_may_not_happen(
    world, django_capture_on_commit_callbacks
):
    batch = _imported(world.manager, NEW_ROWS[:1], django_capture_on_commit_callbacks)
    with org_scope(world.org), pytest.raises(Exception) as refused:
        services.import_undo(actor=world.rep_a, batch=batch)  # not theirs, no import right
    assert refused.type.__name__ == "PermissionDenied"
    with org_scope(world.org):
        ImportBatch.objects.filter(pk=batch.pk).update(
            finished_at=timezone.now() - datetime.timedelta(days=services.UNDO_DAYS, minutes=1)
        )
        batch.refresh_from_db()
        with pytest.raises(BusinessRuleError) as expired:
            services.import_undo(actor=world.manager, batch=batch)
        assert expired.value.code == "import_undo_expired"
        assert not services.can_undo(world.manager, batch)
        ImportBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now())
        batch.refresh_from_db()
        assert services.can_undo(world.manager, batch)
        assert services.can_undo(world.admin, batch)  # an admin may undo anyone's import
    batch, _job = _undo(world.manager, batch, django_capture_on_commit_callbacks)
    with org_scope(world.org), pytest.raises(BusinessRuleError) as twice:
        services.import_undo(actor=world.manager, batch=batch)
    assert twice.value.code == "import_undone"


def test_an_import_that_created_nothing_has_nothing_to_undo(
    world, django_capture_on_commit_callbacks
):
    batch = _imported(world.manager, NEW_ROWS[:1], django_capture_on_commit_callbacks)
    with org_scope(world.org):
        ImportBatch.objects.filter(pk=batch.pk).update(created_count=0)
        batch.refresh_from_db()
        with pytest.raises(BusinessRuleError) as nothing:
            services.import_undo(actor=world.manager, batch=batch)
    assert nothing.value.code == "import_nothing_to_undo"


def test_journals_are_purged_when_an_import_can_no_longer_be_undone(
    world, django_capture_on_commit_callbacks
):
    batch = _imported(world.manager, NEW_ROWS, django_capture_on_commit_callbacks)
    with org_scope(world.org):
        assert ImportChunk.objects.filter(batch=batch).count() == 3
    later = timezone.now() + datetime.timedelta(days=services.UNDO_DAYS, hours=1)
    assert services.imports_purge_journals(now=timezone.now()) == 0
    assert services.imports_purge_journals(now=later) == 3
    with org_scope(world.org):
        assert len(_imported_names()) == 5  # the customers themselves stay, of course


def test_api_undo_answers_with_the_job_and_refuses_clearly(
    world, api, django_capture_on_commit_callbacks
):
    batch = _imported(world.manager, NEW_ROWS[:2], django_capture_on_commit_callbacks)
    client = api(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/imports/{batch.pk}/undo")
    assert answer.status_code == 202, answer.content
    body = client.get(f"/api/v1/imports/{batch.pk}").json()
    assert body["status"] == "undone" and body["undo_result"]["deleted"] == 2
    again = client.post(f"/api/v1/imports/{batch.pk}/undo")
    assert again.status_code == 422 and "撤销过" in again.content.decode()
    assert api(world.rep_a).post(f"/api/v1/imports/{batch.pk}/undo").status_code in (403, 404)


def test_api_undo_in_english(world, api, django_capture_on_commit_callbacks):
    batch = _imported(world.manager, NEW_ROWS[:1], django_capture_on_commit_callbacks)
    client = api(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/imports/{batch.pk}/undo")
    again = client.post(f"/api/v1/imports/{batch.pk}/undo", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 422 and "already been undone" in again.content.decode()


def test_other_org_cannot_undo(world, other_world, api, django_capture_on_commit_callbacks):
    batch = _imported(world.manager, NEW_ROWS[:1], django_capture_on_commit_callbacks)
    assert api(other_world.admin).post(f"/api/v1/imports/{batch.pk}/undo").status_code == 404
    with org_scope(world.org):
        assert ImportBatch.objects.get(pk=batch.pk).status == "done"


def test_the_result_page_offers_undo_until_the_deadline(world, django_capture_on_commit_callbacks):
    batch = _imported(world.manager, NEW_ROWS[:2], django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(world.manager.user, backend="guanxi.accounts.backends.OrgUsernameBackend")
    page = client.get(f"/transfer/import/{batch.pk}/").content.decode()
    assert 'data-testid="import-undo"' in page and "之前可以撤销" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/transfer/import/{batch.pk}/undo/")
    assert answer.status_code == 302
    page = client.get(f"/transfer/import/{batch.pk}/").content.decode()
    assert 'data-status="undone"' in page and 'data-testid="import-undo"' not in page
    # a second try (another tab) is refused with a message, nothing happens
    answer = client.post(f"/transfer/import/{batch.pk}/undo/", follow=True)
    assert "该导入已经撤销过了" in answer.content.decode()


def test_an_undo_interrupted_by_a_dead_worker_can_be_run_again(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    batch = _imported(world.manager, NEW_ROWS, django_capture_on_commit_callbacks)
    with org_scope(world.org):
        job = services.import_undo(actor=world.manager, batch=batch)  # queued, not run
    with all_orgs():
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)
    assert services.imports_recover() == 1
    with org_scope(world.org):
        batch.refresh_from_db()
        assert batch.status == "done" and "可以再次撤销" in batch.message
        assert len(_imported_names()) == 5  # the recovery of an undo takes nothing back
    batch, job = _undo(world.manager, batch, django_capture_on_commit_callbacks)
    assert batch.status == "undone" and batch.undo_result["deleted"] == 5
