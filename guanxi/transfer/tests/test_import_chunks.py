"""An import commits chunk by chunk and can be taken back: a wrong row in a later chunk of an
all-or-nothing import, a failure half-way, and a worker that stopped leave nothing behind;
records it changed are put back unless someone saved them since; others can save while a
big import runs."""

import threading

import pytest
from django.db import connection

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import bulk
from guanxi.customers import services as customers
from guanxi.customers.models import Contact, Customer, LifecycleChange
from guanxi.jobs import services as job_services
from guanxi.jobs.models import Job
from guanxi.search.models import SearchEntry
from guanxi.transfer import engine, services
from guanxi.transfer.models import ImportBatch, ImportChunk
from guanxi.transfer.tests.helpers import csv_bytes, upload

HEADER = ["客户名称", "电话", "邮箱", "行业", "联系人", "联系人手机"]


def _row(i, **values):
    row = {"name": f"分块导入客户{i:02d}有限公司", "phone": f"0571-8800{i:04d}", "email": "",
           "industry": "", "contact": f"联系人{i:02d}", "mobile": f"1390000{i:04d}"}  # fmt: skip
    row.update(values)
    return [row["name"], row["phone"], row["email"], row["industry"], row["contact"],
            row["mobile"]]  # fmt: skip


def _batch(actor, rows, **settings):
    with org_scope(actor.org):
        batch = services.import_upload(actor=actor, upload=upload(csv_bytes([HEADER, *rows])))
        if settings:
            batch = services.import_configure(actor=actor, batch=batch, **settings)
    return batch


def _run(actor, batch, capture):
    with org_scope(actor.org), capture(execute=True):
        services.import_start(actor=actor, batch=batch)
    with org_scope(actor.org):
        return ImportBatch.objects.get(pk=batch.pk)


def _state(org):
    """Everything an import writes, as counts."""
    with org_scope(org):
        return {
            "customers": Customer.with_deleted.count(),
            "contacts": Contact.with_deleted.count(),
            "lifecycle": LifecycleChange.objects.count(),
            "entries": SearchEntry.objects.count(),
            "chunks": ImportChunk.objects.count(),
        }


@pytest.fixture
def chunks_of_three(monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 3)


@pytest.fixture
def existing(world):
    """Two customers of the manager's, one with a contact, as an update-mode import finds them."""
    with org_scope(world.org):
        first = customers.customer_create(
            actor=world.manager, name="老客户甲有限公司", phone="0571-66660001", notes="原备注"
        )
        customers.contact_create(actor=world.manager, customer=first, name="王五",
                                 mobile="13911112222", title="经理")  # fmt: skip
        second = customers.customer_create(
            actor=world.manager, name="老客户乙有限公司", phone="0571-66660002"
        )
    return first, second


@pytest.mark.django_db
def test_each_chunk_commits_with_its_journal_kept_for_undoing_the_import(
    world, chunks_of_three, monkeypatch, django_capture_on_commit_callbacks
):
    journals = []
    save = engine.undo.Journal.save

    def spy(journal):
        journals.append(list(journal.customers))
        save(journal)

    monkeypatch.setattr(engine.undo.Journal, "save", spy)
    before = _state(world.org)
    batch = _run(world.manager, _batch(world.manager, [_row(i) for i in range(7)]),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert batch.status == "done" and batch.created_count == 7
    assert [len(ids) for ids in journals] == [3, 3, 1]
    after = _state(world.org)
    assert after["customers"] - before["customers"] == 7
    assert after["contacts"] - before["contacts"] == 7
    assert after["chunks"] == 3  # kept so that the import can be undone (for a while)


@pytest.mark.django_db
def test_a_wrong_row_in_a_later_chunk_takes_back_the_chunks_already_written(
    world, chunks_of_three, django_capture_on_commit_callbacks
):
    before = _state(world.org)
    rows = [_row(i) for i in range(7)] + [_row(7, email="not-an-email"), _row(8)]
    batch = _run(world.manager, _batch(world.manager, rows), django_capture_on_commit_callbacks)
    assert batch.status == "failed" and "没有导入任何数据" in batch.message
    assert (batch.row_count, batch.error_count, batch.created_count) == (9, 1, 0)
    assert batch.first_errors[0][0] == 9  # the file row of the wrong line (header is row 1)
    assert _state(world.org) == before  # customers, contacts, history, search entries, journal
    with org_scope(world.org):
        assert not ChangeRecord.objects.filter(entity="transfer.importbatch").exists()


@pytest.mark.django_db
def test_the_rows_after_the_wrong_one_are_still_checked_for_the_report(
    world, chunks_of_three, django_capture_on_commit_callbacks
):
    rows = [_row(0), _row(1, email="bad"), _row(2), _row(3), _row(4, phone="12ab"), _row(5)]
    batch = _run(world.manager, _batch(world.manager, rows), django_capture_on_commit_callbacks)
    assert batch.error_count == 2 and [e[0] for e in batch.first_errors] == [3, 6]
    with org_scope(world.org):
        assert not Customer.objects.filter(name__startswith="分块导入客户").exists()


@pytest.mark.django_db
def test_valid_rows_only_keeps_every_good_chunk(
    world, chunks_of_three, django_capture_on_commit_callbacks
):
    rows = [_row(i) for i in range(4)] + [_row(4, email="bad"), _row(5)]
    batch = _run(world.manager, _batch(world.manager, rows, valid_only=True),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert batch.status == "done" and (batch.created_count, batch.error_count) == (5, 1)
    assert _state(world.org)["chunks"] == 2


@pytest.mark.django_db
def test_a_failure_half_way_takes_back_what_was_written_and_fails_the_job(
    world, chunks_of_three, monkeypatch, django_capture_on_commit_callbacks
):
    before = _state(world.org)
    real = bulk.customers_bulk_create
    calls = []

    def breaks_on_the_third_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(engine.bulk, "customers_bulk_create", breaks_on_the_third_chunk)
    batch = _run(world.manager, _batch(world.manager, [_row(i) for i in range(9)]),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert batch.status == "failed"
    assert _state(world.org) == before
    with all_orgs():
        job = Job.objects.get(pk=batch.job_id)
    assert job.status == Job.Status.FAILED


@pytest.mark.django_db
def test_updates_are_put_back_and_added_contacts_removed(
    world, existing, chunks_of_three, django_capture_on_commit_callbacks
):
    first, _second = existing
    with org_scope(world.org):
        versions = {c.pk: c.version for c in Customer.objects.all()}
        wang = Contact.objects.get(name="王五")
        tokens_before = SearchEntry.objects.get(kind="contact", object_id=wang.pk).tokens
        audit_before = ChangeRecord.objects.count()
    rows = [
        _row(0, name="老客户甲有限公司", phone="0571-66660001", industry="信息技术",
             contact="王五", mobile="13933334444"),  # updates 甲 and its contact 王五
        _row(1, name="老客户乙有限公司", phone="0571-66660002", contact="赵六"),  # adds 赵六
        _row(2),  # a new customer
        _row(3),
        _row(4, email="wrong"),  # the wrong row, in the second chunk
    ]  # fmt: skip
    before = _state(world.org)
    batch = _run(world.manager, _batch(world.manager, rows, duplicate_mode="update"),
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert batch.status == "failed" and batch.updated_count == 0
    assert _state(world.org) == before
    with org_scope(world.org):
        first.refresh_from_db()
        wang.refresh_from_db()
        assert (first.industry, first.notes, first.phone) == ("", "原备注", "0571-66660001")
        assert wang.mobile == "13911112222" and wang.title == "经理"
        assert not Contact.objects.filter(name="赵六").exists()
        # the put-back is a save of its own: the version moves on, and the audit log shows
        # the change and its reversal
        assert first.version == versions[first.pk] + 2
        entries = ChangeRecord.objects.filter(object_id=str(first.pk), entity="customers.customer")
        assert entries.count() >= 2 and ChangeRecord.objects.count() > audit_before
        # the search entry reads the restored contact again
        entry = SearchEntry.objects.get(kind="contact", object_id=wang.pk)
        assert entry.tokens == tokens_before


@pytest.mark.django_db(transaction=True)
def test_a_record_saved_by_someone_else_meanwhile_is_left_as_they_saved_it(
    world, existing, chunks_of_three, monkeypatch
):
    first, _second = existing
    flush = job_services.Reporter.flush
    edited = []

    def someone_edits_after_the_first_chunk(reporter):
        flush(reporter)
        if not edited:
            with org_scope(world.org):
                current = Customer.objects.get(pk=first.pk)
                customers.customer_update(actor=world.admin, customer=current, notes="别人刚改的")
            edited.append(1)

    monkeypatch.setattr(job_services, "PROGRESS_EVERY", 3)
    monkeypatch.setattr(job_services.Reporter, "flush", someone_edits_after_the_first_chunk)
    rows = [_row(0, name="老客户甲有限公司", phone="0571-66660001", industry="信息技术"),
            _row(1), _row(2), _row(3, email="wrong")]  # fmt: skip
    batch = _batch(world.manager, rows, duplicate_mode="update")
    with org_scope(world.org):
        services.import_start(actor=world.manager, batch=batch)
    with org_scope(world.org):
        batch.refresh_from_db()
        first.refresh_from_db()
        assert batch.status == "failed" and edited
        assert first.notes == "别人刚改的" and first.industry == "it"  # their save stands
        assert not Customer.objects.filter(name__startswith="分块导入客户").exists()
        assert not ImportChunk.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_others_can_save_between_the_chunks_of_a_running_import(
    world, chunks_of_three, monkeypatch
):
    """On SQLite one writer writes at a time: an import holding one transaction for the
    whole file kept every other save waiting (and failing after the busy timeout)."""
    flush = job_services.Reporter.flush
    saved = []

    def another_person_saves(reporter):
        flush(reporter)
        result = {}

        def save():
            try:
                with org_scope(world.org):
                    result["pk"] = customers.customer_create(
                        actor=world.rep_a, name=f"并发保存的客户{len(saved)}"
                    ).pk
            except Exception as exc:  # reported below
                result["error"] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=save)
        thread.start()
        thread.join(15)
        saved.append(result)

    monkeypatch.setattr(job_services, "PROGRESS_EVERY", 3)
    monkeypatch.setattr(job_services.Reporter, "flush", another_person_saves)
    batch = _batch(world.manager, [_row(i) for i in range(7)])
    with org_scope(world.org):
        services.import_start(actor=world.manager, batch=batch)
    assert saved and all("pk" in result for result in saved), saved
    with org_scope(world.org):
        batch.refresh_from_db()
        assert batch.status == "done" and batch.created_count == 7
        assert Customer.objects.filter(name__startswith="并发保存的客户").count() == len(saved)


@pytest.mark.django_db
def test_an_import_whose_worker_stopped_is_taken_back_by_the_hourly_recovery(
    world, chunks_of_three, monkeypatch, django_capture_on_commit_callbacks
):
    before = _state(world.org)

    class WorkerKilled(BaseException):
        """Not an Exception: nothing in the job catches it, as when the process dies."""

    real = bulk.customers_bulk_create
    calls = []

    def killed_on_the_third_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(engine.bulk, "customers_bulk_create", killed_on_the_third_chunk)
    # a dead process takes back nothing: the chunks it committed stay
    monkeypatch.setattr(services.undo, "take_back", lambda batch, actor: None)
    batch = _batch(world.manager, [_row(i) for i in range(9)])
    with (
        pytest.raises(WorkerKilled),
        org_scope(world.org),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.import_start(actor=world.manager, batch=batch)
    monkeypatch.undo()
    assert _state(world.org)["customers"] - before["customers"] == 6
    assert _state(world.org)["chunks"] == 2
    assert services.imports_recover() == 0  # the job is still "running": left alone
    with all_orgs():
        Job.objects.filter(pk=ImportBatch.objects.get(pk=batch.pk).job_id).update(
            status=Job.Status.FAILED
        )  # what the jobs' housekeeping does to a job whose worker died
    assert services.imports_recover() == 1
    assert _state(world.org) == before
    with org_scope(world.org):
        batch.refresh_from_db()
    assert batch.status == "failed" and "已撤销" in batch.message
    assert services.imports_recover() == 0
