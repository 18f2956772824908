"""Import rows that match existing customers: skip notes that name the customer (when
the importer may see it), updates checked exactly as they will run, and the row's
contact added to or updated on the matched customer."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customers
from guanxi.customers.models import Contact, Customer
from guanxi.transfer.tests.test_import import HEADER, _batch, _importer, _report, _run

pytestmark = pytest.mark.django_db


@pytest.fixture
def existing(world):
    with org_scope(world.org):
        customer = customers.customer_create(
            actor=world.manager, name="北京华为技术有限公司", phone="010-88886666",
            email="info@hw.com", owner=world.rep_a,
        )  # fmt: skip
        customers.contact_create(
            actor=world.manager, customer=customer, name="张三", mobile="13900001111"
        )
    return customer


def _row(name="华为技术（北京）有限公司", **cells):
    row = dict.fromkeys(HEADER, "")
    row["客户名称"] = name
    row.update(cells)
    return [row[column] for column in HEADER]


def test_skip_note_names_the_existing_customer_and_links_it(
    world, existing, django_capture_on_commit_callbacks, client
):
    batch = _batch(world.manager, [_row()], duplicate_mode="skip")
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert (batch.created_count, batch.skipped_count) == (0, 1)
    row, column, value, message, customer_id = batch.first_errors[0]
    assert (row, column, value, customer_id) == (2, "", existing.code, existing.pk)
    assert "北京华为技术有限公司" in message and "名称相同" in message
    assert _report(batch)[1] == ["2", "", existing.code, message]
    client.force_login(world.manager.user)
    page = client.get(f"/transfer/import/{batch.pk}/").content.decode()
    assert f"/customers/{existing.pk}/" in page and "打开已有客户" in page


def test_skip_note_hides_a_customer_outside_the_data_scope(
    world, existing, django_capture_on_commit_callbacks
):
    importer = _importer(world)  # sees only their own customers; the match is rep_a's
    batch = _batch(importer, [_row(phone="010 8888 6666")], duplicate_mode="skip")
    batch = _run(importer, batch, django_capture_on_commit_callbacks)
    assert batch.skipped_count == 1
    _row_no, _column, value, message, customer_id = batch.first_errors[0]
    assert value == "" and customer_id is None
    assert "他人负责" in message and "华为" not in message


def test_a_check_of_an_update_runs_the_real_rules_and_changes_nothing(
    world, existing, django_capture_on_commit_callbacks
):
    # the first row fails its own checks; the second is a good update, counted by the
    # check and taken back
    rows = [_row(邮箱="not-an-email"), _row(name="北京华为技术有限公司", 客户级别="key")]
    batch = _batch(world.manager, rows, duplicate_mode="update")
    checked = _run(world.manager, batch, django_capture_on_commit_callbacks, validate_only=True)
    assert checked.status == "validated"
    assert (checked.updated_count, checked.error_count) == (1, 1)
    with org_scope(world.org):
        existing.refresh_from_db()
        assert existing.level == "" and existing.version == 1


def test_a_check_refuses_an_update_the_write_would_refuse(
    world, existing, django_capture_on_commit_callbacks
):
    with org_scope(world.org):
        customers.customer_create(actor=world.manager, name="另一家", code="KH-TAKEN")
    rows = [["北京华为技术有限公司", "KH-TAKEN"]]
    from guanxi.transfer.tests.helpers import csv_bytes

    content = csv_bytes([["客户名称", "客户编号"], *rows])
    batch = _batch(world.manager, [], content=content, duplicate_mode="update")
    checked = _run(world.manager, batch, django_capture_on_commit_callbacks, validate_only=True)
    assert checked.error_count == 1 and checked.updated_count == 0
    assert "编号" in checked.first_errors[0][3]


def test_update_adds_a_new_contact_and_updates_a_known_one(
    world, existing, django_capture_on_commit_callbacks
):
    rows = [
        _row(联系人="李四", 联系人手机="13700002222"),  # a new person on the customer
        _row(name="北京华为技术有限公司", 联系人="张三", 联系人手机="13600003333"),
    ]
    batch = _batch(world.manager, rows, duplicate_mode="update")
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert (batch.updated_count, batch.error_count) == (2, 0), batch.first_errors
    with org_scope(world.org):
        people = dict(Contact.objects.filter(customer=existing).values_list("name", "mobile"))
        primary = Contact.objects.get(customer=existing, is_primary=True)
    assert people == {"张三": "13600003333", "李四": "13700002222"}
    assert primary.name == "张三"


def test_a_bad_contact_on_an_update_takes_the_whole_row_back(
    world, existing, django_capture_on_commit_callbacks
):
    rows = [_row(行业="信息技术", 联系人="王五", 联系人手机="12")]  # not a phone number
    batch = _batch(world.manager, rows, duplicate_mode="update", valid_only=True)
    batch = _run(world.manager, batch, django_capture_on_commit_callbacks)
    assert (batch.updated_count, batch.error_count) == (0, 1)
    assert batch.first_errors[0][1] == "联系人手机"
    with org_scope(world.org):
        existing.refresh_from_db()
        assert existing.industry == ""
        assert not Contact.objects.filter(name="王五").exists()
        assert Customer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_others_can_save_while_an_import_is_checked(world, existing, monkeypatch):
    """The check holds no transaction: on SQLite one would lock every other writer out
    for as long as the check runs."""
    import threading

    from django.db import connection

    from guanxi.jobs import services as job_services
    from guanxi.transfer import services
    from guanxi.transfer.tests.helpers import csv_bytes, upload

    saved, tried = [], []
    flush = job_services.Reporter.flush

    def save_elsewhere():
        try:
            with org_scope(world.org):
                saved.append(customers.customer_create(actor=world.rep_a, name="并发新建客户").pk)
        finally:
            connection.close()

    def spy(reporter):
        flush(reporter)
        if not tried:  # once, while the check is on its first rows
            tried.append(reporter.job.progress)
            thread = threading.Thread(target=save_elsewhere)
            thread.start()
            thread.join(10)
            tried.append(bool(saved))

    monkeypatch.setattr(job_services, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(job_services.Reporter, "flush", spy)
    rows = [[f"校验客户{i}", ""] for i in range(3)] + [["北京华为技术有限公司", "信息技术"]]
    with org_scope(world.org):
        batch = services.import_upload(
            actor=world.manager, upload=upload(csv_bytes([["客户名称", "行业"], *rows]))
        )
        batch = services.import_configure(actor=world.manager, batch=batch, duplicate_mode="update")
        services.import_validate(actor=world.manager, batch=batch)  # runs on commit
        batch.refresh_from_db()
        assert batch.status == "validated" and batch.updated_count == 1
        assert tried[-1] is True  # saved at once, while the check was running
        assert Customer.objects.filter(pk=saved[0]).exists()
        existing.refresh_from_db()
        assert existing.industry == "" and existing.version == 1  # the check took it back


def test_the_import_summary_in_the_audit_log_is_labelled(world, django_capture_on_commit_callbacks):
    from django.utils import translation

    from guanxi.audit import display
    from guanxi.audit.models import ChangeRecord

    batch = _batch(world.manager, [_row(name="审计标签客户")])
    _run(world.manager, batch, django_capture_on_commit_callbacks)
    with org_scope(world.org):
        record = ChangeRecord.objects.get(entity="transfer.importbatch")
        for language, expected in (("zh-hans", "新建"), ("en", "Created")):
            with translation.override(language):
                rows = {
                    str(r.label): r.new for r in display.describe_changes(record, employee=None)
                }
            assert str(rows[expected]) == "1"
            assert not {"rows", "created", "updated", "skipped", "errors"} & set(rows)
